package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

func TestRouting(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		t.Run("standard via template", func(t *testing.T) {
			var tpl struct{ ID string }
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/change-templates", Token: c.cm.token, Body: map[string]any{
				"title": "Monthly OS patches", "implementation_plan": "apt-get upgrade", "backout_plan": "snapshot restore"}})
			res.JSON(t, &tpl)
			r := c.draft(t, "standard")
			c.mustFire(t, c.requester, r.ID, "submit", nil)
			c.mustFire(t, c.cm, r.ID, "classify", map[string]any{"category": "standard", "priority": "low"})
			// Not yet approved by the CAB: refused, naming the template.
			if p := c.fire(t, c.cm, r.ID, "approve", map[string]any{"template_id": tpl.ID}).Problem(t); p.Status != 400 || !p.HasField("template_id") {
				t.Fatalf("unapproved template: %+v", p)
			}
			if p := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/change-templates/" + tpl.ID + "/approve", Token: c.cm.token}).Problem(t); p.Status != 403 {
				t.Fatalf("author approving: %+v", p)
			}
			if res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/change-templates/" + tpl.ID + "/approve", Token: c.members[0].token}); res.Status != 200 {
				t.Fatalf("CAB approval of template: %d %s", res.Status, res.Body)
			}
			got := c.mustFire(t, c.cm, r.ID, "approve", map[string]any{"template_id": tpl.ID})
			if got.State != "approved" {
				t.Fatalf("standard change: %s", got.State)
			}
		})
		t.Run("minor by change manager", func(t *testing.T) {
			r := c.draft(t, "minor")
			c.mustFire(t, c.requester, r.ID, "submit", nil)
			got := c.mustFire(t, c.cm, r.ID, "classify", map[string]any{"category": "minor", "priority": "medium"})
			if !slices.Contains(got.Actions, "approve") || slices.Contains(got.Actions, "request_approval") && false {
				t.Fatalf("actions after classify: %v", got.Actions)
			}
			if got := c.mustFire(t, c.cm, r.ID, "approve", nil); got.State != "approved" {
				t.Fatalf("minor: %s", got.State)
			}
		})
		t.Run("significant by CAB", func(t *testing.T) {
			r := c.toAwaiting(t, "significant", "significant", "high")
			if r.AwaitingBoard == nil || *r.AwaitingBoard != "cab" {
				t.Fatalf("awaiting %v", r.AwaitingBoard)
			}
			if p := c.fire(t, c.cm, r.ID, "approve", nil).Problem(t); p.Status != 409 {
				t.Fatalf("change manager bypassing the CAB: %+v", p)
			}
			c.approveByCAB(t, r.ID)
			if got := c.get(t, r.ID); got.State != "approved" {
				t.Fatalf("after quorum: %s", got.State)
			}
		})
		t.Run("major by CAB then executive", func(t *testing.T) {
			r := c.toAwaiting(t, "major", "major", "high")
			c.approveByCAB(t, r.ID)
			got := c.get(t, r.ID)
			if got.State != "awaiting_approval" || got.AwaitingBoard == nil || *got.AwaitingBoard != "executive" {
				t.Fatalf("after CAB: %s %v", got.State, got.AwaitingBoard)
			}
			if res := c.vote(t, c.exec, r.ID, "approve"); res.Status != 201 {
				t.Fatalf("exec vote: %d %s", res.Status, res.Body)
			}
			if got := c.get(t, r.ID); got.State != "approved" {
				t.Fatalf("after executive: %s", got.State)
			}
		})
		t.Run("emergency by ECAB with retrospective review", func(t *testing.T) {
			r := c.toAwaiting(t, "emergency", "significant", "emergency")
			if r.AwaitingBoard == nil || *r.AwaitingBoard != "ecab" {
				t.Fatalf("awaiting %v", r.AwaitingBoard)
			}
			if res := c.vote(t, c.members[0], r.ID, "approve"); res.Status != 201 {
				t.Fatalf("ecab vote: %d %s", res.Status, res.Body)
			}
			// Implemented at once, without a schedule.
			got := c.mustFire(t, c.rm, r.ID, "start", nil)
			if got.RetroReview == nil || got.RetroReview.Due == nil {
				t.Fatalf("no retrospective deadline: %+v", got)
			}
			c.mustFire(t, c.rm, r.ID, "complete", nil)
			c.mustFire(t, c.cm, r.ID, "review", nil)
			closeBody := map[string]any{"close_code": "successful", "review_notes": "went fine"}
			if p := c.fire(t, c.cm, r.ID, "close", closeBody).Problem(t); p.Status != 409 {
				t.Fatalf("close before the retrospective review: %+v", p)
			}
			var overdue struct{ Items []rfcOut }
			get(t, s, "/api/v1/changes?retro_review=overdue", c.cm.token).JSON(t, &overdue)
			if len(overdue.Items) != 0 {
				t.Fatalf("overdue before the deadline: %d", len(overdue.Items))
			}
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes/" + r.ID + "/retro-review", Token: c.cm.token,
				Body: map[string]string{"notes": "CAB reviewed on Monday: justified"}})
			if res.Status != 200 {
				t.Fatalf("retro review: %d %s", res.Status, res.Body)
			}
			if got := c.mustFire(t, c.cm, r.ID, "close", closeBody); got.State != "closed" {
				t.Fatalf("close: %s", got.State)
			}
		})
	})
}

