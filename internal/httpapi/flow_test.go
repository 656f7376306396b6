package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
)

// request_approval with no board of the kind its route needs would leave
// the RFC waiting for votes nobody can cast: it is refused, naming the board.
func TestRequestApprovalNeedsTheBoards(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := &cab{s: s,
			requester: newPerson(t, s, "rita", "requester"),
			cm:        newPerson(t, s, "carl", "change_manager"),
			exec:      newPerson(t, s, "eve", "cab_member"),
		}
		c.web, c.db = mustCI(t, s, "web-01", "high"), mustCI(t, s, "db-01", "critical")
		r := c.draft(t, "major change without boards")
		c.mustFire(t, c.requester, r.ID, "submit", nil)
		c.mustFire(t, c.cm, r.ID, "classify", map[string]any{"category": "major", "priority": "high"})

		c.board(t, "CAB", "cab", []string{c.exec.id}, 1, "veto")
		res := c.fire(t, c.cm, r.ID, "request_approval", nil)
		if res.Status != http.StatusConflict {
			t.Fatalf("request_approval with no executive board: %d %s, want 409", res.Status, res.Body)
		}
		if p := res.Problem(t); !strings.Contains(p.Detail, "executive") || strings.Contains(p.Detail, "cab,") {
			t.Fatalf("the problem must name the missing board (executive) only: %q", p.Detail)
		}
		if got := c.get(t, r.ID); got.State != "classified" {
			t.Fatalf("state after the refusal: %s, want classified", got.State)
		}
		c.board(t, "Executive board", "executive", []string{c.exec.id}, 1, "majority")
		if got := c.mustFire(t, c.cm, r.ID, "request_approval", nil); got.State != "awaiting_approval" {
			t.Fatalf("with both boards: %s", got.State)
		}
	})
}

// A refusal addressed by reference (RFC-1001) is recorded under the RFC's
// id, so the RFC's own history shows it.
func TestRefusalByReferenceIsInTheHistory(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		r := c.draft(t, "addressed by reference")
		for _, req := range []apitest.Request{
			{Method: "POST", Path: "/api/v1/changes/" + r.Ref + "/transitions", Token: c.outside.token, Body: map[string]any{"event": "submit"}},
			{Method: "PATCH", Path: "/api/v1/changes/" + r.Ref, Token: c.outside.token, Body: map[string]any{"title": "mine now"},
				Header: map[string]string{"If-Match": `"1"`}},
			{Method: "POST", Path: "/api/v1/changes/" + r.Ref + "/votes", Token: c.outside.token, Body: map[string]any{"decision": "approve", "reason": "x"}},
		} {
			if res := s.Do(t, req); res.Status < 400 {
				t.Fatalf("%s %s by an outsider: %d", req.Method, req.Path, res.Status)
			}
		}
		h := c.history(t, r.ID)
		denied := 0
		for _, e := range h {
			if strings.HasSuffix(e, ":denied") {
				denied++
			}
		}
		if denied < 2 || !slices.Contains(h, "rfc.submit:denied") || !slices.Contains(h, "rfc.update:denied") {
			t.Fatalf("history of %s misses the refusals addressed as %s: %v", r.ID, r.Ref, h)
		}
	})
}

