package cmdb

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

// UnauthorizedChange is a change to an active CI that no RFC in
// implementation covered (MOF configuration control): the change stands,
// and the flag stays for the CAB and the auditors.
type UnauthorizedChange struct {
	ID        int64
	CIID      string
	CIName    string
	CIVersion int64
	ActorID   string
	Action    string
	Fields    []string
	ChangedAt time.Time
}

// controlled reports which fields of a diff configuration control looks
// at: everything but the state, which moves only through transitions.
func controlled(d map[string]FieldChange) []string {
	var out []string
	for _, f := range ChangedFields(d) {
		if f != "state" {
			out = append(out, f)
		}
	}
	return out
}

// checkAuthorized flags a change to an active CI that no implementing RFC
// names among its affected CIs, in the change's own transaction.
func (s *Service) checkAuthorized(ctx context.Context, tx Tx, actor identity.Actor, action string, before *CI, v CIVersion) error {
	fields := controlled(v.Changes)
	if before == nil || before.State != StateActive || len(fields) == 0 {
		return nil
	}
	rfcs, err := tx.ImplementingRFCsFor(ctx, v.CIID)
	if err != nil || len(rfcs) > 0 {
		return err
	}
	u := UnauthorizedChange{CIID: v.CIID, CIVersion: v.Version, ActorID: actor.UserID, Action: action,
		Fields: fields, ChangedAt: v.RecordedAt}
	if err := tx.FlagUnauthorizedChange(ctx, &u); err != nil {
		return err
	}
	return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: "ci.unauthorized_change",
		EntityType: "ci", EntityID: v.CIID, After: map[string]any{"version": v.Version, "fields": fields},
		Reason: "no RFC in implementation covers this CI"})
}

// UnauthorizedChanges lists flagged changes, oldest first, after the id
// afterID (everyone but agents).
func (s *Service) UnauthorizedChanges(ctx context.Context, actor identity.Actor, afterID int64, limit int) (page.Page[UnauthorizedChange], error) {
	if err := s.requireReader(ctx, actor, "ci.unauthorized_changes", "ci", ""); err != nil {
		return page.Page[UnauthorizedChange]{}, err
	}
	var out []UnauthorizedChange
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindUnauthorizedChanges(ctx, afterID, page.Fetch(limit))
		return err
	})
	return page.Cut(out, limit, func(v UnauthorizedChange) string { return audit.EncodeCursor(v.ID) }), err
}

// BaselineItem compares one CI of an RFC's baseline with the CI now.
type BaselineItem struct {
	CIID            string
	CIName          string
	BaselineVersion int64
	CurrentVersion  int64
	TakenAt         time.Time
	// Changes is what changed since the baseline; empty when nothing did.
	Changes map[string]FieldChange
}

// BaselineEntry is one stored baseline row.
type BaselineEntry struct {
	CIID    string
	Version int64
	TakenAt time.Time
}

// CompareBaseline compares the baseline taken when an RFC was approved
// with its CIs now (everyone but agents); empty before approval.
func (s *Service) CompareBaseline(ctx context.Context, actor identity.Actor, rfcID string) ([]BaselineItem, error) {
	if err := s.requireReader(ctx, actor, "rfc.baseline", "rfc", rfcID); err != nil {
		return nil, err
	}
	var out []BaselineItem
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		entries, err := tx.FindBaseline(ctx, rfcID)
		if err != nil {
			return err
		}
		for _, e := range entries {
			item, err := compareOne(ctx, tx, e)
			if err != nil {
				return err
			}
			out = append(out, item)
		}
		return nil
	})
	return out, err
}

func compareOne(ctx context.Context, tx Tx, e BaselineEntry) (BaselineItem, error) {
	then, err := tx.FindCIVersions(ctx, e.CIID, e.Version-1, 1)
	if err != nil {
		return BaselineItem{}, err
	}
	now, err := tx.FindCI(ctx, e.CIID)
	if err != nil {
		return BaselineItem{}, err
	}
	item := BaselineItem{CIID: e.CIID, CIName: now.Name, BaselineVersion: e.Version, CurrentVersion: now.Version,
		TakenAt: e.TakenAt, Changes: map[string]FieldChange{}}
	if len(then) == 1 {
		item.Changes = Diff(then[0].Snapshot, now)
	}
	return item, nil
}
