package release

import (
	"context"
	"strings"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/workflow"
)

// Operation is what a release manager does to a running deployment.
type Operation string

// The operations.
const (
	OpHalt     Operation = "halt"
	OpResume   Operation = "resume"
	OpCancel   Operation = "cancel"
	OpRetry    Operation = "retry"
	OpRollBack Operation = "roll_back"
)

// Operations lists the operations.
func Operations() []Operation { return []Operation{OpCancel, OpHalt, OpResume, OpRetry, OpRollBack} }

// Operate halts, resumes, cancels, retries the failed targets of, or
// rolls back a deployment, with its reason, audited, in one transaction.
// halt stops opening and serving waves (agents get no work) and halts the
// release; resume undoes it; cancel skips every target not started, ends
// the deployment and fails the release (or, before any wave opened, sends
// it back to ready); retry sends the failed targets of open waves back to
// pending; roll_back starts the backout run over the succeeded targets.
func (s *Service) Operate(ctx context.Context, actor identity.Actor, deploymentID string, op Operation, reason string) (Deployment, error) {
	action := "deployment." + string(op)
	if err := s.requireWriter(ctx, actor, action, "deployment", deploymentID); err != nil {
		return Deployment{}, err
	}
	if _, err := workflow.ParseEnum("operation", string(op), Operations()); err != nil {
		return Deployment{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return Deployment{}, errs.Field("reason", "is required")
	}
	var d Deployment
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if d, err = tx.FindDeployment(ctx, deploymentID); err != nil {
			return err
		}
		r, err := tx.FindRelease(ctx, d.ReleaseID)
		if err != nil {
			return err
		}
		switch op {
		case OpHalt:
			err = s.halt(ctx, tx, actor, &d, r, reason)
		case OpResume:
			err = s.resume(ctx, tx, actor, &d, r, reason)
		case OpCancel:
			err = s.cancel(ctx, tx, actor, &d, r, reason)
		case OpRetry:
			err = s.retry(ctx, tx, actor, d, r, reason)
		case OpRollBack:
			err = s.rollBack(ctx, tx, actor, &d, r, reason)
		}
		if err != nil {
			return err
		}
		if err := s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: action,
			EntityType: "deployment", EntityID: d.ID, Reason: reason,
			After: map[string]any{"release_id": r.ID, "state": d.State, "mode": d.Mode}}); err != nil {
			return err
		}
		return tx.Enqueue(ctx, WaveDue{DeploymentID: d.ID})
	})
	return d, err
}

func (s *Service) halt(ctx context.Context, tx Tx, actor identity.Actor, d *Deployment, r Release, reason string) error {
	if d.State != DeploymentRunning || d.Mode != ModeInstall {
		return errs.E(errs.Conflict, "deployment %s is %s: only a running deployment halts", d.ID, d.State)
	}
	d.State, d.UpdatedAt = DeploymentHalted, s.stamp()
	if err := tx.UpdateDeployment(ctx, d, d.Version); err != nil {
		return err
	}
	_, err := s.fire(ctx, tx, actor, r, EventHalt, reason)
	return err
}

func (s *Service) resume(ctx context.Context, tx Tx, actor identity.Actor, d *Deployment, r Release, reason string) error {
	if d.State != DeploymentHalted {
		return errs.E(errs.Conflict, "deployment %s is %s, not halted", d.ID, d.State)
	}
	for _, w := range d.Waves {
		if w.State == WaveFailed {
			return errs.E(errs.Conflict, "wave %d failed past its threshold and its RFCs are in review: cancel or roll back", w.Number)
		}
	}
	d.State, d.UpdatedAt = DeploymentRunning, s.stamp()
	if err := tx.UpdateDeployment(ctx, d, d.Version); err != nil {
		return err
	}
	_, err := s.fire(ctx, tx, actor, r, EventResume, reason)
	return err
}

