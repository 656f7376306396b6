package cmdb

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

// CIVersion is one version of a CI: the whole record as it was from
// RecordedAt on, and what changed from the version before.
type CIVersion struct {
	CIID       string
	Version    int64
	Action     string
	ActorID    string
	RecordedAt time.Time
	// Changes maps each changed field (attributes as "attributes.KEY") to
	// its values before and after.
	Changes  map[string]FieldChange
	Snapshot CI
}

// FieldChange is one field's value before and after a change; nil means
// absent (an attribute added or removed, or a field of a new CI).
type FieldChange struct {
	From *string
	To   *string
}

// fields lists a CI's scalar fields under their API names.
func (c CI) fields() map[string]string {
	return map[string]string{"name": c.Name, "type": string(c.Type), "environment": c.Environment,
		"location": c.Location, "role": c.Role, "owner": c.Owner, "criticality": string(c.Criticality),
		"os": c.OS, "os_version": c.OSVersion, "agent_id": c.AgentID, "state": string(c.State)}
}

// Diff lists what differs from a to b, field by field. A zero a (no ID)
// stands for "no CI yet": every field of b that is set counts.
func Diff(a, b CI) map[string]FieldChange {
	out := map[string]FieldChange{}
	fa, fb := a.fields(), b.fields()
	for k, vb := range fb {
		va := fa[k]
		switch {
		case a.ID == "" && vb != "":
			out[k] = FieldChange{To: ptr(vb)}
		case a.ID != "" && va != vb:
			out[k] = FieldChange{From: ptr(va), To: ptr(vb)}
		}
	}
	for k, vb := range b.Attributes {
		if va, ok := a.Attributes[k]; !ok {
			out["attributes."+k] = FieldChange{To: ptr(vb)}
		} else if va != vb {
			out["attributes."+k] = FieldChange{From: ptr(va), To: ptr(vb)}
		}
	}
	for k, va := range a.Attributes {
		if _, ok := b.Attributes[k]; !ok {
			out["attributes."+k] = FieldChange{From: ptr(va)}
		}
	}
	return out
}

func ptr(s string) *string { return &s }

// ChangedFields lists the keys of a diff, sorted.
func ChangedFields(d map[string]FieldChange) []string {
	out := make([]string, 0, len(d))
	for k := range d {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// recordVersion appends next's version (its diff from before, nil for a
// new CI) and the audit event of the change, in the caller's transaction.
func (s *Service) recordVersion(ctx context.Context, tx Tx, actor identity.Actor, action string, before *CI, next CI, reason string) error {
	prev := CI{}
	var beforeView any
	if before != nil {
		prev, beforeView = *before, before.auditView()
	}
	v := CIVersion{CIID: next.ID, Version: next.Version, Action: action, ActorID: actor.UserID,
		RecordedAt: next.UpdatedAt, Changes: Diff(prev, next), Snapshot: next}
	if err := tx.AppendCIVersion(ctx, v); err != nil {
		return err
	}
	if err := s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: action,
		EntityType: "ci", EntityID: next.ID, Before: beforeView, After: next.auditView(), Reason: reason}); err != nil {
		return err
	}
	return s.checkAuthorized(ctx, tx, actor, action, before, v)
}

// History returns a CI's versions after afterVersion, oldest first, each
// with its diff (everyone but agents). The audit trail holds the same
// changes with who asked from where; this is the configuration's story.
func (s *Service) History(ctx context.Context, actor identity.Actor, idOrName string, afterVersion int64, limit int) (page.Page[CIVersion], error) {
	if err := s.requireReader(ctx, actor, "ci.history", "ci", idOrName); err != nil {
		return page.Page[CIVersion]{}, err
	}
	var out []CIVersion
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		c, err := tx.FindCI(ctx, idOrName)
		if err != nil {
			return err
		}
		out, err = tx.FindCIVersions(ctx, c.ID, afterVersion, page.Fetch(limit))
		return err
	})
	return page.Cut(out, limit, func(v CIVersion) string { return strconv.FormatInt(v.Version, 10) }), err
}
