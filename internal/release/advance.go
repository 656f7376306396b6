package release

import (
	"context"
	"fmt"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/job"
)

// Sweep enqueues the advancement of every deployment that may have
// something to do: the periodic job, run by the elected leader.
func (s *Service) Sweep(ctx context.Context) error {
	return s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		deps, err := tx.FindDeployments(ctx, "")
		if err != nil {
			return err
		}
		for _, d := range deps {
			if err := tx.Enqueue(ctx, WaveDue{DeploymentID: d.ID}, job.UniqueByArgs()); err != nil {
				return err
			}
		}
		return nil
	})
}

// Advance moves one deployment on at the service's clock, in one
// transaction: waves open and close exactly once (a conditional update
// on the wave's state), a failed wave halts the deployment, the last
// wave finishes it, and the release and its RFCs move with it. It is the
// WaveDue job's handler and safe to run any number of times.
func (s *Service) Advance(ctx context.Context, deploymentID string) error {
	return s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		d, err := tx.FindDeployment(ctx, deploymentID)
		if errs.Is(err, errs.NotFound) {
			return nil // nothing to advance: the job outlived its deployment
		}
		if err != nil {
			return err
		}
		r, err := tx.FindRelease(ctx, d.ReleaseID)
		if err != nil {
			return err
		}
		switch {
		case d.State == DeploymentFinished:
			return s.settleRFCs(ctx, r)
		case d.Mode == ModeBackout && d.State == DeploymentRunning:
			return s.advanceBackout(ctx, tx, d, r)
		case d.State != DeploymentScheduled && d.State != DeploymentRunning:
			return nil
		}
		return s.advanceWaves(ctx, tx, d, r)
	})
}

func (s *Service) advanceWaves(ctx context.Context, tx Tx, d Deployment, r Release) error {
	now := s.now()
	counts, err := tx.CountTargets(ctx, d.ID)
	if err != nil {
		return err
	}
	for i := range d.Waves {
		w := &d.Waves[i]
		if w.State == WaveOpen {
			c := counts[w.Number]
			if now.Before(w.End) && c.Done() < c.Total() {
				return nil // the wave runs on
			}
			passed, err := s.closeWave(ctx, tx, d, r, w, now)
			if err != nil || !passed {
				return err
			}
			continue
		}
		if w.State != WavePending {
			continue
		}
		if i > 0 && w.RequirePrevious && d.Waves[i-1].State != WavePassed {
			return nil
		}
		if now.Before(w.Start) {
			return nil
		}
		opened, err := s.openWave(ctx, tx, &d, &r, w, now)
		if err != nil || !opened {
			return err
		}
		// A wave opened after its window ended closes at once.
		if !now.Before(w.End) {
			passed, err := s.closeWave(ctx, tx, d, r, w, now)
			if err != nil || !passed {
				return err
			}
			continue
		}
		return nil
	}
	return s.finish(ctx, tx, d, r)
}

// openWave opens w exactly once; the first wave starts the deployment,
// the release (deploying) and its RFCs (implementing).
func (s *Service) openWave(ctx context.Context, tx Tx, d *Deployment, r *Release, w *Wave, now time.Time) (bool, error) {
	at := now.UTC().Truncate(time.Microsecond)
	w.State, w.OpenedAt = WaveOpen, &at
	ok, err := tx.UpdateWave(ctx, d.ID, *w, WavePending)
	if err != nil || !ok {
		return false, err
	}
	if d.State == DeploymentScheduled {
		d.State, d.UpdatedAt = DeploymentRunning, s.stamp()
		if err := tx.UpdateDeployment(ctx, d, d.Version); err != nil {
			return false, err
		}
		if *r, err = s.fire(ctx, tx, identity.System, *r, EventDeploy, "deployment "+d.ID+": wave 1 opened"); err != nil {
			return false, err
		}
		if err := s.startRFCs(ctx, *d, *r); err != nil {
			return false, err
		}
	}
	return true, s.record(ctx, tx, audit.Record{Actor: identity.System, Action: "deployment.wave_open",
		EntityType: "deployment", EntityID: d.ID, After: map[string]any{"release_id": r.ID, "wave": w.Number,
			"window_start": w.Start, "window_end": w.End}})
}