func TestOverdueRetroReviews(t *testing.T) {
	clock := &apitest.Clock{}
	clock.Set(time.Now())
	s := apitest.NewWithClock(t, "sqlite", clock)
	c := newCAB(t, s)
	r := c.toAwaiting(t, "emergency", "minor", "emergency")
	c.vote(t, c.members[0], r.ID, "approve")
	c.mustFire(t, c.rm, r.ID, "start", nil)
	clock.Set(clock.Now().Add(8 * 24 * time.Hour))
	var overdue struct{ Items []rfcOut }
	// Eight days on, the old token has long expired.
	get(t, s, "/api/v1/changes?retro_review=overdue", s.Login(t, "carl", apitest.UserPassword)).JSON(t, &overdue)
	if len(overdue.Items) != 1 || overdue.Items[0].ID != r.ID || !overdue.Items[0].RetroReview.Overdue {
		t.Fatalf("overdue: %+v", overdue.Items)
	}
}

func TestVotingRules(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		// The requester sits on the CAB: separation of duties still holds.
		self := newPerson(t, s, "selfie", "requester", "cab_member")
		res := s.Patch(t, s.Admin, "/api/v1/boards/"+c.cabID, map[string]any{"members": []string{c.members[0].id, c.members[1].id, c.members[2].id, self.id}})
		if res.Status != 200 {
			t.Fatalf("board update: %d %s", res.Status, res.Body)
		}
		c.requester = self
		r := c.toAwaiting(t, "sod", "significant", "medium")
		t.Run("ErrSelfApproval", func(t *testing.T) {
			if p := c.vote(t, self, r.ID, "approve").Problem(t); p.Status != 403 {
				t.Fatalf("self vote: %+v", p)
			}
			if h := c.history(t, r.ID); !slices.Contains(h, "rfc.vote:denied") {
				t.Fatalf("refusal not audited: %v", h)
			}
		})
		t.Run("ErrNotMember", func(t *testing.T) {
			if p := c.vote(t, c.outside, r.ID, "approve").Problem(t); p.Status != 403 {
				t.Fatalf("outsider: %+v", p)
			}
		})
		t.Run("ErrDoubleVote", func(t *testing.T) {
			if res := c.vote(t, c.members[0], r.ID, "approve"); res.Status != 201 {
				t.Fatalf("first: %d", res.Status)
			}
			if p := c.vote(t, c.members[0], r.ID, "reject").Problem(t); p.Status != 409 {
				t.Fatalf("second vote: %+v", p)
			}
		})
		t.Run("ErrRejectWithoutReason", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes/" + r.ID + "/votes", Token: c.members[1].token,
				Body: map[string]any{"decision": "reject"}})
			if p := res.Problem(t); p.Status != 400 || !p.HasField("reason") {
				t.Fatalf("%+v", p)
			}
		})
		t.Run("ErrVoteAfterDecision", func(t *testing.T) {
			if res := c.vote(t, c.members[1], r.ID, "reject"); res.Status != 201 {
				t.Fatalf("veto: %d %s", res.Status, res.Body)
			}
			if got := c.get(t, r.ID); got.State != "rejected" {
				t.Fatalf("after a veto: %s", got.State)
			}
			if p := c.vote(t, c.members[2], r.ID, "approve").Problem(t); p.Status != 409 {
				t.Fatalf("late vote: %+v", p)
			}
		})
		t.Run("ReturnOpensNewRound", func(t *testing.T) {
			r := c.toAwaiting(t, "round", "significant", "medium")
			c.vote(t, c.members[0], r.ID, "approve")
			c.mustFire(t, c.cm, r.ID, "return", map[string]any{"comment": "need a better backout plan"})
			c.mustFire(t, c.requester, r.ID, "submit", nil)
			c.mustFire(t, c.cm, r.ID, "classify", map[string]any{"category": "significant", "priority": "medium"})
			got := c.mustFire(t, c.cm, r.ID, "request_approval", nil)
			if got.ApprovalRound != 2 {
				t.Fatalf("round %d", got.ApprovalRound)
			}
			// member0 votes again in the new round; one vote is not quorum.
			if res := c.vote(t, c.members[0], r.ID, "approve"); res.Status != 201 {
				t.Fatalf("new round vote: %d %s", res.Status, res.Body)
			}
			if got := c.get(t, r.ID); got.State != "awaiting_approval" {
				t.Fatalf("an old-round vote counted: %s", got.State)
			}
		})
		t.Run("MyApprovals", func(t *testing.T) {
			var mine struct{ Items []rfcOut }
			get(t, s, "/api/v1/me/approvals", c.members[2].token).JSON(t, &mine)
			if len(mine.Items) != 1 || mine.Items[0].State != "awaiting_approval" {
				t.Fatalf("member2 approvals: %+v", mine.Items)
			}
			get(t, s, "/api/v1/me/approvals", c.members[0].token).JSON(t, &mine)
			if len(mine.Items) != 0 {
				t.Fatalf("member0 has voted: %+v", mine.Items)
			}
		})
	})
}