// An RFC drafted from a required update does not complete, nor close as
// successful, while its CIs do not verifiably have the update; once a fresh
// inventory shows it installed, it does.
func TestCloseLooksAtThePatch(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		f := newFleet(t, s)
		fire := func(p person, id string, body map[string]any) apitest.Response {
			return f.do(t, p, "POST", "/api/v1/changes/"+id+"/transitions", body)
		}
		mustFire := func(p person, id string, body map[string]any) {
			t.Helper()
			if res := fire(p, id, body); res.Status != http.StatusOK {
				t.Fatalf("%v: %d %s", body, res.Status, res.Body)
			}
		}
		implementing := func(title string) string {
			t.Helper()
			var r struct {
				ID          string   `json:"id"`
				AffectedCIs []string `json:"affected_cis"`
			}
			res := f.do(t, f.requester, "POST", "/api/v1/changes/draft-from-updates", map[string]any{"update_ids": []string{"DSA-5764-1"}, "group_id": "pilot"})
			res.JSON(t, &r)
			if res.Status != http.StatusCreated || !slices.Equal(r.AffectedCIs, []string{f.web1}) {
				t.Fatalf("draft: %d %s", res.Status, res.Body)
			}
			start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
			if res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/changes/" + r.ID, Token: f.requester.token, Header: map[string]string{"If-Match": `"1"`},
				Body: map[string]any{"title": title, "backout_plan": "reinstall", "test_plan": "smoke",
					"window": map[string]string{"start": start.Format(time.RFC3339), "end": start.Add(48 * time.Hour).Format(time.RFC3339)}}}); res.Status != http.StatusOK {
				t.Fatalf("patch: %d %s", res.Status, res.Body)
			}
			mustFire(f.requester, r.ID, map[string]any{"event": "submit"})
			mustFire(f.cm, r.ID, map[string]any{"event": "classify", "category": "minor", "priority": "high"})
			mustFire(f.cm, r.ID, map[string]any{"event": "approve"})
			mustFire(f.cm, r.ID, map[string]any{"event": "schedule"})
			mustFire(f.rm, r.ID, map[string]any{"event": "start"})
			return r.ID
		}

		id := implementing("openssl on web-01, not yet installed")
		res := fire(f.rm, id, map[string]any{"event": "complete"})
		if res.Status != http.StatusConflict || !strings.Contains(res.Problem(t).Detail, "DSA-5764-1 on web-01: required") {
			t.Fatalf("complete while required: %d %s", res.Status, res.Body)
		}
		mustFire(f.rm, id, map[string]any{"event": "complete", "comment": "two of three done, web-01 follows in the next window"})
		mustFire(f.cm, id, map[string]any{"event": "review"})
		res = fire(f.cm, id, map[string]any{"event": "close", "close_code": "successful", "review_notes": "ok"})
		if res.Status != http.StatusConflict || !strings.Contains(res.Problem(t).Detail, "web-01") {
			t.Fatalf("close successful while required: %d %s", res.Status, res.Body)
		}
		res = fire(f.cm, id, map[string]any{"event": "close", "close_code": "successful_with_issues", "review_notes": "ok"})
		if p := res.Problem(t); res.Status != http.StatusBadRequest || !p.HasField("comment") {
			t.Fatalf("close with issues without a comment: %d %s", res.Status, res.Body)
		}
		mustFire(f.cm, id, map[string]any{"event": "close", "close_code": "successful_with_issues", "review_notes": "ok", "comment": "web-01 rescheduled as RFC-1002"})
		var h struct {
			Items []struct {
				Action string `json:"action"`
				Reason string `json:"reason"`
			} `json:"items"`
		}
		f.do(t, f.auditor, "GET", "/api/v1/changes/"+id+"/history?limit=100", nil).JSON(t, &h)
		if last := h.Items[len(h.Items)-1]; last.Action != "rfc.close" || last.Reason != "web-01 rescheduled as RFC-1002" {
			t.Fatalf("the close and its reason are not audited: %+v", h.Items[len(h.Items)-1])
		}

		id = implementing("openssl on web-01, installed this time")
		f.mustReport(t, f.web1, time.Now().UTC().Add(-time.Minute), catPkg{"deb", "openssl", "3.0.14-1~deb12u1", "amd64"})
		mustFire(f.rm, id, map[string]any{"event": "complete"})
		mustFire(f.cm, id, map[string]any{"event": "review"})
		mustFire(f.cm, id, map[string]any{"event": "close", "close_code": "successful", "review_notes": "verified by inventory"})
	})
}

// An edit of an RFC, a CI or a board without If-Match is refused with 428
// and changes nothing; with a stale one, 412.
func TestUpdatesNeedIfMatch(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		r := c.draft(t, "needs if-match")
		for _, tc := range []struct {
			path, token string
			body        map[string]any
		}{
			{"/api/v1/changes/" + r.ID, c.requester.token, map[string]any{"title": "overwritten"}},
			{"/api/v1/cis/" + c.web, c.cm.token, map[string]any{"owner": "overwritten"}},
			{"/api/v1/boards/" + c.cabID, s.Admin, map[string]any{"name": "overwritten"}},
		} {
			before := get(t, s, tc.path, s.Admin)
			res := s.Do(t, apitest.Request{Method: "PATCH", Path: tc.path, Token: tc.token, Body: tc.body})
			if p := res.Problem(t); res.Status != http.StatusPreconditionRequired || !strings.Contains(p.Detail, "If-Match") {
				t.Fatalf("PATCH %s without If-Match: %d %s, want 428", tc.path, res.Status, res.Body)
			}
			res = s.Do(t, apitest.Request{Method: "PATCH", Path: tc.path, Token: tc.token, Body: tc.body, Header: map[string]string{"If-Match": `"99"`}})
			if res.Status != http.StatusPreconditionFailed {
				t.Fatalf("PATCH %s with a stale If-Match: %d %s, want 412", tc.path, res.Status, res.Body)
			}
			if after := get(t, s, tc.path, s.Admin); string(after.Body) != string(before.Body) {
				t.Fatalf("PATCH %s refused, yet the record changed:\n%s\n%s", tc.path, before.Body, after.Body)
			}
			if res := s.Patch(t, tc.token, tc.path, tc.body); res.Status != http.StatusOK || !strings.Contains(string(res.Body), "overwritten") {
				t.Fatalf("PATCH %s with the current ETag: %d %s", tc.path, res.Status, res.Body)
			}
		}
	})
}

