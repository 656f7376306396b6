package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

func TestCILifecycle(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCMDB(t, s)
		c := e.mustCI(t, "web-01", "high", map[string]any{"owner": "ops", "attributes": map[string]string{"rack": "R1"},
			"agent_id": e.agent.id})
		if c.State != "planned" || c.Version != 1 || c.AgentID != e.agent.id || c.Attributes["rack"] != "R1" {
			t.Fatalf("created: %+v", c)
		}
		t.Run("ErrDuplicateName", func(t *testing.T) {
			res := e.do(t, e.cm, "POST", "/api/v1/cis", map[string]any{"name": "web-01", "type": "server", "criticality": "low"})
			if p := res.Problem(t); p.Status != 409 {
				t.Fatalf("duplicate: %+v", p)
			}
		})
		t.Run("OKByName", func(t *testing.T) {
			if got := e.getCI(t, "web-01"); got.ID != c.ID {
				t.Fatalf("by name: %+v", got)
			}
		})
		t.Run("OKTransitions", func(t *testing.T) {
			for _, step := range []struct{ event, state string }{
				{"activate", "active"}, {"start_maintenance", "maintenance"}, {"end_maintenance", "active"},
			} {
				res := e.fire(t, c.ID, step.event)
				var got ciOut
				res.JSON(t, &got)
				if res.Status != 200 || got.State != step.state {
					t.Fatalf("%s: %d %s", step.event, res.Status, res.Body)
				}
			}
			if p := e.fire(t, c.ID, "activate").Problem(t); p.Status != 409 {
				t.Fatalf("activate an active CI: %+v", p)
			}
		})
		t.Run("ErrStaleIfMatch", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/cis/" + c.ID, Token: e.cm.token,
				Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"owner": "dba"}})
			if p := res.Problem(t); p.Status != 412 {
				t.Fatalf("stale If-Match: %+v", p)
			}
		})
		t.Run("OKPatchWithETag", func(t *testing.T) {
			cur := e.do(t, e.auditor, "GET", "/api/v1/cis/"+c.ID, nil)
			res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/cis/" + c.ID, Token: e.cm.token,
				Header: map[string]string{"If-Match": cur.Header.Get("ETag")},
				Body:   map[string]any{"owner": "dba", "attributes": map[string]any{"rack": nil, "row": "4"}}})
			var got ciOut
			res.JSON(t, &got)
			if res.Status != 200 || got.Owner != "dba" || got.Attributes["row"] != "4" || got.Attributes["rack"] != "" {
				t.Fatalf("patch: %d %s", res.Status, res.Body)
			}
			if res.Header.Get("ETag") != fmt.Sprintf(`"%d"`, got.Version) {
				t.Fatalf("ETag %s for version %d", res.Header.Get("ETag"), got.Version)
			}
		})
		t.Run("OKRetiredIsFrozen", func(t *testing.T) {
			if res := e.fire(t, c.ID, "retire"); res.Status != 200 {
				t.Fatalf("retire: %d %s", res.Status, res.Body)
			}
			if p := e.do(t, e.cm, "PATCH", "/api/v1/cis/"+c.ID, map[string]any{"owner": "x"}).Problem(t); p.Status != 409 {
				t.Fatalf("edit a retired CI: %+v", p)
			}
			if got := e.getCI(t, c.ID); len(got.Actions) != 0 {
				t.Fatalf("a retired CI offers %v", got.Actions)
			}
		})
	})
}

func TestCIRoles(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCMDB(t, s)
		c := e.mustCI(t, "app-01", "low", nil)
		body := map[string]any{"name": "other", "type": "server", "criticality": "low"}
		for name, p := range map[string]person{"requester": e.requester, "auditor": e.auditor, "agent": e.agent} {
			t.Run("ErrWriteAs"+name, func(t *testing.T) {
				if pr := e.do(t, p, "POST", "/api/v1/cis", body).Problem(t); pr.Status != 403 {
					t.Fatalf("create as %s: %+v", name, pr)
				}
				if pr := e.do(t, p, "POST", "/api/v1/cis/"+c.ID+"/transitions", map[string]any{"event": "activate"}).Problem(t); pr.Status != 403 {
					t.Fatalf("transition as %s: %+v", name, pr)
				}
			})
		}
		t.Run("ErrAgentReads", func(t *testing.T) {
			if pr := e.do(t, e.agent, "GET", "/api/v1/cis", nil).Problem(t); pr.Status != 403 {
				t.Fatalf("agent list: %+v", pr)
			}
		})
		t.Run("OKReaders", func(t *testing.T) {
			for _, p := range []person{e.requester, e.auditor, e.cm, e.admin} {
				if res := e.do(t, p, "GET", "/api/v1/cis/"+c.ID, nil); res.Status != 200 {
					t.Fatalf("read: %d", res.Status)
				}
			}
		})
		if got := e.auditActions(t, c.ID); !slices.Contains(got, "ci.activate:denied") {
			t.Fatalf("refusals not audited: %v", got)
		}
	})
}

