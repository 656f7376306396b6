package httpapi_test

import (
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
)

// TestCMDBBadInput sends bad input to every CMDB endpoint: each gets a 400
// problem naming the field, and nothing is written.
func TestCMDBBadInput(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCMDB(t, s)
		c := e.mustCI(t, "target", "low", map[string]any{"agent_id": e.agent.id})
		e.mustCI(t, "other", "low", nil)
		var g groupOut
		e.do(t, e.cm, "POST", "/api/v1/ci-groups", map[string]any{"name": "g", "kind": "static", "members": []string{c.ID}}).JSON(t, &g)
		ci, inv, rels := "/api/v1/cis/"+c.ID, "/api/v1/cis/"+c.ID+"/inventory", "/api/v1/cis/"+c.ID+"/relationships"
		long := strings.Repeat("x", 201)
		cases := []struct {
			method, path string
			who          person
			body         any
			field        string
		}{
			{"POST", "/api/v1/cis", e.cm, `{"name":`, "body"},
			{"POST", "/api/v1/cis", e.cm, `{"name":"n","type":"server","criticality":"low","colour":"red"}`, "colour"},
			{"POST", "/api/v1/cis", e.cm, `{"name":"","type":"server","criticality":"low"}`, "name"},
			{"POST", "/api/v1/cis", e.cm, `{"name":"` + long + `","type":"server","criticality":"low"}`, "name"},
			{"POST", "/api/v1/cis", e.cm, `{"name":"0b6f3b5e-6f55-4b53-9d8c-5d2b8c9a4e11","type":"server","criticality":"low"}`, "name"},
			{"POST", "/api/v1/cis", e.cm, `{"name":"n","type":"Big Iron","criticality":"low"}`, "type"},
			{"POST", "/api/v1/cis", e.cm, `{"name":"n","type":"server","criticality":"extreme"}`, "criticality"},
			{"POST", "/api/v1/cis", e.cm, `{"name":"n","type":"server","criticality":"low","attributes":{"a":1}}`, "attributes"},
			{"POST", "/api/v1/cis", e.cm, `{"name":"n","type":"server","criticality":"low","attributes":{"a b":"x"}}`, "attributes.a b"},
			{"POST", "/api/v1/cis", e.cm, `{"name":"n","type":"server","criticality":"low","agent_id":"` + e.requester.id + `"}`, "agent_id"},
			{"PATCH", ci, e.cm, `{"state":"active"}`, "state"},
			{"PATCH", ci, e.cm, `{"version":9}`, "version"},
			{"PATCH", ci, e.cm, `{"colour":"red"}`, "colour"},
			{"PATCH", ci, e.cm, `{}`, "body"},
			{"PATCH", ci, e.cm, `[]`, "body"},
			{"PATCH", ci, e.cm, `{"attributes":null}`, "attributes"},
			{"PATCH", ci, e.cm, `{"criticality":"extreme"}`, "criticality"},
			{"PATCH", ci, e.cm, `{"name":"other "}`, "name"},
			{"PATCH", ci, e.cm, `{"agent_id":"nobody"}`, "agent_id"},
			{"POST", ci + "/transitions", e.cm, `{"event":"explode"}`, "event"},
			{"POST", ci + "/transitions", e.cm, `{"event":"activate","extra":1}`, "extra"},
			{"GET", "/api/v1/cis?criticality=extreme", e.cm, nil, "criticality"},
			{"GET", "/api/v1/cis?state=gone", e.cm, nil, "state"},
			{"GET", "/api/v1/cis?type=Big", e.cm, nil, "type"},
			{"GET", "/api/v1/cis?limit=0", e.cm, nil, "limit"},
			{"GET", "/api/v1/cis?cursor=%21%21", e.cm, nil, "cursor"},
			{"GET", "/api/v1/cis?attribute=rack", e.cm, nil, "attribute"},
			{"GET", "/api/v1/cis?attribute=a%3D1&attribute=a%3D2", e.cm, nil, "attribute"},
			{"GET", ci + "?at=yesterday", e.cm, nil, "at"},
			{"GET", ci + "/history?limit=0", e.cm, nil, "limit"},
			{"GET", ci + "/history?cursor=x", e.cm, nil, "cursor"},
			{"PUT", inv, e.agent, `{"reported_at":"now","packages":[]}`, "reported_at"},
			{"PUT", inv, e.agent, `{"reported_at":"2026-01-01T00:00:00Z"}`, "packages"},
			{"PUT", inv, e.agent, `{"reported_at":"2099-01-01T00:00:00Z","packages":[]}`, "reported_at"},
			{"PUT", inv, e.agent, `{"reported_at":"2026-01-01T00:00:00Z","packages":[{"kind":"apk","name":"a","version":"1"}]}`, "packages[0].kind"},
			{"PUT", inv, e.agent, `{"reported_at":"2026-01-01T00:00:00Z","packages":[{"kind":"deb","name":"a","version":"1"},{"kind":"deb","name":"a","version":"2"}]}`, "packages[1]"},
			{"PUT", inv, e.agent, `{"reported_at":"2026-01-01T00:00:00Z","packages":[{"kind":"deb","name":"a","version":1}]}`, "packages.version"},
			{"PUT", inv, e.agent, `{"reported_at":"2026-01-01T00:00:00Z","packages":[],"host":"x"}`, "host"},
			{"POST", rels, e.cm, `{"type":"likes","target_id":"other"}`, "type"},
			{"POST", rels, e.cm, `{"type":"hosts"}`, "target_id"},
			{"POST", rels, e.cm, `{"type":"hosts","target_id":"nowhere"}`, "target_id"},
			{"POST", rels, e.cm, `{"type":"hosts","target_id":"target"}`, "target_id"},
			{"GET", rels + "?direction=sideways", e.cm, nil, "direction"},
			{"GET", rels + "?type=likes", e.cm, nil, "type"},
			{"GET", ci + "/impact?depth=0", e.cm, nil, "depth"},
			{"GET", ci + "/impact?depth=11", e.cm, nil, "depth"},
			{"GET", ci + "/impact?depth=two", e.cm, nil, "depth"},
			{"GET", ci + "/impact?direction=sideways", e.cm, nil, "direction"},
			{"POST", "/api/v1/ci-groups", e.cm, `{"name":"h","kind":"smart"}`, "kind"},
			{"POST", "/api/v1/ci-groups", e.cm, `{"name":"h","kind":"dynamic"}`, "filter"},
			{"POST", "/api/v1/ci-groups", e.cm, `{"name":"h","kind":"dynamic","filter":{"state":"gone"}}`, "filter.state"},
			{"POST", "/api/v1/ci-groups", e.cm, `{"name":"h","kind":"dynamic","filter":{"colour":"red"}}`, "colour"},
			{"POST", "/api/v1/ci-groups", e.cm, `{"name":"h","kind":"static","members":["nope"]}`, "members[0]"},
			{"POST", "/api/v1/ci-groups", e.cm, `{"name":"","kind":"static"}`, "name"},
			{"PATCH", "/api/v1/ci-groups/" + g.ID, e.cm, `{"kind":"dynamic"}`, "kind"},
			{"PATCH", "/api/v1/ci-groups/" + g.ID, e.cm, `{"members":["nope"]}`, "members[0]"},
			{"PATCH", "/api/v1/ci-groups/" + g.ID, e.cm, `{}`, "body"},
			{"PATCH", "/api/v1/ci-groups/" + g.ID, e.cm, `{"filter":{"owner":"x"}}`, "filter"},
			{"GET", "/api/v1/ci-groups?limit=1000", e.cm, nil, "limit"},
			{"GET", "/api/v1/ci-groups/" + g.ID + "/cis?cursor=%21", e.cm, nil, "cursor"},
			{"POST", "/api/v1/cis/import", e.cm, `{"name":"x"}`, "body"},
			{"POST", "/api/v1/cis/import", e.cm, `[{"name":"x","type":"server","criticality":"nope"}]`, "rows[1].criticality"},
			{"POST", "/api/v1/cis/import", e.cm, `[{"name":"x","colour":"red"}]`, "rows[1].colour"},
		}
		before := map[string]int{}
		lists := []string{"/api/v1/cis?limit=200", "/api/v1/ci-groups", rels, ci + "/history"}
		for _, l := range lists {
			before[l] = countItems(t, s, l)
		}
		for _, tc := range cases {
			t.Run(tc.method+" "+tc.path+" "+tc.field, func(t *testing.T) {
				res := s.Do(t, apitest.Request{Method: tc.method, Path: tc.path, Token: tc.who.token, Body: tc.body})
				if p := res.Problem(t); p.Status != 400 || !p.HasField(tc.field) {
					t.Fatalf("got %d %s, want 400 naming %s", res.Status, res.Body, tc.field)
				}
			})
		}
		t.Run("ContentType", func(t *testing.T) {
			for _, path := range []string{"/api/v1/cis", "/api/v1/cis/import"} {
				res := s.Do(t, apitest.Request{Method: "POST", Path: path, Token: e.cm.token, Body: "name\nx\n",
					Header: map[string]string{"Content-Type": "text/plain"}})
				if p := res.Problem(t); p.Status != 400 || !p.HasField("Content-Type") {
					t.Fatalf("%s: %+v", path, p)
				}
			}
		})
		t.Run("IfMatch", func(t *testing.T) {
			for _, r := range []apitest.Request{
				{Method: "PATCH", Path: ci, Body: `{"owner":"x"}`},
				{Method: "POST", Path: ci + "/transitions", Body: `{"event":"activate"}`},
				{Method: "DELETE", Path: "/api/v1/ci-groups/" + g.ID},
			} {
				r.Token, r.Header = e.cm.token, map[string]string{"If-Match": "yesterday"}
				if p := s.Do(t, r).Problem(t); p.Status != 400 || !p.HasField("If-Match") {
					t.Fatalf("%s %s: %+v", r.Method, r.Path, p)
				}
			}
		})
		t.Run("TooLarge", func(t *testing.T) {
			big := `{"reported_at":"2026-01-01T00:00:00Z","packages":[` + strings.Repeat(`{"kind":"deb","name":"aaaaaaaaaaaaaaaaaaaa","version":"1"},`, 20000) + `]}`
			if p := e.do(t, e.agent, "PUT", inv, big).Problem(t); p.Status != 413 {
				t.Fatalf("1 MiB+ report: %+v", p)
			}
		})
		for _, l := range lists {
			if n := countItems(t, s, l); n != before[l] {
				t.Errorf("%s: %d → %d records", l, before[l], n)
			}
		}
		if got := e.getCI(t, c.ID); got.Version != c.Version || got.State != "planned" {
			t.Errorf("CI changed: %+v", got)
		}
		if p := e.do(t, e.cm, "GET", inv, nil).Problem(t); p.Status != 404 {
			t.Errorf("an inventory was stored: %+v", p)
		}
	})
}
