package release

import (
	"context"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/job"
)

// Assignment is one piece of work for an agent: run Argv on CI for the
// deployment, then report.
type Assignment struct {
	DeploymentID string
	ReleaseID    string
	CIID         string
	CIName       string
	Wave         int
	Mode         Mode
	Attempt      int
	// Argv is the resolved command: the template's words with {packages}
	// expanded, to be run without a shell.
	Argv     []string
	Packages []string
	// Timeout is how long the agent lets the command run.
	Timeout time.Duration
}

// CommandTimeout is how long an agent lets an install or backout run.
const CommandTimeout = 30 * time.Minute

// Work lists the assignments of the CIs whose agent is the caller: the
// targets of open waves still to install, or succeeded targets of a
// backout run, with the command resolved for each CI's platform.
func (s *Service) Work(ctx context.Context, actor identity.Actor) ([]Assignment, error) {
	if err := s.guard.Require(ctx, actor, "deployment.work", "agent", actor.UserID, identity.Agent); err != nil {
		return nil, err
	}
	var out []Assignment
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		ts, err := tx.FindAgentTargets(ctx, actor.UserID)
		if err != nil {
			return err
		}
		deps := map[string]Deployment{}
		for _, t := range ts {
			d, ok := deps[t.DeploymentID]
			if !ok {
				if d, err = tx.FindDeployment(ctx, t.DeploymentID); err != nil {
					return err
				}
				deps[d.ID] = d
			}
			if a, ok := assignment(d, t); ok {
				out = append(out, a)
			}
		}
		return nil
	})
	return out, err
}

func assignment(d Deployment, t Target) (Assignment, bool) {
	c, ok := commandsFor(d.Commands, t.Platform)
	if !ok {
		return Assignment{}, false
	}
	tpl := c.Install
	if d.Mode == ModeBackout {
		tpl = c.Backout
	}
	pkgs := packagesFor(d.Packages, c.PackageKind)
	return Assignment{DeploymentID: d.ID, ReleaseID: d.ReleaseID, CIID: t.CIID, CIName: t.CIName, Wave: t.Wave,
		Mode: d.Mode, Attempt: t.Attempt, Argv: Argv(tpl, pkgs), Packages: pkgs, Timeout: CommandTimeout}, true
}

// ReportStatus is what an agent reports.
type ReportStatus string

// The report statuses.
const (
	ReportStarted   ReportStatus = "in_progress"
	ReportSucceeded ReportStatus = "succeeded"
	ReportFailed    ReportStatus = "failed"
)

// Report is one result an agent sends for a target.
type Report struct {
	// ID makes the report idempotent: the same id twice counts once.
	ID            string
	Status        ReportStatus
	ExitCode      *int
	RebootPending bool
	Output        string
	StartedAt     *time.Time
	FinishedAt    *time.Time
}

// MaxReportOutput is the largest output a report may carry; the last
// MaxOutput bytes are kept.
const MaxReportOutput = 64 << 10

// Validate checks a report before anything is read.
func (r Report) Validate() error {
	var f errs.Fields
	switch id := strings.TrimSpace(r.ID); {
	case id == "":
		f.Add("report_id", "is required")
	case len(id) > 200:
		f.Add("report_id", "must be at most 200 characters")
	}
	switch r.Status {
	case ReportStarted, ReportSucceeded, ReportFailed:
	case "":
		f.Add("status", "is required")
	default:
		f.Add("status", "must be one of in_progress, succeeded, failed")
	}
	if len(r.Output) > MaxReportOutput {
		f.Add("output", "must be at most 64 KiB (the server keeps the last 4 KiB)")
	}
	if r.Status == ReportFailed && r.ExitCode != nil && *r.ExitCode == 0 {
		f.Add("exit_code", "a failed run has a non-zero exit code")
	}
	return f.Err()
}

// ReportResult is what a report did: the target after it, and whether it
// was a repeat of a report already counted.
type ReportResult struct {
	Target Target
	Replay bool
}