func TestConcurrentVotes(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		var members []person
		var ids []string
		for i := 0; i < 20; i++ {
			p := newPerson(t, s, fmt.Sprintf("voter%02d", i), "cab_member")
			members, ids = append(members, p), append(ids, p.id)
		}
		res := s.Patch(t, s.Admin, "/api/v1/boards/"+c.cabID, map[string]any{"members": ids, "quorum": 20, "rule": "majority"})
		if res.Status != 200 {
			t.Fatalf("board: %d %s", res.Status, res.Body)
		}
		r := c.toAwaiting(t, "race", "significant", "high")
		var wg sync.WaitGroup
		statuses := make([]int, 20)
		for i, m := range members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				decision := "approve"
				if i%3 == 0 { // 7 reject, 13 approve: approved, but only once all have voted
					decision = "reject"
				}
				statuses[i] = c.vote(t, m, r.ID, decision).Status
			}()
		}
		wg.Wait()
		for i, st := range statuses {
			if st != 201 {
				t.Errorf("vote %d: %d", i, st)
			}
		}
		var votes struct{ Items []any }
		get(t, s, "/api/v1/changes/"+r.ID+"/votes", c.auditor.token).JSON(t, &votes)
		if len(votes.Items) != 20 {
			t.Fatalf("%d votes recorded, want 20", len(votes.Items))
		}
		if got := c.get(t, r.ID); got.State != "approved" {
			t.Fatalf("state %s, want approved", got.State)
		}
		h := strings.Join(c.history(t, r.ID), " ")
		if n := strings.Count(h, "rfc.approve:success"); n != 1 || strings.Count(h, "rfc.vote:success") != 20 {
			t.Fatalf("%d approve transitions in history: %s", n, h)
		}
	})
}

func TestConcurrentTransitions(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		for round := 0; round < 5; round++ {
			r := c.draft(t, "race")
			c.mustFire(t, c.requester, r.ID, "submit", nil)
			var wg sync.WaitGroup
			var mu sync.Mutex
			got := map[int]int{}
			for _, ev := range []map[string]any{
				{"event": "classify", "category": "minor", "priority": "low"},
				{"event": "return", "comment": "more detail please"},
			} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes/" + r.ID + "/transitions",
						Token: c.cm.token, Body: ev, Header: map[string]string{"If-Match": `"2"`}})
					mu.Lock()
					got[res.Status]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			if got[200] != 1 || got[409]+got[412] != 1 {
				t.Fatalf("round %d: statuses %v, want one 200 and one 409/412", round, got)
			}
			if v := c.get(t, r.ID).Version; v != 3 {
				t.Fatalf("version %d after one transition", v)
			}
		}
	})
}

