package cmdb

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/identity"
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
func (s *Service) UnauthorizedChanges(ctx context.Context, actor identity.Actor, afterID int64, limit int) ([]UnauthorizedChange, error) {
	if err := s.requireReader(ctx, actor, "ci.unauthorized_changes", "ci", ""); err != nil {
		return nil, err
	}
	var out []UnauthorizedChange
	err := s.store.InTx(ctx, func(tx Tx) (err error) {
		out, err = tx.FindUnauthorizedChanges(ctx, afterID, limit)
		return err
	})
	return out, err
}