// closeWave closes w exactly once: targets not started are skipped,
// targets still in progress failed; it reports whether the wave passed
// its threshold, and halts the deployment when it did not.
func (s *Service) closeWave(ctx context.Context, tx Tx, d Deployment, r Release, w *Wave, now time.Time) (bool, error) {
	open, err := tx.FindTargets(ctx, TargetFilter{DeploymentID: d.ID, Wave: w.Number, States: []TargetState{TargetPending, TargetInProgress}})
	if err != nil {
		return false, err
	}
	for _, t := range open {
		ev, msg := TargetSkip, "the wave closed before the target started"
		if t.State == TargetInProgress {
			ev, msg = TargetFail, "the wave closed before the agent reported a result"
		}
		if _, err := s.moveTarget(ctx, tx, identity.System, d, r, t, ev, func(t *Target) {
			t.Output = tail(t.Output + "\n[changeboard] " + msg)
		}, msg); err != nil {
			return false, err
		}
	}
	counts, err := tx.CountTargets(ctx, d.ID)
	if err != nil {
		return false, err
	}
	c := counts[w.Number]
	passed := c.FailedShare() <= w.MaxFailedShare
	at := now.UTC().Truncate(time.Microsecond)
	w.ClosedAt = &at
	w.State = WavePassed
	if !passed {
		w.State = WaveFailed
	}
	ok, err := tx.UpdateWave(ctx, d.ID, *w, WaveOpen)
	if err != nil || !ok {
		return false, err
	}
	if err := s.record(ctx, tx, audit.Record{Actor: identity.System, Action: "deployment.wave_close",
		EntityType: "deployment", EntityID: d.ID, After: map[string]any{"release_id": r.ID, "wave": w.Number,
			"state": w.State, "failed_share": c.FailedShare(), "max_failed_share": w.MaxFailedShare, "counts": c}}); err != nil {
		return false, err
	}
	if passed {
		return true, nil
	}
	return false, s.haltOnFailure(ctx, tx, d, r, *w, c)
}

// haltOnFailure halts the deployment and the release after a failed wave,
// cancels the waves after it, and sends the RFCs to review as failed.
func (s *Service) haltOnFailure(ctx context.Context, tx Tx, d Deployment, r Release, w Wave, c Counts) error {
	reason := fmt.Sprintf("wave %d failed: %.0f%% of its targets failed or were skipped, more than the %.0f%% allowed",
		w.Number, c.FailedShare()*100, w.MaxFailedShare*100)
	for _, later := range d.Waves {
		if later.Number > w.Number && later.State == WavePending {
			later.State = WaveCancelled
			if _, err := tx.UpdateWave(ctx, d.ID, later, WavePending); err != nil {
				return err
			}
		}
	}
	d.State, d.UpdatedAt = DeploymentHalted, s.stamp()
	if err := tx.UpdateDeployment(ctx, &d, d.Version); err != nil {
		return err
	}
	if err := s.record(ctx, tx, audit.Record{Actor: identity.System, Action: "deployment.halt", EntityType: "deployment",
		EntityID: d.ID, Reason: reason, After: map[string]any{"release_id": r.ID, "wave": w.Number}}); err != nil {
		return err
	}
	r, err := s.fire(ctx, tx, identity.System, r, EventHalt, reason)
	if err != nil {
		return err
	}
	return s.moveRFCs(ctx, r, change.EventFail, "deployment "+d.ID+" halted: "+reason)
}

// finish ends a deployment whose waves all closed: the release is
// deployed (every target succeeded), partially deployed (some did) or
// failed (none did), and its RFCs move into review.
func (s *Service) finish(ctx context.Context, tx Tx, d Deployment, r Release) error {
	counts, err := tx.CountTargets(ctx, d.ID)
	if err != nil {
		return err
	}
	total := progress(d, counts, s.now()).Total
	ev := EventPartial
	switch {
	case total[TargetSucceeded] == total.Total():
		ev = EventComplete
	case total[TargetSucceeded] == 0:
		ev = EventFail
	}
	at := s.stamp()
	d.State, d.UpdatedAt, d.FinishedAt = DeploymentFinished, at, &at
	if err := tx.UpdateDeployment(ctx, &d, d.Version); err != nil {
		return err
	}
	reason := fmt.Sprintf("deployment %s finished: %d of %d targets succeeded", d.ID, total[TargetSucceeded], total.Total())
	if err := s.record(ctx, tx, audit.Record{Actor: identity.System, Action: "deployment.finish", EntityType: "deployment",
		EntityID: d.ID, Reason: reason, After: map[string]any{"release_id": r.ID, "counts": total}}); err != nil {
		return err
	}
	if r, err = s.fire(ctx, tx, identity.System, r, ev, reason); err != nil {
		return err
	}
	return s.settleRFCs(ctx, r)
}

