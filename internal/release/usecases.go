package release

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
	"github.com/changeboard/changeboard/internal/workflow"
)

// auditView is what the audit trail keeps of a release, under the API's
// names.
func (r Release) auditView() map[string]any {
	return map[string]any{
		"id": r.ID, "number": r.Number, "name": r.Name, "description": r.Description, "owner_id": r.OwnerID,
		"rfc_ids": r.RFCIDs, "update_ids": r.UpdateIDs, "items": r.Items, "commands": r.Commands,
		"backout_plan": r.BackoutPlan, "test_evidence": r.TestEvidence, "pilot_results": r.PilotResults,
		"state": r.State, "version": r.Version,
	}
}

// CreateRelease starts a release package in planning, owned by its
// creator. Its RFCs and updates must exist.
func (s *Service) CreateRelease(ctx context.Context, actor identity.Actor, in Release) (Release, error) {
	const action = "release.create"
	if err := s.requireWriter(ctx, actor, action, "release", ""); err != nil {
		return Release{}, err
	}
	now := s.stamp()
	r := in
	r.ID, r.OwnerID, r.State, r.Version, r.CreatedAt, r.UpdatedAt = uuid.NewString(), actor.UserID, StatePlanning, 1, now, now
	r.RFCIDs, r.UpdateIDs = compact(r.RFCIDs), compact(r.UpdateIDs)
	if err := r.Validate(); err != nil {
		return Release{}, err
	}
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := s.checkLinks(ctx, actor, &r); err != nil {
			return err
		}
		var err error
		if r.Number, err = tx.NextReleaseNumber(ctx); err != nil {
			return err
		}
		if err := tx.CreateRelease(ctx, &r); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: action,
			EntityType: "release", EntityID: r.ID, After: r.auditView()})
	})
	return r, s.guard.Refuse(ctx, actor, action, "release", "", err)
}

// checkLinks resolves the release's RFCs (by id or reference) and updates
// (by id or vendor id) to ids, naming each that does not exist.
func (s *Service) checkLinks(ctx context.Context, actor identity.Actor, r *Release) error {
	var f errs.Fields
	rfcs, err := s.changes.RFCsByID(ctx, r.RFCIDs)
	if err != nil {
		return err
	}
	byKey := map[string]string{}
	for _, c := range rfcs {
		byKey[c.ID], byKey[c.Ref()] = c.ID, c.ID
	}
	for i, id := range r.RFCIDs {
		if rid, ok := byKey[id]; ok {
			r.RFCIDs[i] = rid
		} else {
			f.Add(indexed("rfc_ids", i), "names no RFC")
		}
	}
	for i, id := range r.UpdateIDs {
		u, err := s.catalog.GetUpdate(ctx, actor, id)
		switch {
		case errs.Is(err, errs.NotFound):
			f.Add(indexed("update_ids", i), "names no update of the catalog")
		case err != nil:
			return err
		case u.State != "approved":
			f.Add(indexed("update_ids", i), "names update "+u.VendorID+", which is "+string(u.State)+", not approved")
		default:
			r.UpdateIDs[i] = u.ID
		}
	}
	r.RFCIDs, r.UpdateIDs = compact(r.RFCIDs), compact(r.UpdateIDs)
	return f.Err()
}

// GetRelease returns one release by id or reference.
func (s *Service) GetRelease(ctx context.Context, actor identity.Actor, idOrRef string) (Release, error) {
	if err := s.requireReader(ctx, actor, "release.read", "release", idOrRef); err != nil {
		return Release{}, err
	}
	var r Release
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		r, err = tx.FindRelease(ctx, idOrRef)
		return err
	})
	return r, err
}

// ListReleases pages through releases, newest first.
func (s *Service) ListReleases(ctx context.Context, actor identity.Actor, f ReleaseFilter) (page.Page[Release], error) {
	if err := s.requireReader(ctx, actor, "release.list", "release", ""); err != nil {
		return page.Page[Release]{}, err
	}
	limit := f.Limit
	f.Limit = page.Fetch(limit)
	var out []Release
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindReleases(ctx, f)
		return err
	})
	return page.Cut(out, limit, func(v Release) string { return strconv.FormatInt(v.Number, 10) }), err
}

// ReleasePatch is a partial update; nil fields are not changed.
type ReleasePatch struct {
	Name, Description, BackoutPlan, TestEvidence, PilotResults *string
	RFCIDs, UpdateIDs                                          *[]string
	Items                                                      *[]Item
	Commands                                                   *[]Commands
	IfVersion                                                  *int64
}

