package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/apitest"
)

// adminRoutes are the routes only an admin may use; auditRoutes also let
// auditors in.
var adminRoutes = []apitest.Request{
	{Method: "GET", Path: "/api/v1/users"},
	{Method: "POST", Path: "/api/v1/users", Body: map[string]any{"username": "x1", "roles": []string{"requester"}, "password": "long enough password"}},
	{Method: "GET", Path: "/api/v1/users/ID"},
	{Method: "PATCH", Path: "/api/v1/users/ID", Body: map[string]any{"roles": []string{"admin"}}},
	{Method: "GET", Path: "/api/v1/tokens?user_id=ID"},
	{Method: "POST", Path: "/api/v1/tokens", Body: map[string]any{"name": "t", "roles": []string{"requester"}, "expires_at": "2099-01-01T00:00:00Z", "user_id": "ID"}},
}

var auditRoutes = []apitest.Request{
	{Method: "GET", Path: "/api/v1/audit/events"},
	{Method: "GET", Path: "/api/v1/audit/verify"},
}

type eventList struct {
	Items []struct {
		ID        int64  `json:"id"`
		Sequence  *int64 `json:"sequence"`
		ActorID   string `json:"actor_id"`
		ActorRole string `json:"actor_role"`
		Action    string `json:"action"`
		Outcome   string `json:"outcome"`
		EntityID  string `json:"entity_id"`
		RequestID string `json:"request_id"`
		SourceIP  string `json:"source_ip"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func TestRolesRefusedAndAudited(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		targetID, _ := s.MustUser(t, "target", "requester")
		for _, role := range []string{"requester", "change_manager", "cab_member", "release_manager", "agent", "auditor"} {
			uid, tok := s.MustUser(t, "as-"+strings.ReplaceAll(role, "_", "-"), role)
			routes := adminRoutes
			if role != "auditor" {
				routes = append(append([]apitest.Request{}, adminRoutes...), auditRoutes...)
			}
			for _, r := range routes {
				r.Path = strings.ReplaceAll(r.Path, "ID", targetID)
				r.Token = tok
				t.Run(role+" "+r.Method+" "+r.Path, func(t *testing.T) {
					res := s.Do(t, r)
					if p := res.Problem(t); p.Status != http.StatusForbidden {
						t.Fatalf("got %d %s", res.Status, res.Body)
					}
				})
			}
			var denied eventList
			get(t, s, "/api/v1/audit/events?actor="+uid+"&limit=500", s.Admin).JSON(t, &denied)
			n := 0
			for _, e := range denied.Items {
				if e.Outcome == "denied" && e.ActorRole == role && e.SourceIP != "" && e.RequestID != "" {
					n++
				}
			}
			if n != len(routes) {
				t.Errorf("%s: %d denied events audited, want %d: %+v", role, n, len(routes), denied.Items)
			}
		}
	})
}

func countUsers(t *testing.T, s *apitest.Server) int {
	t.Helper()
	var list struct{ Items []any }
	get(t, s, "/api/v1/users?limit=200", s.Admin).JSON(t, &list)
	return len(list.Items)
}

func TestBadInput(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		before := countUsers(t, s)
		valid := `{"username":"newbie","roles":["requester"],"password":"long enough password"}`
		big := append([]byte(`{"username":"`), bytes.Repeat([]byte("a"), 1<<20)...)
		big = append(big, []byte(`"}`)...)
		big = big[:1<<20+1]
		cases := []struct {
			name   string
			body   any
			ctype  string
			status int
			field  string
		}{
			{"malformed", `{"username":`, "", 400, "body"},
			{"not JSON", `hello`, "", 400, "body"},
			{"empty", ``, "", 400, "body"},
			{"two objects", valid + valid, "", 400, "body"},
			{"unknown field", `{"username":"newbie","roles":["requester"],"password":"long enough password","is_root":true}`, "", 400, "is_root"},
			{"wrong type", `{"username":42,"roles":["requester"],"password":"long enough password"}`, "", 400, "username"},
			{"wrong type in array", `{"username":"newbie","roles":[1],"password":"long enough password"}`, "", 400, "roles"},
			{"empty username", `{"username":"","roles":["requester"],"password":"long enough password"}`, "", 400, "username"},
			{"no roles", `{"username":"newbie","roles":[],"password":"long enough password"}`, "", 400, "roles"},
			{"unknown role", `{"username":"newbie","roles":["god"],"password":"long enough password"}`, "", 400, "roles"},
			{"short password", `{"username":"newbie","roles":["requester"],"password":"short"}`, "", 400, "password"},
			{"bad email", `{"username":"newbie","roles":["requester"],"password":"long enough password","email":"nope"}`, "", 400, "email"},
			{"form content type", valid, "application/x-www-form-urlencoded", 400, "Content-Type"},
			{"1 MiB + 1 byte", big, "", 413, "body"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := apitest.Request{Method: "POST", Path: "/api/v1/users", Token: s.Admin, Body: c.body}
				if c.ctype != "" {
					r.Header = map[string]string{"Content-Type": c.ctype}
				}
				res := s.Do(t, r)
				p := res.Problem(t)
				if p.Status != c.status || !p.HasField(c.field) {
					t.Fatalf("got %d %s, want %d naming %s", res.Status, res.Body, c.status, c.field)
				}
			})
		}
		t.Run("bad query", func(t *testing.T) {
			for path, field := range map[string]string{
				"/api/v1/audit/events?since=yesterday": "since",
				"/api/v1/audit/events?limit=0":         "limit",
				"/api/v1/audit/events?limit=501":       "limit",
				"/api/v1/audit/events?cursor=!!":       "cursor",
				"/api/v1/users?limit=x":                "limit",
			} {
				if p := get(t, s, path, s.Admin).Problem(t); p.Status != 400 || !p.HasField(field) {
					t.Errorf("%s: %+v", path, p)
				}
			}
		})
		if after := countUsers(t, s); after != before {
			t.Fatalf("bad input wrote users: %d → %d", before, after)
		}
		t.Run("exactly 1 MiB is read", func(t *testing.T) {
			body := []byte(valid[:len(valid)-1] + `,"display_name":"` + strings.Repeat("b", 1<<20-len(valid)-18) + `"}`)
			if len(body) != 1<<20 {
				t.Fatalf("body is %d bytes", len(body))
			}
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/users", Token: s.Admin, Body: body})
			if p := res.Problem(t); p.Status != 400 || !p.HasField("display_name") {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
		})
	})
}

func TestAuditEventsAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		_, auditor := s.MustUser(t, "auditor1", "auditor")
		for _, n := range []string{"u1", "u2", "u3"} {
			s.MustUser(t, n, "requester")
		}
		s.Seal(t)
		var page1, page2 eventList
		get(t, s, "/api/v1/audit/events?action=user.create&limit=2", auditor).JSON(t, &page1)
		if len(page1.Items) != 2 || page1.NextCursor == "" {
			t.Fatalf("page 1: %+v", page1)
		}
		get(t, s, "/api/v1/audit/events?action=user.create&limit=2&cursor="+page1.NextCursor, auditor).JSON(t, &page2)
		if len(page2.Items) != 2 || page2.Items[0].ID <= page1.Items[1].ID {
			t.Fatalf("page 2: %+v", page2)
		}
		for _, e := range append(page1.Items, page2.Items...) {
			if e.Action != "user.create" || e.Sequence == nil {
				t.Fatalf("event %+v: wrong action or unsealed", e)
			}
		}
		var report struct {
			OK      bool  `json:"ok"`
			Checked int64 `json:"checked"`
		}
		get(t, s, "/api/v1/audit/verify", auditor).JSON(t, &report)
		if !report.OK || report.Checked < 8 {
			t.Fatalf("verify: %+v", report)
		}
	})
}

func TestOperations(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"ready"`,
			"/metrics": "changeboard_http_requests_total", "/api/openapi.yaml": "openapi: 3.0.3"} {
			res := get(t, s, path, "")
			if res.Status != 200 || !bytes.Contains(res.Body, []byte(want)) {
				t.Errorf("%s: %d %.300s", path, res.Status, res.Body)
			}
		}
		res := get(t, s, "/api/v1/nothing-here", s.Admin)
		if p := res.Problem(t); p.Status != 404 {
			t.Fatalf("unknown route: %d", res.Status)
		}
		t.Run("not ready without the database", func(t *testing.T) {
			_ = s.App.DB.Close()
			if p := get(t, s, "/readyz", "").Problem(t); p.Status != 503 {
				t.Fatalf("readyz with the database closed: %d", p.Status)
			}
		})
	})
}

func TestPanicBecomesProblem(t *testing.T) {
	s := apitest.New(t, "sqlite", nil)
	s.App.HTTP.GET("/api/v1/boom", func(c echo.Context) error { panic("secret internals") })
	res := get(t, s, "/api/v1/boom", s.Admin)
	if p := res.Problem(t); p.Status != 500 || p.Detail != "internal error" || bytes.Contains(res.Body, []byte("secret")) || bytes.Contains(res.Body, []byte("goroutine")) {
		t.Fatalf("got %d %s", res.Status, res.Body)
	}
}

// onlyReader hides the length of a body, so that it is sent chunked.
type onlyReader struct{ r *bytes.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestChunkedBodyTooLarge(t *testing.T) {
	s := apitest.New(t, "sqlite", nil)
	body := append([]byte(`{"username":"`), bytes.Repeat([]byte("a"), 1<<20+10)...)
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/users", onlyReader{bytes.NewReader(body)})
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.Admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 413 || res.Header.Get("Content-Type") != "application/problem+json" || req.ContentLength > 0 {
		t.Fatalf("chunked oversized body: %d %s (length %d)", res.StatusCode, res.Header.Get("Content-Type"), req.ContentLength)
	}
}
