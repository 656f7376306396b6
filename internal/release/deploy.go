package release

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/job"
)

// WaveDue is the job that advances one deployment: it opens the waves
// whose window has opened, closes those whose window has ended or whose
// targets all have their result, halts on a failed wave and finishes the
// deployment. It is enqueued at creation (for each wave's start and end),
// after each final report, and by the periodic sweep; Advance is
// idempotent, so a repeat costs only time.
type WaveDue struct {
	DeploymentID string `json:"deployment_id"`
}

// Kind implements job.Args.
func (WaveDue) Kind() string { return "release.wave_due" }

// CreateDeployment freezes a ready release's targets into ordered waves:
// each CI must be an affected CI of an approved RFC linked to the release
// (422 naming each CI outside), each wave's window must be free of window
// conflicts on its targets unless every RFC covering them is an
// authorised emergency (recorded as such). The release is scheduled, its
// approved RFCs scheduled into the deployment's span, and the wave jobs
// enqueued, in one transaction.
func (s *Service) CreateDeployment(ctx context.Context, actor identity.Actor, releaseIDOrRef string, in DeploymentInput) (Deployment, error) {
	const action = "deployment.create"
	if err := s.requireWriter(ctx, actor, action, "release", releaseIDOrRef); err != nil {
		return Deployment{}, err
	}
	if err := in.Validate(); err != nil {
		return Deployment{}, err
	}
	var d Deployment
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		r, err := tx.FindRelease(ctx, releaseIDOrRef)
		if err != nil {
			return err
		}
		if r.State != StateReady {
			return errs.E(errs.Conflict, "%s is %s: only a ready release (readiness review passed) is deployed", r.Ref(), r.State)
		}
		rfcs, err := s.changes.RFCsByID(ctx, r.RFCIDs)
		if err != nil {
			return err
		}
		plan, err := s.planTargets(ctx, actor, in, rfcs)
		if err != nil {
			return err
		}
		d = Deployment{ID: uuid.NewString(), ReleaseID: r.ID, State: DeploymentScheduled, Mode: ModeInstall,
			Emergency: plan.emergency, Commands: r.Commands, UpdateIDs: r.UpdateIDs, CreatedBy: actor.UserID,
			Version: 1, CreatedAt: s.stamp(), UpdatedAt: s.stamp()}
		for i, w := range in.Waves {
			d.Waves = append(d.Waves, Wave{Number: i + 1, Name: w.Name, Start: w.Start.UTC().Truncate(time.Microsecond),
				End: w.End.UTC().Truncate(time.Microsecond), MaxFailedShare: w.MaxFailedShare,
				RequirePrevious: w.RequirePrevious, State: WavePending})
		}
		if err := s.checkWindows(ctx, d, plan); err != nil {
			return err
		}
		if d.Packages, err = s.packages(ctx, actor, r); err != nil {
			return err
		}
		for i := range plan.targets {
			plan.targets[i].DeploymentID = d.ID
		}
		// The RFCs are scheduled before the waves are stored, so that the
		// calendar's overlap check does not meet the RFC's own waves.
		if err := s.scheduleRFCs(ctx, d, r, rfcs); err != nil {
			return err
		}
		if err := tx.CreateDeployment(ctx, &d, plan.targets); err != nil {
			return err
		}
		if _, err := s.fire(ctx, tx, actor, r, EventSchedule, "deployment "+d.ID+" created"); err != nil {
			return err
		}
		if err := s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: action,
			EntityType: "deployment", EntityID: d.ID, Reason: in.Reason, After: map[string]any{
				"release_id": r.ID, "waves": len(d.Waves), "targets": len(plan.targets), "emergency": d.Emergency,
				"rfc_ids": r.RFCIDs}}); err != nil {
			return err
		}
		return s.enqueueWaves(ctx, tx, d)
	})
	return d, s.guard.Refuse(ctx, actor, action, "release", releaseIDOrRef, err)
}