// editable are the states in which a package's contents may change; test
// evidence and pilot results may be added until it is ready.
var editable = []State{StatePlanning, StateBuilding, StateTesting}

// UpdateRelease applies a PATCH with the version check.
func (s *Service) UpdateRelease(ctx context.Context, actor identity.Actor, idOrRef string, p ReleasePatch) (Release, error) {
	const action = "release.update"
	if err := s.requireWriter(ctx, actor, action, "release", idOrRef); err != nil {
		return Release{}, err
	}
	var r Release
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if r, err = tx.FindRelease(ctx, idOrRef); err != nil {
			return err
		}
		if err := errs.NeedVersion(p.IfVersion, r.Ref()); err != nil {
			return err
		}
		if *p.IfVersion != r.Version {
			return errs.E(errs.PreconditionFailed, "%s is at version %d, not %d", r.Ref(), r.Version, *p.IfVersion)
		}
		if !slices.Contains(editable, r.State) {
			return errs.E(errs.Conflict, "%s is %s: its contents are frozen", r.Ref(), r.State)
		}
		before, version := r.auditView(), r.Version
		p.apply(&r)
		if err := r.Validate(); err != nil {
			return err
		}
		if p.RFCIDs != nil || p.UpdateIDs != nil {
			if err := s.checkLinks(ctx, actor, &r); err != nil {
				return err
			}
		}
		r.UpdatedAt = s.stamp()
		if err := tx.UpdateRelease(ctx, &r, version); err != nil {
			return err
		}
		b, a := audit.Diff(before, r.auditView())
		return s.record(ctx, tx, audit.Record{Actor: actor, Action: action, EntityType: "release", EntityID: r.ID, Before: b, After: a})
	})
	return r, err
}

func (p ReleasePatch) apply(r *Release) {
	for dst, v := range map[*string]*string{&r.Name: p.Name, &r.Description: p.Description, &r.BackoutPlan: p.BackoutPlan,
		&r.TestEvidence: p.TestEvidence, &r.PilotResults: p.PilotResults} {
		if v != nil {
			*dst = *v
		}
	}
	if p.RFCIDs != nil {
		r.RFCIDs = compact(*p.RFCIDs)
	}
	if p.UpdateIDs != nil {
		r.UpdateIDs = compact(*p.UpdateIDs)
	}
	if p.Items != nil {
		r.Items = slices.Clone(*p.Items)
	}
	if p.Commands != nil {
		r.Commands = slices.Clone(*p.Commands)
	}
}

// Transition fires one of ManualEvents on a release, with its reason.
func (s *Service) Transition(ctx context.Context, actor identity.Actor, idOrRef string, ev Event, reason string, ifVersion *int64) (Release, error) {
	action := "release." + string(ev)
	if err := s.requireWriter(ctx, actor, action, "release", idOrRef); err != nil {
		return Release{}, err
	}
	if _, err := workflow.ParseEnum("event", string(ev), ManualEvents()); err != nil {
		if slices.Contains(Workflow().Events, ev) {
			return Release{}, errs.Field("event", string(ev)+" is fired by its review or deployment, not by hand")
		}
		return Release{}, err
	}
	if ev == EventAbandon || ev == EventRework {
		if strings.TrimSpace(reason) == "" {
			return Release{}, errs.Field("reason", "is required")
		}
	}
	var r Release
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if r, err = tx.FindRelease(ctx, idOrRef); err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != r.Version {
			return errs.E(errs.PreconditionFailed, "%s is at version %d, not %d", r.Ref(), r.Version, *ifVersion)
		}
		r, err = s.fire(ctx, tx, actor, r, ev, reason)
		return err
	})
	return r, err
}

// fire moves r by ev with its audit event, inside the caller's transaction.
func (s *Service) fire(ctx context.Context, tx Tx, actor identity.Actor, r Release, ev Event, reason string) (Release, error) {
	next, err := Next(r.State, ev)
	if err != nil {
		return r, err
	}
	before, version := r.State, r.Version
	r.State, r.UpdatedAt = next, s.stamp()
	if err := tx.UpdateRelease(ctx, &r, version); err != nil {
		return r, err
	}
	return r, s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: "release." + string(ev),
		EntityType: "release", EntityID: r.ID, Before: map[string]any{"state": before},
		After: map[string]any{"state": r.State, "version": r.Version}, Reason: reason})
}

func compact(ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