func TestCIListFiltersAndPages(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCMDB(t, s)
		for i := range 7 {
			crit, env := "low", "test"
			if i%2 == 0 {
				crit, env = "critical", "production"
			}
			e.mustCI(t, fmt.Sprintf("host-%02d", i), crit, map[string]any{"environment": env,
				"attributes": map[string]string{"rack": fmt.Sprintf("R%d", i%3)}})
		}
		e.mustCI(t, "Switch-A", "high", map[string]any{"type": "network_device"})
		names := func(path string) ([]string, string) {
			var page struct {
				Items      []ciOut `json:"items"`
				NextCursor string  `json:"next_cursor"`
			}
			res := e.do(t, e.requester, "GET", path, nil)
			if res.Status != 200 {
				t.Fatalf("%s: %d %s", path, res.Status, res.Body)
			}
			res.JSON(t, &page)
			var out []string
			for _, c := range page.Items {
				out = append(out, c.Name)
			}
			return out, page.NextCursor
		}
		for path, want := range map[string][]string{
			"/api/v1/cis?criticality=critical":                        {"host-00", "host-02", "host-04", "host-06"},
			"/api/v1/cis?environment=test&criticality=low":            {"host-01", "host-03", "host-05"},
			"/api/v1/cis?type=network_device":                         {"Switch-A"},
			"/api/v1/cis?q=SWITCH":                                    {"Switch-A"},
			"/api/v1/cis?attribute=rack%3DR1":                         {"host-01", "host-04"},
			"/api/v1/cis?attribute=rack%3DR0&criticality=critical":    {"host-00", "host-06"},
			"/api/v1/cis?state=active":                                nil,
			"/api/v1/cis?owner=nobody":                                nil,
			"/api/v1/cis?q=host-0&environment=production&limit=200":   {"host-00", "host-02", "host-04", "host-06"},
			"/api/v1/cis?attribute=rack%3DR2&environment=test&type=x": nil,
		} {
			if got, _ := names(path); !slices.Equal(got, want) {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
		// Pages of three walk every CI once, in name order (byte order:
		// upper case first).
		var all []string
		path := "/api/v1/cis?limit=3"
		for range 10 {
			got, next := names(path)
			all = append(all, got...)
			if next == "" {
				break
			}
			path = "/api/v1/cis?limit=3&cursor=" + next
		}
		want := []string{"Switch-A", "host-00", "host-01", "host-02", "host-03", "host-04", "host-05", "host-06"}
		if !slices.Equal(all, want) {
			t.Fatalf("pages: %v", all)
		}
	})
}

func TestCIHistoryAndAt(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			clock := &apitest.Clock{}
			t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
			clock.Set(t0)
			s := apitest.NewWithClock(t, d, clock)
			e := newCMDB(t, s)
			c := e.mustCI(t, "db-01", "medium", map[string]any{"owner": "dba"})
			clock.Set(t0.Add(5 * time.Minute)) // tokens live 15 minutes
			e.fire(t, c.ID, "activate")
			clock.Set(t0.Add(10 * time.Minute))
			s.Patch(t, e.cm.token, "/api/v1/cis/db-01", map[string]any{"criticality": "critical", "owner": "ops"})

			var h struct {
				Items []struct {
					Version int64                                 `json:"version"`
					Action  string                                `json:"action"`
					Changes map[string]struct{ From, To *string } `json:"changes"`
				} `json:"items"`
			}
			e.do(t, e.requester, "GET", "/api/v1/cis/db-01/history", nil).JSON(t, &h)
			if len(h.Items) != 3 || h.Items[0].Action != "ci.create" || h.Items[1].Action != "ci.activate" || h.Items[2].Version != 3 {
				t.Fatalf("history: %+v", h.Items)
			}
			ch := h.Items[2].Changes
			if len(ch) != 2 || *ch["criticality"].From != "medium" || *ch["criticality"].To != "critical" || *ch["owner"].To != "ops" {
				t.Fatalf("diff of version 3: %+v", ch)
			}
			for at, want := range map[string]string{
				"2026-03-02T10:04:59Z": "planned/medium", "2026-03-02T10:05:00Z": "active/medium",
				"2026-03-02T10:10:00Z": "active/critical", "2030-01-01T00:00:00Z": "active/critical",
			} {
				var got ciOut
				res := e.do(t, e.requester, "GET", "/api/v1/cis/db-01?at="+at, nil)
				res.JSON(t, &got)
				if res.Status != 200 || got.State+"/"+got.Criticality != want || res.Header.Get("ETag") != "" {
					t.Errorf("at %s: %d %s/%s (ETag %q), want %s", at, res.Status, got.State, got.Criticality, res.Header.Get("ETag"), want)
				}
			}
			if p := e.do(t, e.requester, "GET", "/api/v1/cis/db-01?at=2026-03-02T09:59:59Z", nil).Problem(t); p.Status != 404 {
				t.Fatalf("before it existed: %+v", p)
			}
			// No RFC was implementing: the update of the active CI is flagged.
			want := []string{"ci.create:success", "ci.activate:success", "ci.update:success", "ci.unauthorized_change:success"}
			if got := e.auditActions(t, c.ID); !slices.Equal(got, want) {
				t.Fatalf("audit: %v", got)
			}
		})
	}
}

func TestCIWorkflowRoute(t *testing.T) {
	s := apitest.New(t, "sqlite", nil)
	var w struct {
		Initial string   `json:"initial"`
		Final   []string `json:"final"`
		Mermaid string   `json:"mermaid"`
	}
	get(t, s, "/api/v1/workflows/ci", s.Admin).JSON(t, &w)
	if w.Initial != "planned" || !slices.Equal(w.Final, []string{"retired"}) || w.Mermaid == "" {
		t.Fatalf("workflow: %+v", w)
	}
	if res := s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/cis/nope", Token: s.Admin}); res.Status != http.StatusNotFound {
		t.Fatalf("unknown CI: %d", res.Status)
	}
}
