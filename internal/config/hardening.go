package config

import (
	"flag"
	"net/netip"
	"strings"
	"time"
)

// Edge configures what the HTTP edge trusts and how long it waits.
type Edge struct {
	// TrustedProxies are the addresses (CIDR prefixes) whose
	// X-Forwarded-For is believed; empty (the default) believes none, so
	// that the socket's address is the caller's.
	TrustedProxies []netip.Prefix
	// HSTS sends Strict-Transport-Security: set it when the service is
	// reached over TLS only (usually behind a TLS-terminating proxy).
	HSTS bool
	// RequestTimeout bounds one request's work, database waits included.
	RequestTimeout time.Duration
}

type edgeFlags struct{ proxies, hsts, timeout *string }

func newEdgeFlags(fs *flag.FlagSet, env func(name, def string) string) edgeFlags {
	return edgeFlags{
		proxies: fs.String("trusted-proxies", env("TRUSTED_PROXIES", ""), "comma-separated CIDRs or addresses of proxies whose X-Forwarded-For is trusted; none if empty (CHANGEBOARD_TRUSTED_PROXIES)"),
		hsts:    fs.String("hsts", env("HSTS", "false"), "send Strict-Transport-Security, for a service reached over TLS only (CHANGEBOARD_HSTS)"),
		timeout: fs.String("request-timeout", env("REQUEST_TIMEOUT", "30s"), "longest a request may work, database waits included (CHANGEBOARD_REQUEST_TIMEOUT)"),
	}
}

func (f edgeFlags) parse(problems *[]string) Edge {
	var e Edge
	for _, s := range strings.Split(*f.proxies, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				*problems = append(*problems, "CHANGEBOARD_TRUSTED_PROXIES: "+s+" is neither an address nor a CIDR prefix")
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		e.TrustedProxies = append(e.TrustedProxies, p.Masked())
	}
	parseBool(problems, "CHANGEBOARD_HSTS", *f.hsts, &e.HSTS)
	parseDuration(problems, "CHANGEBOARD_REQUEST_TIMEOUT", *f.timeout, &e.RequestTimeout)
	if e.RequestTimeout < time.Second || e.RequestTimeout > 10*time.Minute {
		*problems = append(*problems, "CHANGEBOARD_REQUEST_TIMEOUT: must be between 1s and 10m")
	}
	return e
}