// enqueueWaves enqueues the advancement now and at each wave's start and
// end. The delays count on the service's clock; the periodic sweep covers
// a clock that moves otherwise (tests) and any job lost to a bug.
func (s *Service) enqueueWaves(ctx context.Context, tx Tx, d Deployment) error {
	if err := tx.Enqueue(ctx, WaveDue{DeploymentID: d.ID}); err != nil {
		return err
	}
	now := s.now()
	for _, w := range d.Waves {
		for _, at := range []time.Time{w.Start, w.End} {
			if at.After(now) {
				if err := tx.Enqueue(ctx, WaveDue{DeploymentID: d.ID}, job.Delay(at.Sub(now))); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

type targetPlan struct {
	targets []Target
	// byWave are the CI ids of each wave, in order.
	byWave    [][]string
	emergency bool
}

// planTargets resolves each wave's CIs, groups and environments to CIs,
// each in one wave only, each covered by an approved RFC of the release.
func (s *Service) planTargets(ctx context.Context, actor identity.Actor, in DeploymentInput, rfcs []change.RFC) (targetPlan, error) {
	cover := map[string]change.RFC{}
	for _, c := range rfcs {
		if !approvedForDeployment(string(c.State)) {
			continue
		}
		for _, ci := range c.AffectedCIs {
			if _, ok := cover[ci]; !ok {
				cover[ci] = c
			}
		}
	}
	var p targetPlan
	var f errs.Fields
	var outside []string
	seen := map[string]int{}
	allEmergency := true
	for i, w := range in.Waves {
		cis, err := s.resolveWave(ctx, actor, w, indexed("waves", i), &f)
		if err != nil {
			return p, err
		}
		var ids []string
		for _, c := range cis {
			if n, dup := seen[c.ID]; dup {
				f.Add(indexed("waves", i)+".targets", fmt.Sprintf("CI %s is already in wave %d", c.Name, n))
				continue
			}
			seen[c.ID] = i + 1
			rfc, ok := cover[c.ID]
			if !ok {
				outside = append(outside, c.Name)
				continue
			}
			allEmergency = allEmergency && rfc.Emergency()
			ids = append(ids, c.ID)
			p.targets = append(p.targets, Target{CIID: c.ID, CIName: c.Name, Platform: strings.ToLower(c.OS),
				RFCID: rfc.ID, Wave: i + 1, State: TargetPending, Version: 1, UpdatedAt: s.stamp()})
		}
		p.byWave = append(p.byWave, ids)
	}
	if err := f.Err(); err != nil {
		return p, err
	}
	if len(outside) > 0 {
		slices.Sort(outside)
		e := errs.E(errs.Unprocessable, "targets outside the affected CIs of the release's approved RFCs: %s", strings.Join(outside, ", "))
		for _, name := range outside {
			e.Fields = append(e.Fields, errs.FieldError{Field: "targets", Reason: "CI " + name + " is not an affected CI of an approved RFC of this release"})
		}
		return p, e
	}
	if len(p.targets) == 0 {
		return p, errs.Field("waves", "select no CI")
	}
	if len(p.targets) > MaxTargets {
		return p, errs.Field("waves", fmt.Sprintf("select %d CIs, more than %d", len(p.targets), MaxTargets))
	}
	p.emergency = allEmergency
	return p, nil
}

// resolveWave lists the CIs a wave names; unknown ids are named in f.
func (s *Service) resolveWave(ctx context.Context, actor identity.Actor, w WaveInput, prefix string, f *errs.Fields) ([]cmdb.CI, error) {
	var out []cmdb.CI
	if len(w.CIs) > 0 {
		found, err := s.cis.FindCIs(ctx, actor, w.CIs)
		if err != nil {
			return nil, err
		}
		known := map[string]bool{}
		for _, c := range found {
			known[c.ID] = true
		}
		for j, id := range w.CIs {
			if !known[id] {
				f.Add(fmt.Sprintf("%s.cis[%d]", prefix, j), "names no CI")
			}
		}
		out = append(out, found...)
	}
	for j, g := range w.Groups {
		after := ""
		for {
			pg, err := s.cis.GroupCIs(ctx, actor, g, after, cmdb.MaxListSize)
			if errs.Is(err, errs.NotFound) {
				f.Add(fmt.Sprintf("%s.groups[%d]", prefix, j), "names no group")
				break
			}
			if err != nil {
				return nil, err
			}
			out = append(out, pg.Items...)
			if pg.NextCursor == "" || len(pg.Items) == 0 {
				break
			}
			after = pg.Items[len(pg.Items)-1].Name
		}
	}
	for _, env := range w.Environments {
		after := ""
		for {
			pg, err := s.cis.ListCIs(ctx, actor, cmdb.CIFilter{Environment: env, AfterName: after, Limit: cmdb.MaxListSize})
			if err != nil {
				return nil, err
			}
			out = append(out, pg.Items...)
			if pg.NextCursor == "" || len(pg.Items) == 0 {
				break
			}
			after = pg.Items[len(pg.Items)-1].Name
		}
	}
	return out, nil
}

// checkWindows holds invariant 2: every wave's window free of conflicts
// on its targets, unless the deployment is an authorised emergency.
func (s *Service) checkWindows(ctx context.Context, d Deployment, p targetPlan) error {
	if d.Emergency {
		return nil
	}
	var fields []errs.FieldError
	for i, w := range d.Waves {
		if len(p.byWave[i]) == 0 {
			continue
		}
		found, err := s.windows.SpanConflicts(ctx, p.byWave[i], w.Start, w.End)
		if err != nil {
			return err
		}
		for _, c := range found {
			fields = append(fields, errs.FieldError{Field: indexed("waves", i) + ".window", Reason: c.CIID + ": " + c.Reason})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	e := errs.E(errs.Unprocessable, "a wave's window conflicts with the maintenance and blackout windows of its targets")
	e.Fields = fields
	return e
}

// packages freezes what the deployment installs: the release's items and
// the fixed packages of its updates, each kind and name once.
func (s *Service) packages(ctx context.Context, actor identity.Actor, r Release) ([]Item, error) {
	out := slices.Clone(r.Items)
	seen := map[string]bool{}
	for _, it := range out {
		seen[string(it.Kind)+"/"+it.Name] = true
	}
	for _, id := range r.UpdateIDs {
		u, err := s.catalog.GetUpdate(ctx, actor, id)
		if err != nil {
			return nil, err
		}
		for _, p := range u.Packages {
			k := ItemKind(p.Kind)
			if !slices.Contains(ItemKinds(), k) || seen[p.Kind+"/"+p.Name] || !packageName.MatchString(p.Name) {
				continue
			}
			seen[p.Kind+"/"+p.Name] = true
			version := p.Version
			if !packageName.MatchString(version) {
				version = ""
			}
			out = append(out, Item{Kind: k, Name: p.Name, Version: version})
		}
	}
	return out, nil
}

// scheduleRFCs schedules the release's approved RFCs into the deployment's
// span; an emergency stays approved (it may start at once).
func (s *Service) scheduleRFCs(ctx context.Context, d Deployment, r Release, rfcs []change.RFC) error {
	from, to := d.Span()
	for _, c := range rfcs {
		if c.Emergency() || (c.State != change.StateApproved && c.State != change.StateReadyForRelease) {
			continue
		}
		w := change.Window{Start: from, End: to, TimeZone: "UTC"}
		if c.Window != nil {
			w.TimeZone = c.Window.TimeZone
		}
		if _, err := s.changes.SystemTransition(ctx, c.ID, change.EventSchedule, change.TransitionInput{Window: &w},
			"deployment "+d.ID+" of "+r.Ref()+" scheduled"); err != nil {
			return err
		}
	}
	return nil
}
