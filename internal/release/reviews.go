package release

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/workflow"
)

// Review holds one of the release's gates: it evaluates the checklist
// with the records it names, records the gate signed by actor whatever
// its outcome, and when it passed moves the release (readiness: testing →
// ready; deployment complete: → closed, closing each linked RFC in
// review), all in one transaction.
func (s *Service) Review(ctx context.Context, actor identity.Actor, idOrRef string, kind GateKind, notes string) (Release, Gate, error) {
	action := "release.review." + string(kind)
	if err := s.requireWriter(ctx, actor, action, "release", idOrRef); err != nil {
		return Release{}, Gate{}, err
	}
	if _, err := workflow.ParseEnum("kind", string(kind), GateKinds()); err != nil {
		return Release{}, Gate{}, err
	}
	if kind == GateDeploymentComplete && strings.TrimSpace(notes) == "" {
		return Release{}, Gate{}, errs.Field("notes", "is required: they become the RFCs' review notes")
	}
	if len(notes) > maxText {
		return Release{}, Gate{}, errs.Field("notes", "must be at most 64 KiB")
	}
	var r Release
	var g Gate
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if r, err = tx.FindRelease(ctx, idOrRef); err != nil {
			return err
		}
		ev := EventReady
		if kind == GateDeploymentComplete {
			ev = EventClose
		}
		if _, err := Next(r.State, ev); err != nil {
			return errs.E(errs.Conflict, "the %s review is not held for a release in state %s", kind, r.State)
		}
		rfcs, err := s.changes.RFCsByID(ctx, r.RFCIDs)
		if err != nil {
			return err
		}
		if kind == GateReadiness {
			g, err = s.readiness(ctx, r, rfcs)
		} else {
			g, err = s.complete(ctx, tx, r, rfcs)
		}
		if err != nil {
			return err
		}
		g.ID, g.ReleaseID, g.Notes, g.SignedBy, g.SignedAt = uuid.NewString(), r.ID, notes, actor.UserID, s.stamp()
		if err := tx.CreateGate(ctx, &g); err != nil {
			return err
		}
		outcome := audit.Success
		if !g.Passed {
			outcome = audit.Failure
		}
		if err := s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: action,
			Outcome: outcome, EntityType: "release", EntityID: r.ID, Reason: notes,
			After: map[string]any{"gate_id": g.ID, "passed": g.Passed, "failed_items": g.Failed()}}); err != nil {
			return err
		}
		if !g.Passed {
			return nil
		}
		reached := r.State
		if r, err = s.fire(ctx, tx, actor, r, ev, "the "+string(kind)+" review passed"); err != nil {
			return err
		}
		if kind == GateDeploymentComplete {
			return s.closeRFCs(ctx, r, reached, rfcs, notes)
		}
		return nil
	})
	return r, g, err
}

func (s *Service) readiness(ctx context.Context, r Release, rfcs []change.RFC) (Gate, error) {
	var conflicts []WindowConflict
	for _, c := range rfcs {
		if c.Window == nil || c.Emergency() {
			continue
		}
		found, err := s.windows.SpanConflicts(ctx, c.AffectedCIs, c.Window.Start, c.Window.End)
		if err != nil {
			return Gate{}, err
		}
		conflicts = append(conflicts, found...)
	}
	return ReadinessReview(r, rfcs, conflicts), nil
}

func (s *Service) complete(ctx context.Context, tx Tx, r Release, rfcs []change.RFC) (Gate, error) {
	deps, err := tx.FindDeployments(ctx, r.ID)
	if err != nil {
		return Gate{}, err
	}
	var last *Deployment
	counts := Counts{}
	if len(deps) > 0 {
		last = &deps[0]
		waves, err := tx.CountTargets(ctx, last.ID)
		if err != nil {
			return Gate{}, err
		}
		counts = progress(*last, waves, s.now()).Total
	}
	return CompleteReview(r, last, counts, rfcs), nil
}

// closeRFCs closes the linked RFCs that wait in review, with the outcome
// the release reached.
func (s *Service) closeRFCs(ctx context.Context, r Release, reached State, rfcs []change.RFC, notes string) error {
	code := change.CloseUnsuccessful
	switch reached {
	case StateDeployed:
		code = change.CloseSuccessful
	case StatePartiallyDeployed:
		code = change.CloseSuccessfulWithIssues
	}
	for _, c := range rfcs {
		if c.State != change.StateInReview {
			continue
		}
		if _, err := s.changes.SystemTransition(ctx, c.ID, change.EventClose,
			change.TransitionInput{CloseCode: code, ReviewNotes: notes}, "deployment complete review of "+r.Ref()); err != nil {
			return err
		}
	}
	return nil
}

// Reviews lists the gates held for a release, oldest first.
func (s *Service) Reviews(ctx context.Context, actor identity.Actor, idOrRef string) ([]Gate, error) {
	if err := s.requireReader(ctx, actor, "release.read", "release", idOrRef); err != nil {
		return nil, err
	}
	var out []Gate
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		r, err := tx.FindRelease(ctx, idOrRef)
		if err != nil {
			return err
		}
		out, err = tx.FindGates(ctx, r.ID)
		return err
	})
	return out, err
}
