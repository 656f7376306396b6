package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
)

// cab is a change process ready to run: one user per role, three CAB
// members, an ECAB and an executive board.
type cab struct {
	s                       *apitest.Server
	requester, cm, rm       person
	members                 []person
	exec                    person
	auditor, agent, outside person
	cabID, ecabID, execID   string
	// web and db are real CIs (web runs on db) that RFCs name.
	web, db string
}

type person struct{ id, token string }

func newPerson(t *testing.T, s *apitest.Server, name string, roles ...string) person {
	t.Helper()
	id, tok := s.MustUser(t, name, roles...)
	return person{id, tok}
}

func newCAB(t *testing.T, s *apitest.Server) *cab {
	t.Helper()
	c := &cab{s: s,
		requester: newPerson(t, s, "rita", "requester"),
		cm:        newPerson(t, s, "carl", "change_manager"),
		rm:        newPerson(t, s, "remy", "release_manager"),
		exec:      newPerson(t, s, "eve", "cab_member"),
		auditor:   newPerson(t, s, "audrey", "auditor"),
		agent:     newPerson(t, s, "agent1", "agent"),
		outside:   newPerson(t, s, "olga", "cab_member"),
	}
	for i := 0; i < 3; i++ {
		c.members = append(c.members, newPerson(t, s, fmt.Sprintf("member%d", i), "cab_member"))
	}
	ids := []string{c.members[0].id, c.members[1].id, c.members[2].id}
	c.cabID = c.board(t, "CAB", "cab", ids, 2, "veto")
	c.ecabID = c.board(t, "ECAB", "ecab", ids[:2], 1, "veto")
	c.execID = c.board(t, "Executive board", "executive", []string{c.exec.id}, 1, "majority")
	c.web, c.db = mustCI(t, s, "web-01", "high"), mustCI(t, s, "db-01", "critical")
	res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/cis/" + c.web + "/relationships", Token: s.Admin,
		Body: map[string]any{"type": "runs_on", "target_id": c.db}})
	if res.Status != http.StatusCreated {
		t.Fatalf("relationship: %d %s", res.Status, res.Body)
	}
	return c
}

func mustCI(t *testing.T, s *apitest.Server, name, criticality string) string {
	t.Helper()
	res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/cis", Token: s.Admin,
		Body: map[string]any{"name": name, "type": "server", "criticality": criticality}})
	if res.Status != http.StatusCreated {
		t.Fatalf("CI %s: %d %s", name, res.Status, res.Body)
	}
	var ci struct{ ID string }
	res.JSON(t, &ci)
	return ci.ID
}

func (c *cab) board(t *testing.T, name, kind string, members []string, quorum int, rule string) string {
	t.Helper()
	res := c.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/boards", Token: c.s.Admin, Body: map[string]any{
		"name": name, "kind": kind, "members": members, "quorum": quorum, "rule": rule}})
	if res.Status != http.StatusCreated {
		t.Fatalf("board %s: %d %s", name, res.Status, res.Body)
	}
	var b struct{ ID string }
	res.JSON(t, &b)
	return b.ID
}

type rfcOut struct {
	ID            string   `json:"id"`
	Ref           string   `json:"ref"`
	State         string   `json:"state"`
	Category      string   `json:"category"`
	Version       int64    `json:"version"`
	Actions       []string `json:"actions"`
	AwaitingBoard *string  `json:"awaiting_board"`
	ApprovalRound int      `json:"approval_round"`
	RetroReview   *struct {
		Due     *time.Time `json:"due"`
		Overdue bool       `json:"overdue"`
	} `json:"retro_review"`
	Risk struct {
		Score   int `json:"score"`
		Factors []struct {
			Name   string `json:"name"`
			Points int    `json:"points"`
		} `json:"factors"`
	} `json:"risk"`
}

// window is a planned window starting soon enough to be scheduled.
func window(from time.Duration, length time.Duration) map[string]string {
	start := time.Now().UTC().Add(from).Truncate(time.Second)
	return map[string]string{"start": start.Format(time.RFC3339), "end": start.Add(length).Format(time.RFC3339), "time_zone": "Europe/Paris"}
}

func (c *cab) draft(t *testing.T, title string) rfcOut {
	t.Helper()
	res := c.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes", Token: c.requester.token, Body: map[string]any{
		"title": title, "reason": "CVE fixes", "affected_cis": []string{c.web, c.db},
		"implementation_plan": "apt-get upgrade", "backout_plan": "apt-get install old", "test_plan": "smoke tests",
		"window": window(-time.Hour, 48*time.Hour),
	}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var r rfcOut
	res.JSON(t, &r)
	return r
}

func (c *cab) fire(t *testing.T, p person, id, event string, extra map[string]any) apitest.Response {
	t.Helper()
	body := map[string]any{"event": event}
	for k, v := range extra {
		body[k] = v
	}
	return c.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes/" + id + "/transitions", Token: p.token, Body: body})
}

func (c *cab) mustFire(t *testing.T, p person, id, event string, extra map[string]any) rfcOut {
	t.Helper()
	res := c.fire(t, p, id, event, extra)
	if res.Status != http.StatusOK {
		t.Fatalf("%s: %d %s", event, res.Status, res.Body)
	}
	var r rfcOut
	res.JSON(t, &r)
	return r
}

func (c *cab) vote(t *testing.T, p person, id, decision string) apitest.Response {
	t.Helper()
	return c.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes/" + id + "/votes", Token: p.token,
		Body: map[string]any{"decision": decision, "reason": "looked at it"}})
}

func (c *cab) get(t *testing.T, id string) rfcOut {
	t.Helper()
	var r rfcOut
	get(t, c.s, "/api/v1/changes/"+id, c.s.Admin).JSON(t, &r)
	return r
}

// toAwaiting takes a new draft to awaiting_approval with category and
// priority.
func (c *cab) toAwaiting(t *testing.T, title, category, priority string) rfcOut {
	t.Helper()
	r := c.draft(t, title)
	c.mustFire(t, c.requester, r.ID, "submit", nil)
	c.mustFire(t, c.cm, r.ID, "classify", map[string]any{"category": category, "priority": priority})
	return c.mustFire(t, c.cm, r.ID, "request_approval", nil)
}

func (c *cab) approveByCAB(t *testing.T, id string) {
	t.Helper()
	for _, m := range c.members[:2] {
		if res := c.vote(t, m, id, "approve"); res.Status != http.StatusCreated {
			t.Fatalf("vote: %d %s", res.Status, res.Body)
		}
	}
}

func (c *cab) history(t *testing.T, id string) []string {
	t.Helper()
	var page struct {
		Items []struct {
			Action  string `json:"action"`
			Outcome string `json:"outcome"`
		} `json:"items"`
	}
	get(t, c.s, "/api/v1/changes/"+id+"/history?limit=500", c.auditor.token).JSON(t, &page)
	var out []string
	for _, e := range page.Items {
		out = append(out, e.Action+":"+e.Outcome)
	}
	return out
}
