package httpapi_test

import (
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
)

func countItems(t *testing.T, s *apitest.Server, path string) int {
	t.Helper()
	var list struct{ Items []any }
	get(t, s, path, s.Admin).JSON(t, &list)
	return len(list.Items)
}

// TestChangeBadInput sends bad input to every change endpoint: each gets a
// 4xx problem naming the field, and nothing is written.
func TestChangeBadInput(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		r := c.draft(t, "target")
		aw := c.toAwaiting(t, "awaiting", "significant", "low")
		meeting := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/cab-meetings", Token: c.cm.token,
			Body: map[string]any{"board_id": c.cabID, "starts_at": "2030-01-01T10:00:00Z"}})
		var m struct{ ID string }
		meeting.JSON(t, &m)
		lists := []string{"/api/v1/changes?limit=200", "/api/v1/boards", "/api/v1/change-templates", "/api/v1/cab-meetings"}
		before := map[string]int{}
		for _, l := range lists {
			before[l] = countItems(t, s, l)
		}
		long := strings.Repeat("x", 201)
		rfc, trans := "/api/v1/changes/"+r.ID, "/api/v1/changes/"+r.ID+"/transitions"
		cases := []struct {
			method, path string
			who          person
			body         any
			field        string
		}{
			{"POST", "/api/v1/changes", c.requester, `{"title":`, "body"},
			{"POST", "/api/v1/changes", c.requester, `{"title":"x","owner":"me"}`, "owner"},
			{"POST", "/api/v1/changes", c.requester, `{"title":7}`, "title"},
			{"POST", "/api/v1/changes", c.requester, `{"title":""}`, "title"},
			{"POST", "/api/v1/changes", c.requester, `{"title":"` + long + `"}`, "title"},
			{"POST", "/api/v1/changes", c.requester, `{"title":"x","affected_cis":["a","a"]}`, "affected_cis"},
			{"POST", "/api/v1/changes", c.requester, `{"title":"x","window":{"start":"soon","end":"2030-01-01T00:00:00Z"}}`, "window.start"},
			{"POST", "/api/v1/changes", c.requester, `{"title":"x","window":{"start":"2030-01-02T00:00:00Z","end":"2030-01-01T00:00:00Z"}}`, "window.end"},
			{"POST", "/api/v1/changes", c.requester, `{"title":"x","window":{"start":"2030-01-01T00:00:00Z","end":"2030-01-02T00:00:00Z","time_zone":"Mars/Olympus"}}`, "window.time_zone"},
			{"PATCH", rfc, c.requester, `{"title":false}`, "title"},
			{"PATCH", rfc, c.requester, `{"version":9}`, "version"},
			{"PATCH", rfc, c.requester, `{"colour":"red"}`, "colour"},
			{"PATCH", rfc, c.requester, `[]`, "body"},
			{"POST", trans, c.requester, `{"event":"teleport"}`, "event"},
			{"POST", trans, c.requester, `{"event":"submit","extra":1}`, "extra"},
			{"POST", "/api/v1/changes/" + aw.ID + "/transitions", c.cm, `{"event":"return"}`, "comment"},
			{"POST", "/api/v1/changes/" + aw.ID + "/votes", c.members[0], `{"decision":"maybe"}`, "decision"},
			{"POST", "/api/v1/changes/" + aw.ID + "/votes", c.members[0], `{"decision":"approve","meeting_id":"nope"}`, "meeting_id"},
			{"POST", "/api/v1/boards", person{token: s.Admin}, `{"name":"B","kind":"council","members":["x"],"quorum":1,"rule":"veto"}`, "kind"},
			{"POST", "/api/v1/boards", person{token: s.Admin}, `{"name":"B","kind":"cab","members":[],"quorum":0,"rule":"veto"}`, "members"},
			{"POST", "/api/v1/boards", person{token: s.Admin}, `{"name":"B","kind":"cab","members":["x"],"quorum":"one","rule":"veto"}`, "quorum"},
			{"PATCH", "/api/v1/boards/" + c.cabID, person{token: s.Admin}, `{"quorum":9}`, "quorum"},
			{"PATCH", "/api/v1/boards/" + c.cabID, person{token: s.Admin}, `{"rule":"dictator"}`, "rule"},
			{"POST", "/api/v1/change-templates", c.cm, `{"title":""}`, "title"},
			{"POST", "/api/v1/cab-meetings", c.cm, `{"board_id":"","starts_at":"tomorrow"}`, "starts_at"},
			{"POST", "/api/v1/cab-meetings", c.cm, `{"board_id":"nope","starts_at":"2030-01-01T00:00:00Z"}`, "board_id"},
			{"PUT", "/api/v1/cab-meetings/" + m.ID + "/attendance", c.cm, `{"attendees":["` + c.outside.id + `"]}`, "attendees"},
			{"GET", "/api/v1/changes?state=limbo", c.cm, nil, "state"},
			{"GET", "/api/v1/changes?category=huge", c.cm, nil, "category"},
			{"GET", "/api/v1/changes?from=monday", c.cm, nil, "from"},
			{"GET", "/api/v1/changes?limit=1000", c.cm, nil, "limit"},
			{"GET", "/api/v1/changes?cursor=abc", c.cm, nil, "cursor"},
			{"GET", "/api/v1/changes?retro_review=late", c.cm, nil, "retro_review"},
			{"GET", "/api/v1/changes/" + r.ID + "/history?limit=-1", c.cm, nil, "limit"},
			{"GET", "/api/v1/cab-meetings?after=x", c.cm, nil, "after"},
		}
		for _, tc := range cases {
			t.Run(tc.method+" "+tc.path+" "+tc.field, func(t *testing.T) {
				res := s.Do(t, apitest.Request{Method: tc.method, Path: tc.path, Token: tc.who.token, Body: tc.body})
				if p := res.Problem(t); p.Status != 400 || !p.HasField(tc.field) {
					t.Fatalf("got %d %s, want 400 naming %s", res.Status, res.Body, tc.field)
				}
			})
		}
		for _, l := range lists {
			if n := countItems(t, s, l); n != before[l] {
				t.Errorf("%s: %d → %d records", l, before[l], n)
			}
		}
		if got := c.get(t, r.ID); got.Version != r.Version {
			t.Errorf("RFC changed: version %d → %d", r.Version, got.Version)
		}
		if n := countItems(t, s, "/api/v1/changes/"+aw.ID+"/votes"); n != 0 {
			t.Errorf("%d votes written", n)
		}
	})
}

