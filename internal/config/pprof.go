package config

import (
	"fmt"
	"net"
)

// validatePprofAddr checks CHANGEBOARD_PPROF_ADDR: empty (profiling off,
// the default) or a loopback host:port. The profiles carry no token
// check, so they listen apart from the API and only where no other
// machine reaches them (ssh -L to read them from afar).
func validatePprofAddr(addr string) []string {
	if addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return []string{fmt.Sprintf("CHANGEBOARD_PPROF_ADDR %q: want host:port on loopback, like 127.0.0.1:6060", addr)}
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return []string{fmt.Sprintf("CHANGEBOARD_PPROF_ADDR %q: the profiling listener must be on loopback (127.0.0.1, ::1 or localhost)", addr)}
	}
	return nil
}