// CI names are unique without regard to case and found by any case; an
// import's agent_id takes the agent's username as well as its id.
func TestCINamesAndAgentsByName(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCMDB(t, s)
		web := e.mustCI(t, "Web01", "high", nil)
		res := e.do(t, e.cm, "POST", "/api/v1/cis", map[string]any{"name": "web01", "type": "server", "criticality": "low"})
		if p := res.Problem(t); res.Status != http.StatusConflict || !strings.Contains(p.Detail, "web01") {
			t.Fatalf("a second CI named web01 beside Web01: %d %s", res.Status, res.Body)
		}
		if got := e.getCI(t, "WEB01"); got.ID != web.ID {
			t.Fatalf("GET /cis/WEB01 found %+v", got)
		}

		csv := "name,type,criticality,agent_id\n" +
			"web01,server,high,agent-web\n" +
			"db-01,database,critical,\n"
		var out importOut
		res = e.importCSV(t, e.cm, csv)
		res.JSON(t, &out)
		if res.Status != 200 || out.Created != 1 || out.Updated != 1 {
			t.Fatalf("import: %d %s", res.Status, res.Body)
		}
		if got := e.getCI(t, web.ID); got.AgentID != e.agent.id || got.Name != "Web01" {
			t.Fatalf("web01 after the import by agent username: %+v", got)
		}
		var again importOut
		if e.importCSV(t, e.cm, csv).JSON(t, &again); again.Unchanged != 2 {
			t.Fatalf("the same import again: %+v", again)
		}
		res = e.importCSV(t, e.cm, "name,type,criticality,agent_id\nweb01,server,high,nobody\n")
		if p := res.Problem(t); res.Status != 400 || !strings.Contains(string(res.Body), "id or the username") {
			t.Fatalf("unknown agent: %d %+v", res.Status, p)
		}
	})
}

// An unknown query parameter is refused as an unknown body field is, with
// the closest known name when there is one.
func TestUnknownParametersAreRefused(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		for path, want := range map[string]string{
			"/api/v1/changes?sate=draft":         "did you mean `state`?",
			"/api/v1/changes?state=draft&xyz=1":  "unknown query parameter",
			"/api/v1/cis?limt=5":                 "did you mean `limit`?",
			"/api/v1/changes/" + c.web + "?at=1": "this operation takes none",
		} {
			res := get(t, s, path, s.Admin)
			if res.Status != 400 || !strings.Contains(string(res.Body), want) {
				t.Errorf("GET %s: %d %s, want 400 with %q", path, res.Status, res.Body, want)
			}
		}
		r := c.draft(t, "suggest")
		res := c.fire(t, c.cm, r.ID, "classify", map[string]any{"categry": "minor"})
		if p := res.Problem(t); res.Status != 400 || !p.HasField("categry") || !strings.Contains(string(res.Body), "did you mean `category`?") {
			t.Fatalf("misspelt body field: %d %s", res.Status, res.Body)
		}
		if res := get(t, s, "/api/v1/changes?state=draft&limit=5", s.Admin); res.Status != 200 {
			t.Fatalf("known parameters: %d %s", res.Status, res.Body)
		}
	})
}

// Every role can resolve people through the directory, without their
// e-mail addresses; q filters on username and display name.
func TestDirectory(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		var out struct {
			Items []map[string]any `json:"items"`
		}
		for _, p := range []person{c.members[0], c.auditor, c.agent, c.requester} {
			res := get(t, s, "/api/v1/directory?q=MEMBER", p.token)
			out.Items = nil
			res.JSON(t, &out)
			if res.Status != 200 || len(out.Items) != 3 || out.Items[0]["username"] != "member0" {
				t.Fatalf("directory?q=MEMBER: %d %s", res.Status, res.Body)
			}
			for _, it := range out.Items {
				if _, has := it["email"]; has || it["id"] == "" {
					t.Fatalf("a directory entry: %v", it)
				}
			}
		}
		if res := get(t, s, "/api/v1/users", c.members[0].token); res.Status != 403 {
			t.Fatalf("GET /users stays the admins': %d", res.Status)
		}
		res := get(t, s, "/api/v1/directory?limit=2", c.auditor.token)
		var first struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		res.JSON(t, &first)
		if len(first.Items) != 2 || first.NextCursor == "" {
			t.Fatalf("first page: %s", res.Body)
		}
	})
}
