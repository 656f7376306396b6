package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

type step struct {
	who   func(c *cab) person
	event string
	extra map[string]any
}

var (
	byRequester = func(c *cab) person { return c.requester }
	byCM        = func(c *cab) person { return c.cm }
	byRM        = func(c *cab) person { return c.rm }
	fullInput   = map[string]any{"comment": "because", "category": "significant", "priority": "high",
		"close_code": "successful", "review_notes": "reviewed"}
)

// pathTo is how an RFC reaches each state; "approve" stands for the CAB's
// votes.
var pathTo = map[change.State][]step{
	change.StateDraft:            nil,
	change.StateSubmitted:        {{byRequester, "submit", nil}},
	change.StateClassified:       {{byRequester, "submit", nil}, {byCM, "classify", fullInput}},
	change.StateAwaitingApproval: {{byRequester, "submit", nil}, {byCM, "classify", fullInput}, {byCM, "request_approval", nil}},
	change.StateCancelled:        {{byRequester, "cancel", fullInput}},
}

func init() {
	approved := append(append([]step{}, pathTo[change.StateAwaitingApproval]...), step{nil, "approve", nil})
	pathTo[change.StateApproved] = approved
	pathTo[change.StateRejected] = append(append([]step{}, pathTo[change.StateAwaitingApproval]...), step{nil, "reject", nil})
	then := func(base change.State, steps ...step) []step {
		return append(append([]step{}, pathTo[base]...), steps...)
	}
	pathTo[change.StateInDevelopment] = then(change.StateApproved, step{byRM, "start_development", nil})
	pathTo[change.StateReadyForRelease] = then(change.StateInDevelopment, step{byRM, "ready", nil})
	pathTo[change.StateScheduled] = then(change.StateApproved, step{byCM, "schedule", nil})
	pathTo[change.StateImplementing] = then(change.StateScheduled, step{byRM, "start", nil})
	pathTo[change.StateImplemented] = then(change.StateImplementing, step{byRM, "complete", nil})
	pathTo[change.StateFailed] = then(change.StateImplementing, step{byRM, "fail", nil})
	pathTo[change.StateBackedOut] = then(change.StateImplementing, step{byRM, "back_out", nil})
	pathTo[change.StateInReview] = then(change.StateImplemented, step{byCM, "review", nil})
	pathTo[change.StateClosed] = then(change.StateInReview, step{byCM, "close", fullInput})
}

func (c *cab) build(t *testing.T, state change.State) rfcOut {
	t.Helper()
	r := c.draft(t, "table "+string(state))
	for _, s := range pathTo[state] {
		switch {
		case s.event == "approve":
			c.approveByCAB(t, r.ID)
		case s.event == "reject":
			if res := c.vote(t, c.members[0], r.ID, "reject"); res.Status != http.StatusCreated {
				t.Fatalf("veto: %d %s", res.Status, res.Body)
			}
		default:
			c.mustFire(t, s.who(c), r.ID, s.event, s.extra)
		}
	}
	if got := c.get(t, r.ID); got.State != string(state) {
		t.Fatalf("built %s, want %s", got.State, state)
	}
	return c.get(t, r.ID)
}

var statusOfCode = map[errs.Code]int{errs.Conflict: 409, errs.Forbidden: 403, errs.Invalid: 400}

// TestTransitionTable fires every event in every state as every role over
// HTTP: a refusal answers the status the rules give and changes nothing;
// an allowed event moves a fresh RFC to the state the machine names.
func TestTransitionTable(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		other := newPerson(t, s, "other-requester", "requester")
		roles := map[string]person{"owner": c.requester, "other_requester": other, "change_manager": c.cm,
			"cab_member": c.members[2], "release_manager": c.rm, "agent": c.agent, "auditor": c.auditor,
			"admin": {id: adminID(t, s), token: s.Admin}}
		ctx := context.Background()
		for _, state := range change.States() {
			base := c.build(t, state)
			stored, err := s.App.Change.GetRFC(ctx, identity.Actor{UserID: "t", Roles: []identity.Role{identity.Admin}}, base.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range change.Workflow().Events {
				for name, p := range roles {
					actor := identity.Actor{UserID: p.id, Roles: rolesOf(t, s, p)}
					in := change.TransitionInput{Comment: "because", Category: "significant", Priority: "high",
						CloseCode: "successful", ReviewNotes: "reviewed"}
					want := change.CheckTransition(stored, actor, ev, in, s.App.Change.Now(), change.Facts{})
					if want == nil {
						fresh := c.build(t, state)
						res := c.fire(t, p, fresh.ID, string(ev), fullInput)
						next, _ := change.Next(state, ev)
						var got rfcOut
						res.JSON(t, &got)
						if res.Status != 200 || got.State != string(next) {
							t.Errorf("%s %s by %s: %d %s, want 200 and %s", state, ev, name, res.Status, got.State, next)
						}
						continue
					}
					res := c.fire(t, p, base.ID, string(ev), fullInput)
					if code := errs.CodeOf(want); res.Status != statusOfCode[code] {
						t.Errorf("%s %s by %s: %d, want %d (%v)", state, ev, name, res.Status, statusOfCode[code], want)
					}
				}
			}
			if after := c.get(t, base.ID); after.Version != base.Version || after.State != base.State {
				t.Errorf("%s: refused events changed the RFC (version %d → %d)", state, base.Version, after.Version)
			}
		}
	})
}

func adminID(t *testing.T, s *apitest.Server) string {
	var me struct{ ID string }
	get(t, s, "/api/v1/me", s.Admin).JSON(t, &me)
	return me.ID
}

func rolesOf(t *testing.T, s *apitest.Server, p person) []identity.Role {
	var me struct {
		EffectiveRoles []identity.Role `json:"effective_roles"`
	}
	get(t, s, "/api/v1/me", p.token).JSON(t, &me)
	return me.EffectiveRoles
}