// ReportTarget records an agent's report for one CI of a deployment. The
// order of the checks is deliberate: a CI that is not the caller's is
// refused 403 (audited) whether or not it is in the deployment, so that an
// agent learns nothing of other CIs; the caller's own CI that is not a
// target of the deployment is 404 (nothing to report on); a target whose
// wave is not open (or, in a backout run, that has nothing to back out)
// is 409. A report id already counted answers the target as it is now.
func (s *Service) ReportTarget(ctx context.Context, actor identity.Actor, deploymentID, ciIDOrName string, in Report) (ReportResult, error) {
	const action = "deployment.report"
	if err := s.guard.Require(ctx, actor, action, "deployment", deploymentID, agents...); err != nil {
		return ReportResult{}, err
	}
	if err := in.Validate(); err != nil {
		return ReportResult{}, err
	}
	var res ReportResult
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		ciID, agentID, err := tx.FindCIAgent(ctx, ciIDOrName)
		if err != nil {
			return err
		}
		if !actor.Has(identity.Admin) && (agentID == "" || agentID != actor.UserID) {
			return errs.E(errs.Forbidden, "this agent does not report for CI %s", ciIDOrName)
		}
		if dep, ci, err := tx.FindReport(ctx, in.ID); err == nil {
			if dep != deploymentID || ci != ciID {
				return errs.Field("report_id", "was already used for another target")
			}
			res.Replay = true
			res.Target, err = tx.FindTarget(ctx, deploymentID, ciID)
			return err
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		d, err := tx.FindDeployment(ctx, deploymentID)
		if err != nil {
			return err
		}
		t, err := tx.FindTarget(ctx, deploymentID, ciID)
		if err != nil {
			return err
		}
		r, err := tx.FindRelease(ctx, d.ReleaseID)
		if err != nil {
			return err
		}
		if res.Target, err = s.applyReport(ctx, tx, actor, d, r, t, in); err != nil {
			return err
		}
		if err := tx.RecordReport(ctx, in.ID, deploymentID, ciID, s.stamp()); err != nil {
			return err
		}
		if res.Target.State.Final() || d.Mode == ModeBackout {
			// Unique: one advancement waiting is enough; the sweep covers
			// a report that lands while one is already running.
			return tx.Enqueue(ctx, WaveDue{DeploymentID: d.ID}, job.UniqueByArgs())
		}
		return nil
	})
	return res, s.guard.Refuse(ctx, actor, action, "deployment", deploymentID, err)
}

func (s *Service) applyReport(ctx context.Context, tx Tx, actor identity.Actor, d Deployment, r Release, t Target, in Report) (Target, error) {
	if d.State != DeploymentRunning {
		return t, errs.E(errs.Conflict, "deployment %s is %s: it takes no report", d.ID, d.State)
	}
	edit := func(t *Target) {
		if in.Output != "" {
			t.Output = tail(in.Output)
		}
		t.ExitCode, t.RebootPending = in.ExitCode, in.RebootPending
		now := s.stamp()
		if t.StartedAt == nil {
			t.StartedAt = utcOr(in.StartedAt, now)
		}
		if t.State.Final() {
			t.FinishedAt = utcOr(in.FinishedAt, now)
		}
	}
	if d.Mode == ModeBackout {
		if t.State != TargetSucceeded {
			return t, errs.E(errs.Conflict, "target %s is %s: nothing to back out", t.CIName, t.State)
		}
		if in.Status != ReportSucceeded {
			// The backout did not work: the target stays installed, with
			// the agent's output, and is offered again.
			t.Output, t.ExitCode, t.UpdatedAt = tail(in.Output), in.ExitCode, s.stamp()
			if err := tx.UpdateTarget(ctx, &t, t.Version); err != nil {
				return t, err
			}
			return t, s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(agents...),
				Action: "deployment.target.backout_failed", Outcome: audit.Failure, EntityType: "deployment", EntityID: d.ID,
				After: map[string]any{"ci_id": t.CIID, "release_id": r.ID, "rfc_id": t.RFCID, "exit_code": t.ExitCode}})
		}
		return s.moveTarget(ctx, tx, actor, d, r, t, TargetRollBack, edit, "backout run: "+d.RollbackReason)
	}
	w, _ := d.Wave(t.Wave)
	if w.State != WaveOpen {
		return t, errs.E(errs.Conflict, "wave %d of deployment %s is %s: it takes no report", w.Number, d.ID, w.State)
	}
	ev := TargetSucceed
	switch in.Status {
	case ReportStarted:
		if t.State == TargetInProgress {
			return t, nil // a second start of the same run
		}
		ev = TargetStart
	case ReportFailed:
		ev = TargetFail
	}
	if t.State == TargetPending {
		t.Attempt++
	}
	return s.moveTarget(ctx, tx, actor, d, r, t, ev, edit, "agent report "+in.ID)
}

func utcOr(t *time.Time, def time.Time) *time.Time {
	if t == nil {
		return &def
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}