func TestReviewFixes(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		r := c.draft(t, "fixes")
		patch := func(body string) apitest.Response {
			return s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/changes/" + r.ID, Token: c.requester.token, Body: body})
		}
		if p := patch(`{}`).Problem(t); p.Status != 400 || !p.HasField("body") {
			t.Fatalf("empty patch: %+v", p)
		}
		if p := patch(`{"window":{"start":"2030-01-01T00:00:00Z","end":"2030-01-02T00:00:00Z","zone":"x"}}`).Problem(t); p.Status != 400 || !p.HasField("window.zone") {
			t.Fatalf("unknown window field: %+v", p)
		}
		if p := get(t, s, "/api/v1/me/approvals", c.agent.token).Problem(t); p.Status != 403 {
			t.Fatalf("agent approvals: %+v", p)
		}
		var h struct {
			Items []struct {
				SourceIP string `json:"source_ip"`
			} `json:"items"`
		}
		get(t, s, "/api/v1/changes/"+r.ID+"/history", c.requester.token).JSON(t, &h)
		if len(h.Items) == 0 || h.Items[0].SourceIP != "" {
			t.Fatalf("history for a requester shows addresses: %+v", h.Items)
		}
		get(t, s, "/api/v1/changes/"+r.ID+"/history", c.auditor.token).JSON(t, &h)
		if h.Items[0].SourceIP == "" {
			t.Fatalf("history for an auditor hides addresses")
		}
	})
}

func TestListByCI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		r := c.draft(t, "by ci")
		other := mustCI(t, s, "other-01", "low")
		count := func(ci string) int { return countItems(t, s, "/api/v1/changes?ci="+ci) }
		if count(c.web) != 1 || count(other) != 0 {
			t.Fatalf("before: %d %d", count(c.web), count(other))
		}
		res := s.Patch(t, c.requester.token, "/api/v1/changes/"+r.ID, map[string]any{"affected_cis": []string{other}})
		if res.Status != 200 {
			t.Fatalf("patch: %d %s", res.Status, res.Body)
		}
		c.mustFire(t, c.requester, r.ID, "submit", nil)
		if count(c.web) != 0 || count(other) != 1 {
			t.Fatalf("after: %d %d", count(c.web), count(other))
		}
	})
}