func TestIdempotentCreate(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		body := map[string]any{"title": "once", "reason": "r"}
		post := func(b any) apitest.Response {
			return s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes", Token: c.requester.token, Body: b,
				Header: map[string]string{"Idempotency-Key": "key-1"}})
		}
		first, second := post(body), post(body)
		var a, b rfcOut
		first.JSON(t, &a)
		second.JSON(t, &b)
		if first.Status != 201 || second.Status != 201 || a.ID != b.ID || second.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %s / %d %s", first.Status, a.ID, second.Status, b.ID)
		}
		if p := post(map[string]any{"title": "other"}).Problem(t); p.Status != 422 {
			t.Fatalf("same key, other body: %+v", p)
		}
		var list struct{ Items []rfcOut }
		get(t, s, "/api/v1/changes?q=once", c.requester.token).JSON(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("%d RFCs created", len(list.Items))
		}
	})
}

func TestRFCEditAndHistory(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		r := c.draft(t, "edit me")
		patch := func(p person, etag string, body map[string]any) apitest.Response {
			return s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/changes/" + r.ID, Token: p.token, Body: body,
				Header: map[string]string{"If-Match": etag}})
		}
		if res := patch(c.requester, `"1"`, map[string]any{"title": "edited"}); res.Status != 200 || res.Header.Get("ETag") != `"2"` {
			t.Fatalf("patch: %d %s", res.Status, res.Body)
		}
		if p := patch(c.requester, `"1"`, map[string]any{"title": "stale"}).Problem(t); p.Status != 412 {
			t.Fatalf("stale If-Match: %+v", p)
		}
		if p := patch(c.requester, `"2"`, map[string]any{"state": "approved"}).Problem(t); p.Status != 400 || !p.HasField("state") {
			t.Fatalf("read-only field: %+v", p)
		}
		if p := patch(c.outside, `"2"`, map[string]any{"title": "x"}).Problem(t); p.Status != 403 {
			t.Fatalf("someone else's draft: %+v", p)
		}
		c.mustFire(t, c.requester, r.ID, "submit", nil)
		if p := patch(c.requester, `"3"`, map[string]any{"title": "late"}).Problem(t); p.Status != 409 {
			t.Fatalf("edit after submit: %+v", p)
		}
		want := []string{"rfc.create:success", "rfc.update:success", "rfc.update:denied", "rfc.submit:success"}
		if h := c.history(t, r.ID); !slices.Equal(h, want) {
			t.Fatalf("history %v, want %v", h, want)
		}
		var byRef rfcOut
		get(t, s, "/api/v1/changes/"+r.Ref, c.auditor.token).JSON(t, &byRef)
		if byRef.ID != r.ID {
			t.Fatalf("by reference: %+v", byRef)
		}
	})
}

func TestCABMeeting(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { testCABMeeting(t, d) })
	}
}

