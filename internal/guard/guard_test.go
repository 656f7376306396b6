package guard_test

import (
	"context"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/guard"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

func TestGuard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		g := guard.New(audit.NewService(db, func() time.Time { return now }))
		agent := identity.Actor{UserID: "u-agent", Roles: []identity.Role{identity.Agent}}
		events := func() []audit.Event {
			t.Helper()
			evs, err := db.FindAuditEvents(ctx, audit.Filter{Actor: agent.UserID, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return evs
		}

		if err := g.Require(ctx, agent, "ci.report", "ci", "c1", identity.Agent, identity.Admin); err != nil {
			t.Fatalf("allowed role refused: %v", err)
		}
		if err := g.Refuse(ctx, agent, "rfc.vote", "rfc", "r1", errs.E(errs.Conflict, "not awaiting")); !errs.Is(err, errs.Conflict) {
			t.Fatalf("Refuse changed a conflict: %v", err)
		}
		if err := g.Refuse(ctx, agent, "rfc.vote", "rfc", "r1", nil); err != nil {
			t.Fatalf("Refuse(nil) = %v", err)
		}
		if evs := events(); len(evs) != 0 {
			t.Fatalf("events without a refusal: %+v", evs)
		}

		if err := g.Require(ctx, agent, "rfc.read", "rfc", "r1", identity.Requester); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("Require = %v, want Forbidden", err)
		}
		if err := g.Refuse(ctx, agent, "rfc.vote", "rfc", "r2", errs.E(errs.Forbidden, "not a member")); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("Refuse = %v, want Forbidden", err)
		}
		evs := events()
		if len(evs) != 2 {
			t.Fatalf("got %d events, want 2 denied", len(evs))
		}
		for i, want := range []struct{ action, id, reason string }{
			{"rfc.read", "r1", "forbidden: this action needs one of the roles [requester]"},
			{"rfc.vote", "r2", "forbidden: not a member"},
		} {
			e := evs[i]
			if e.Outcome != audit.Denied || e.Action != want.action || e.EntityID != want.id || e.Reason != want.reason || e.ActorID != agent.UserID {
				t.Errorf("event %d = %+v, want denied %s on %s: %s", i, e, want.action, want.id, want.reason)
			}
		}
	})
}