// TestRFCRiskFromCMDB: affected CIs are real references, and the risk
// counts their criticality and what depends on them.
func TestRFCRiskFromCMDB(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes", Token: c.requester.token,
			Body: map[string]any{"title": "ghost", "affected_cis": []string{c.db, "no-such-ci"}}})
		if p := res.Problem(t); p.Status != 400 || !p.HasField("affected_cis") {
			t.Fatalf("unknown CI: %+v", p)
		}
		// web-01 runs on db-01: changing db-01 impacts web-01.
		res = s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes", Token: c.requester.token,
			Body: map[string]any{"title": "db", "affected_cis": []string{c.db}}})
		var r rfcOut
		res.JSON(t, &r)
		points := map[string]int{}
		for _, f := range r.Risk.Factors {
			points[f.Name] = f.Points
		}
		if res.Status != 201 || points["ci_criticality"] == 0 || points["impact_graph"] == 0 {
			t.Fatalf("risk from the CMDB: %d %+v", res.Status, r.Risk)
		}
	})
}

// TestUnauthorizedChanges: a change to an active CI is flagged unless an
// RFC in implementation names it; changes to planned CIs are not.
func TestUnauthorizedChanges(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		patchCI := func(id, owner string) {
			t.Helper()
			res := s.Patch(t, c.cm.token, "/api/v1/cis/"+id, map[string]any{"owner": owner})
			if res.Status != 200 {
				t.Fatalf("patch CI: %d %s", res.Status, res.Body)
			}
		}
		flagged := func() []string {
			var page struct {
				Items []struct {
					CIID   string   `json:"ci_id"`
					Fields []string `json:"fields"`
				} `json:"items"`
			}
			get(t, s, "/api/v1/cis/unauthorized-changes", c.auditor.token).JSON(t, &page)
			var out []string
			for _, u := range page.Items {
				out = append(out, u.CIID+":"+strings.Join(u.Fields, ","))
			}
			return out
		}
		patchCI(c.web, "team-a") // planned: not under control yet
		for _, id := range []string{c.web, c.db} {
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/cis/" + id + "/transitions", Token: c.cm.token,
				Body: map[string]any{"event": "activate"}})
			if res.Status != 200 {
				t.Fatalf("activate: %d %s", res.Status, res.Body)
			}
		}
		if got := flagged(); len(got) != 0 {
			t.Fatalf("flagged before any active change: %v", got)
		}
		patchCI(c.web, "team-b") // active, no RFC implementing
		r := c.build(t, "implementing")
		if r.State != "implementing" {
			t.Fatalf("state %s", r.State)
		}
		patchCI(c.db, "team-c") // covered by the implementing RFC
		if got := flagged(); len(got) != 1 || got[0] != c.web+":owner" {
			t.Fatalf("flagged %v, want only web's owner change", got)
		}
		if p := get(t, s, "/api/v1/cis/unauthorized-changes", c.agent.token).Problem(t); p.Status != 403 {
			t.Fatalf("agent: %+v", p)
		}
	})
}

// TestBaselineAtApproval: approval keeps the affected CIs' versions, and
// the comparison shows what changed since.
func TestBaselineAtApproval(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		r := c.toAwaiting(t, "baseline", "significant", "low")
		type item struct {
			CIID            string `json:"ci_id"`
			BaselineVersion int64  `json:"baseline_version"`
			CurrentVersion  int64  `json:"current_version"`
			Changed         bool   `json:"changed"`
			Changes         map[string]struct {
				From *string `json:"from"`
				To   *string `json:"to"`
			} `json:"changes"`
		}
		baseline := func() map[string]item {
			var page struct{ Items []item }
			get(t, s, "/api/v1/changes/"+r.Ref+"/baseline", c.auditor.token).JSON(t, &page)
			out := map[string]item{}
			for _, it := range page.Items {
				out[it.CIID] = it
			}
			return out
		}
		if b := baseline(); len(b) != 0 {
			t.Fatalf("baseline before approval: %+v", b)
		}
		c.approveByCAB(t, r.ID)
		b := baseline()
		if len(b) != 2 || b[c.web].Changed || b[c.db].Changed || b[c.web].BaselineVersion != b[c.web].CurrentVersion {
			t.Fatalf("baseline at approval: %+v", b)
		}
		res := s.Patch(t, c.cm.token, "/api/v1/cis/"+c.db, map[string]any{"os_version": "12.5"})
		if res.Status != 200 {
			t.Fatalf("patch CI: %d %s", res.Status, res.Body)
		}
		b = baseline()
		ch, found := b[c.db].Changes["os_version"]
		if !b[c.db].Changed || b[c.web].Changed || !found || ch.To == nil || *ch.To != "12.5" ||
			b[c.db].CurrentVersion != b[c.db].BaselineVersion+1 {
			t.Fatalf("after a CI change: %+v", b)
		}
	})
}
