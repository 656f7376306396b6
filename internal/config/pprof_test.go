package config

import (
	"strings"
	"testing"
)

func TestLoadPprofAddr(t *testing.T) {
	load := func(v string) (Config, error) {
		return Load(nil, func(k string) string {
			if k == "CHANGEBOARD_PPROF_ADDR" {
				return v
			}
			return ""
		})
	}
	for _, ok := range []string{"", "127.0.0.1:6060", "localhost:6060", "[::1]:6060"} {
		t.Run("OK"+ok, func(t *testing.T) {
			if c, err := load(ok); err != nil || c.PprofAddr != ok {
				t.Fatalf("%q: %q %v", ok, c.PprofAddr, err)
			}
		})
	}
	for _, bad := range []string{":6060", "0.0.0.0:6060", "10.0.0.1:6060", "example.com:6060", "127.0.0.1"} {
		t.Run("Err"+bad, func(t *testing.T) {
			_, err := load(bad)
			if err == nil || !strings.Contains(err.Error(), "CHANGEBOARD_PPROF_ADDR") {
				t.Fatalf("%q: %v, want an error naming CHANGEBOARD_PPROF_ADDR", bad, err)
			}
		})
	}
}
