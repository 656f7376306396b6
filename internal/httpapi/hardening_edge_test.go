package httpapi_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/config"
)

type auditOut struct {
	Items []struct {
		Action    string `json:"action"`
		Outcome   string `json:"outcome"`
		EntityID  string `json:"entity_id"`
		RequestID string `json:"request_id"`
		SourceIP  string `json:"source_ip"`
	} `json:"items"`
}

func failedLogins(t *testing.T, s *apitest.Server, username string) auditOut {
	t.Helper()
	res := s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/audit/events?action=auth.login&entity_id=" + username, Token: s.Admin})
	var out auditOut
	res.JSON(t, &out)
	return out
}

var serverID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestTheLogsAreTheServers: neither X-Forwarded-For from an untrusted
// client nor a client's X-Request-Id is written into the audit trail.
func TestTheLogsAreTheServers(t *testing.T) {
	s := apitest.New(t, config.SQLite, nil)
	long := strings.Repeat("r", 64<<10)
	for i, hdr := range []map[string]string{
		{"X-Forwarded-For": "203.0.113.9", "X-Request-Id": long},
		{"X-Forwarded-For": "198.51.100.1", "X-Request-Id": "same-id"},
		{"X-Forwarded-For": "198.51.100.2", "X-Request-Id": "same-id"},
	} {
		res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/auth/login", Header: hdr,
			Body: map[string]string{"username": "mallory", "password": "wrong-password-" + string(rune('a'+i))}})
		if res.Status != http.StatusUnauthorized || !serverID.MatchString(res.Header.Get("X-Request-Id")) {
			t.Fatalf("%d, request id %q", res.Status, res.Header.Get("X-Request-Id"))
		}
	}
	events := failedLogins(t, s, "mallory")
	if len(events.Items) != 3 {
		t.Fatalf("%d failed logins audited, want 3", len(events.Items))
	}
	seen := map[string]bool{}
	for _, e := range events.Items {
		if e.SourceIP != "127.0.0.1" || !serverID.MatchString(e.RequestID) || seen[e.RequestID] {
			t.Errorf("audited source %q, request id %.40q", e.SourceIP, e.RequestID)
		}
		seen[e.RequestID] = true
	}
	// A valid client id stays, apart, for correlation.
	res := s.Do(t, apitest.Request{Method: "GET", Path: "/healthz", Header: map[string]string{"X-Request-Id": "trace-42"}})
	if res.Header.Get("X-Correlation-Id") != "trace-42" || res.Header.Get("X-Request-Id") == "trace-42" {
		t.Errorf("headers %v", res.Header)
	}
}

// TestTrustedProxies: X-Forwarded-For counts from a configured proxy.
func TestTrustedProxies(t *testing.T) {
	s := apitest.New(t, config.SQLite, func(c *config.Config) {
		c.Edge.TrustedProxies = mustPrefixes(t, "127.0.0.0/8")
	})
	s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/auth/login", Header: map[string]string{"X-Forwarded-For": "203.0.113.9"},
		Body: map[string]string{"username": "mallory", "password": "wrong-password"}})
	if ev := failedLogins(t, s, "mallory"); len(ev.Items) != 1 || ev.Items[0].SourceIP != "203.0.113.9" {
		t.Fatalf("%+v", ev)
	}
}

// TestHTTPAsClientsExpect: security headers, the bearer scheme in any
// case, 405 with Allow.
func TestHTTPAsClientsExpect(t *testing.T) {
	s := apitest.New(t, config.SQLite, func(c *config.Config) { c.Edge.HSTS = true })
	res := s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/me", Header: map[string]string{"Authorization": "bearer " + s.Admin}})
	if res.Status != http.StatusOK {
		t.Fatalf("lower-case bearer: %d %s", res.Status, res.Body)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
		"Referrer-Policy": "no-referrer", "Content-Security-Policy": "frame-ancestors 'none'", "Strict-Transport-Security": "max-age="} {
		if !strings.Contains(res.Header.Get(h), want) {
			t.Errorf("%s = %q, want %q in it", h, res.Header.Get(h), want)
		}
	}
	res = s.Do(t, apitest.Request{Method: "DELETE", Path: "/api/v1/me", Token: s.Admin})
	if p := res.Problem(t); p.Status != http.StatusMethodNotAllowed || !strings.Contains(res.Header.Get("Allow"), "GET") {
		t.Errorf("wrong method: %+v, Allow %q", p, res.Header.Get("Allow"))
	}
}

func mustPrefixes(t *testing.T, ss ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// TestNoLockoutOfOthers: five wrong passwords from one address lock that
// address out of the account, not the account's owner elsewhere; the
// brute force from one address stays throttled, and the refusals are
// audited.
func TestNoLockoutOfOthers(t *testing.T) {
	s := apitest.New(t, config.SQLite, func(c *config.Config) {
		c.Edge.TrustedProxies = mustPrefixes(t, "127.0.0.0/8")
	})
	s.MustUser(t, "cab-chair", "cab_member")
	login := func(from, user, password string) apitest.Response {
		return s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/auth/login", Header: map[string]string{"X-Forwarded-For": from},
			Body: map[string]string{"username": user, "password": password}})
	}
	const attacker, owner = "203.0.113.9", "198.51.100.7"
	for i := 0; i < 5; i++ {
		if res := login(attacker, "cab-chair", "wrong password!"); res.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, res.Status)
		}
	}
	if res := login(attacker, "cab-chair", apitest.UserPassword); res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("the attacker's address after 5 failures: %d", res.Status)
	}
	if res := login(owner, "cab-chair", apitest.UserPassword); res.Status != http.StatusOK {
		t.Fatalf("the owner is locked out: %d %s", res.Status, res.Body)
	}
	// Per address, whatever the account: 20 failures.
	for i := 0; i < 20; i++ {
		login("203.0.113.50", fmt.Sprintf("user%d", i), "wrong password!")
	}
	if res := login("203.0.113.50", "admin", apitest.AdminPassword); res.Status != http.StatusTooManyRequests {
		t.Fatalf("spraying address: %d", res.Status)
	}
	refused := 0
	for _, e := range failedLogins(t, s, "cab-chair").Items {
		if e.Outcome == "failure" && e.SourceIP == attacker {
			refused++
		}
	}
	if refused != 6 {
		t.Fatalf("%d failures audited from the attacker, want 6", refused)
	}
}