func testCABMeeting(t *testing.T, d config.Dialect) {
	{
		clock := &apitest.Clock{}
		t0 := time.Now().UTC().Truncate(time.Second)
		clock.Set(t0)
		s := apitest.NewWithClock(t, d, clock)
		c := newCAB(t, s)
		low := c.toAwaiting(t, "low risk", "significant", "low")
		high := c.toAwaiting(t, "high risk", "significant", "high")
		c.toAwaiting(t, "other board", "major", "emergency") // the ECAB's
		res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/cab-meetings", Token: c.cm.token,
			Body: map[string]any{"board_id": c.cabID, "starts_at": t0.Add(2 * time.Minute).Format(time.RFC3339)}})
		var m struct {
			ID     string `json:"id"`
			Agenda []struct {
				RFCID string `json:"rfc_id"`
			} `json:"agenda"`
			Minutes string `json:"minutes"`
			State   string `json:"state"`
		}
		res.JSON(t, &m)
		if res.Status != 201 || len(m.Agenda) != 2 || m.Agenda[0].RFCID != high.ID || m.Agenda[1].RFCID != low.ID {
			t.Fatalf("agenda: %d %s", res.Status, res.Body)
		}
		meetingVote := func(p person, id, decision string) apitest.Response {
			return s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes/" + id + "/votes", Token: p.token,
				Body: map[string]any{"decision": decision, "reason": "discussed", "meeting_id": m.ID}})
		}
		res = s.Do(t, apitest.Request{Method: "PUT", Path: "/api/v1/cab-meetings/" + m.ID + "/attendance", Token: c.cm.token,
			Body: map[string]any{"attendees": []string{c.members[0].id, c.members[1].id}}})
		if res.Status != 200 {
			t.Fatalf("attendance: %d %s", res.Status, res.Body)
		}
		// Before its start the meeting takes no votes and cannot close.
		if p := meetingVote(c.members[0], high.ID, "approve").Problem(t); p.Status != 409 || !strings.Contains(p.Detail, "starts at") {
			t.Fatalf("vote before the start: %+v", p)
		}
		if p := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/cab-meetings/" + m.ID + "/close", Token: c.cm.token}).Problem(t); p.Status != 409 || !strings.Contains(p.Detail, "starts at") {
			t.Fatalf("close before the start: %+v", p)
		}
		clock.Set(t0.Add(3 * time.Minute))
		res = s.Do(t, apitest.Request{Method: "PUT", Path: "/api/v1/cab-meetings/" + m.ID + "/attendance", Token: c.cm.token,
			Body: map[string]any{"attendees": []string{c.members[1].id}}})
		if res.Status != 200 {
			t.Fatalf("attendance: %d %s", res.Status, res.Body)
		}
		if p := meetingVote(c.members[0], high.ID, "approve").Problem(t); p.Status != 409 || !strings.Contains(p.Detail, "attendance") {
			t.Fatalf("vote before attendance: %+v", p)
		}
		res = s.Do(t, apitest.Request{Method: "PUT", Path: "/api/v1/cab-meetings/" + m.ID + "/attendance", Token: c.cm.token,
			Body: map[string]any{"attendees": []string{c.members[0].id, c.members[1].id}}})
		if res.Status != 200 {
			t.Fatalf("attendance: %d %s", res.Status, res.Body)
		}
		for _, p := range c.members[:2] {
			if res := meetingVote(p, high.ID, "approve"); res.Status != 201 {
				t.Fatalf("meeting vote: %d %s", res.Status, res.Body)
			}
		}
		meetingVote(c.members[0], low.ID, "reject")
		res = s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/cab-meetings/" + m.ID + "/close", Token: c.cm.token})
		res.JSON(t, &m)
		for _, want := range []string{"Attendance", c.members[0].id, high.Ref + " high risk", "voted approve", "is now approved", low.Ref + " low risk", "voted reject: discussed", "is now rejected"} {
			if !strings.Contains(m.Minutes, want) {
				t.Errorf("minutes lack %q:\n%s", want, m.Minutes)
			}
		}
		if m.State != "closed" || meetingVote(c.members[2], low.ID, "approve").Status != 409 {
			t.Fatalf("closed meeting still open")
		}

		// A meeting left open takes no votes after its maximum length.
		other := c.toAwaiting(t, "late", "significant", "low")
		res = s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/cab-meetings", Token: c.cm.token,
			Body: map[string]any{"board_id": c.cabID, "starts_at": clock.Now().Add(-change.MeetingMaxLength - time.Minute).Format(time.RFC3339)}})
		res.JSON(t, &m)
		s.Do(t, apitest.Request{Method: "PUT", Path: "/api/v1/cab-meetings/" + m.ID + "/attendance", Token: c.cm.token,
			Body: map[string]any{"attendees": []string{c.members[0].id}}})
		if p := meetingVote(c.members[0], other.ID, "approve").Problem(t); p.Status != 409 || !strings.Contains(p.Detail, "close it") {
			t.Fatalf("vote in a meeting open too long: %+v", p)
		}
	}
}

func TestWorkflowEndpoint(t *testing.T) {
	s := apitest.New(t, "sqlite", nil)
	var w struct {
		States      []string `json:"states"`
		Transitions []struct{ From, Event, To string }
		Mermaid     string `json:"mermaid"`
	}
	get(t, s, "/api/v1/workflows/rfc", s.Admin).JSON(t, &w)
	if len(w.States) != 16 || len(w.Transitions) < 30 || !strings.HasPrefix(w.Mermaid, "stateDiagram-v2") {
		t.Fatalf("workflow: %d states %d transitions", len(w.States), len(w.Transitions))
	}
	_ = http.StatusOK
}