// settleRFCs moves the RFCs of a release that finished deploying into
// review: complete when it was deployed, fail otherwise, back_out when it
// was rolled back. complete waits (the RFC stays implementing) while the
// catalog does not yet see the linked updates installed — the agents'
// fresh inventories are recomputed after their commit — and the sweep
// tries again.
func (s *Service) settleRFCs(ctx context.Context, r Release) error {
	ev := change.EventFail
	switch r.State {
	case StateDeployed:
		ev = change.EventComplete
	case StateRolledBack:
		ev = change.EventBackOut
	case StatePartiallyDeployed, StateFailed:
	default:
		return nil
	}
	return s.moveRFCs(ctx, r, ev, r.Ref()+" is "+string(r.State))
}

// moveRFCs fires ev, then review, on each linked RFC that is
// implementing (back_out also from failed).
func (s *Service) moveRFCs(ctx context.Context, r Release, ev change.Event, reason string) error {
	rfcs, err := s.changes.RFCsByID(ctx, r.RFCIDs)
	if err != nil {
		return err
	}
	for _, c := range rfcs {
		if c.State != change.StateImplementing && !(ev == change.EventBackOut && c.State == change.StateFailed) {
			continue
		}
		_, err := s.changes.SystemTransition(ctx, c.ID, ev, change.TransitionInput{}, reason)
		if ev == change.EventComplete && errs.Is(err, errs.Conflict) {
			continue // compliance not yet measured: the sweep retries
		}
		if err != nil {
			return err
		}
		if _, err := s.changes.SystemTransition(ctx, c.ID, change.EventReview, change.TransitionInput{}, reason); err != nil {
			return err
		}
	}
	return nil
}

// startRFCs starts the release's RFCs when its first wave opens.
func (s *Service) startRFCs(ctx context.Context, d Deployment, r Release) error {
	rfcs, err := s.changes.RFCsByID(ctx, r.RFCIDs)
	if err != nil {
		return err
	}
	for _, c := range rfcs {
		if c.State != change.StateScheduled && !(c.Emergency() && c.State == change.StateApproved) {
			continue
		}
		if _, err := s.changes.SystemTransition(ctx, c.ID, change.EventStart, change.TransitionInput{},
			"deployment "+d.ID+" of "+r.Ref()+" started"); err != nil {
			return err
		}
	}
	return nil
}

// moveTarget fires ev on t with edit applied, and its audit event linked
// to the deployment, the release, the RFC and the CI.
func (s *Service) moveTarget(ctx context.Context, tx Tx, actor identity.Actor, d Deployment, r Release, t Target,
	ev TargetEvent, edit func(*Target), reason string) (Target, error) {
	next, err := NextTarget(t.State, ev)
	if err != nil {
		return t, err
	}
	before, version := t.State, t.Version
	t.State, t.UpdatedAt = next, s.stamp()
	if edit != nil {
		edit(&t)
	}
	if err := tx.UpdateTarget(ctx, &t, version); err != nil {
		return t, err
	}
	return t, s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(agents...), Action: "deployment.target." + string(ev),
		EntityType: "deployment", EntityID: d.ID, Reason: reason,
		Before: map[string]any{"state": before},
		After: map[string]any{"ci_id": t.CIID, "ci_name": t.CIName, "release_id": r.ID, "rfc_id": t.RFCID,
			"wave": t.Wave, "state": t.State, "attempt": t.Attempt, "exit_code": t.ExitCode, "reboot_pending": t.RebootPending}})
}