func (s *Service) cancel(ctx context.Context, tx Tx, actor identity.Actor, d *Deployment, r Release, reason string) error {
	if !d.State.Active() || d.Mode != ModeInstall {
		return errs.E(errs.Conflict, "deployment %s is %s: nothing to cancel", d.ID, d.State)
	}
	started := d.State != DeploymentScheduled
	open, err := tx.FindTargets(ctx, TargetFilter{DeploymentID: d.ID, States: []TargetState{TargetPending}})
	if err != nil {
		return err
	}
	for _, t := range open {
		if _, err := s.moveTarget(ctx, tx, actor, *d, r, t, TargetSkip, nil, "deployment cancelled: "+reason); err != nil {
			return err
		}
	}
	for _, w := range d.Waves {
		if w.State == WavePending || w.State == WaveOpen {
			from := w.State
			w.State = WaveCancelled
			if _, err := tx.UpdateWave(ctx, d.ID, w, from); err != nil {
				return err
			}
		}
	}
	at := s.stamp()
	d.State, d.UpdatedAt, d.FinishedAt = DeploymentCancelled, at, &at
	if err := tx.UpdateDeployment(ctx, d, d.Version); err != nil {
		return err
	}
	if !started {
		_, err := s.fire(ctx, tx, actor, r, EventUnplan, reason)
		return err
	}
	if r, err = s.fire(ctx, tx, actor, r, EventFail, "deployment cancelled: "+reason); err != nil {
		return err
	}
	return s.moveRFCs(ctx, r, change.EventFail, "deployment "+d.ID+" cancelled: "+reason)
}

func (s *Service) retry(ctx context.Context, tx Tx, actor identity.Actor, d Deployment, r Release, reason string) error {
	if d.State != DeploymentRunning || d.Mode != ModeInstall {
		return errs.E(errs.Conflict, "deployment %s is %s: only a running deployment retries", d.ID, d.State)
	}
	n := 0
	for _, w := range d.Waves {
		if w.State != WaveOpen {
			continue
		}
		failed, err := tx.FindTargets(ctx, TargetFilter{DeploymentID: d.ID, Wave: w.Number, States: []TargetState{TargetFailed}})
		if err != nil {
			return err
		}
		for _, t := range failed {
			if _, err := s.moveTarget(ctx, tx, actor, d, r, t, TargetRetry, nil, reason); err != nil {
				return err
			}
			n++
		}
	}
	if n == 0 {
		return errs.E(errs.Conflict, "no failed target in an open wave of deployment %s", d.ID)
	}
	return nil
}

func (s *Service) rollBack(ctx context.Context, tx Tx, actor identity.Actor, d *Deployment, r Release, reason string) error {
	if d.Mode == ModeBackout || (d.State != DeploymentFinished && d.State != DeploymentHalted) {
		return errs.E(errs.Conflict, "deployment %s is %s (%s): only a finished or halted install rolls back", d.ID, d.State, d.Mode)
	}
	if _, err := Next(r.State, EventRollBack); err != nil {
		return err
	}
	for _, c := range d.Commands {
		if strings.TrimSpace(c.Backout) == "" {
			return errs.E(errs.Conflict, "platform %s has no backout command: the release cannot be rolled back by its agents", c.Platform)
		}
	}
	d.Mode, d.State, d.RollbackReason, d.UpdatedAt, d.FinishedAt = ModeBackout, DeploymentRunning, reason, s.stamp(), nil
	return tx.UpdateDeployment(ctx, d, d.Version)
}

// advanceBackout ends a backout run once no succeeded target is left to
// back out: the release is rolled back and its RFCs backed out.
func (s *Service) advanceBackout(ctx context.Context, tx Tx, d Deployment, r Release) error {
	counts, err := tx.CountTargets(ctx, d.ID)
	if err != nil {
		return err
	}
	if progress(d, counts, s.now()).Total[TargetSucceeded] > 0 {
		return nil
	}
	at := s.stamp()
	d.State, d.UpdatedAt, d.FinishedAt = DeploymentFinished, at, &at
	if err := tx.UpdateDeployment(ctx, &d, d.Version); err != nil {
		return err
	}
	if r, err = s.fire(ctx, tx, identity.System, r, EventRollBack, "backout run of deployment "+d.ID+" done: "+d.RollbackReason); err != nil {
		return err
	}
	return s.settleRFCs(ctx, r)
}
