package change

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/workflow"
)

// SystemEvents are the events the service fires by itself on an RFC
// because release management carried it out: a deployment scheduled
// (schedule), its first wave opened (start), its last wave ended
// (complete, fail, back_out, then review), its complete review passed
// (close). No person fires them through this path.
func SystemEvents() []Event {
	return []Event{EventBackOut, EventClose, EventComplete, EventFail, EventReview, EventSchedule, EventStart}
}

// SystemFire checks and applies an event the system fires: the state
// machine, the preconditions (a non-emergency start only inside the
// scheduled window, an emergency's retrospective review before close, the
// linked updates verifiably installed before complete and close) and the
// input, but no role, since no person acts.
func SystemFire(r RFC, ev Event, in TransitionInput, now time.Time, f Facts) (RFC, error) {
	if !slices.Contains(SystemEvents(), ev) {
		return r, errs.E(errs.Forbidden, "the system does not fire %s; it fires only %s", ev, workflow.JoinEnum(SystemEvents()))
	}
	if _, err := Next(r.State, ev); err != nil {
		return r, err
	}
	if err := checkPreconditions(r, ev, now, f); err != nil {
		return r, err
	}
	if err := checkInput(r, ev, in, now, f); err != nil {
		return r, err
	}
	return transit(r, identity.System, ev, in, now, f)
}

// SystemTransition fires one of SystemEvents on an RFC as the system
// actor, with reason (the release and what happened) in its audit event.
// It is the port release management calls: with the release use case's
// ctx it runs inside that use case's transaction, so that the RFC moves
// with its release or not at all. It is guarded by its allow-list of
// events, not by a role, and is not reachable through the API.
func (s *Service) SystemTransition(ctx context.Context, idOrRef string, ev Event, in TransitionInput, reason string) (RFC, error) {
	if strings.TrimSpace(reason) == "" {
		return RFC{}, errs.E(errs.Internal, "a system transition needs its reason")
	}
	var r RFC
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if r, err = tx.FindRFC(ctx, idOrRef); err != nil {
			return err
		}
		facts, err := s.facts(ctx, tx, r, ev, in)
		if err != nil {
			return err
		}
		next, err := SystemFire(r, ev, in, s.now(), facts)
		if err != nil {
			return err
		}
		if err := s.save(ctx, tx, identity.System, r, &next, "rfc."+string(ev), reason); err != nil {
			return err
		}
		r = next
		return nil
	})
	return r, err
}

// RFCsByID returns the RFCs among ids (ids or references), in the order
// of ids, skipping those that name none; for release management, inside
// its transaction.
func (s *Service) RFCsByID(ctx context.Context, ids []string) ([]RFC, error) {
	var out []RFC
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		for _, id := range ids {
			r, err := tx.FindRFC(ctx, id)
			if errs.Is(err, errs.NotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}
