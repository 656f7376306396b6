package cmdb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

// CreateCI records a new CI in state planned (change managers and admins).
func (s *Service) CreateCI(ctx context.Context, actor identity.Actor, in CI) (CI, error) {
	if err := s.requireWriter(ctx, actor, "ci.create", "ci", ""); err != nil {
		return CI{}, err
	}
	c := newCI(in, s.stamp())
	if err := c.Validate(); err != nil {
		return CI{}, err
	}
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error { return s.create(ctx, tx, actor, &c) })
	return c, err
}

// newCI is in as a new record: a fresh id, planned, version 1.
func newCI(in CI, now time.Time) CI {
	c := in.clone()
	c.ID, c.State, c.Version, c.CreatedAt, c.UpdatedAt = uuid.NewString(), StatePlanned, 1, now, now
	return c
}

// create writes a validated new CI with its first version and audit event.
func (s *Service) create(ctx context.Context, tx Tx, actor identity.Actor, c *CI) error {
	var err error
	if c.AgentID, err = s.resolveAgent(ctx, tx, c.AgentID); err != nil {
		return err
	}
	if err := tx.CreateCI(ctx, c); err != nil {
		return err
	}
	return s.recordVersion(ctx, tx, actor, "ci.create", nil, *c, "")
}

// resolveAgent turns an agent_id given as a user id or a username into the
// user's id, refusing one that names no enabled user with the agent role.
func (s *Service) resolveAgent(ctx context.Context, tx Tx, ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	id, ok, err := tx.FindUserWithRole(ctx, ref, identity.Agent)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errs.Field("agent_id", fmt.Sprintf("must be the id or the username of an enabled user with the agent role; %q is neither", ref))
	}
	return id, nil
}

// GetCI returns one CI by id or name (everyone but agents).
func (s *Service) GetCI(ctx context.Context, actor identity.Actor, idOrName string) (CI, error) {
	if err := s.requireReader(ctx, actor, "ci.read", "ci", idOrName); err != nil {
		return CI{}, err
	}
	var c CI
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		c, err = tx.FindCI(ctx, idOrName)
		return err
	})
	return c, err
}

// GetCIAt returns the CI as it was at a moment: its last version recorded
// at or before at. NotFound when it did not exist yet.
func (s *Service) GetCIAt(ctx context.Context, actor identity.Actor, idOrName string, at time.Time) (CI, error) {
	if err := s.requireReader(ctx, actor, "ci.read", "ci", idOrName); err != nil {
		return CI{}, err
	}
	var c CI
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		cur, err := tx.FindCI(ctx, idOrName)
		if err != nil {
			return err
		}
		v, err := tx.FindCIVersionAt(ctx, cur.ID, at.UTC())
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.NotFound, "CI %s did not exist at %s", cur.Name, at.UTC().Format(time.RFC3339))
		}
		c = v.Snapshot
		return err
	})
	return c, err
}

// ListCIs pages through CIs by name (everyone but agents).
func (s *Service) ListCIs(ctx context.Context, actor identity.Actor, f CIFilter) (page.Page[CI], error) {
	if err := s.requireReader(ctx, actor, "ci.list", "ci", ""); err != nil {
		return page.Page[CI]{}, err
	}
	limit := f.Limit
	f.Limit = page.Fetch(limit)
	var out []CI
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindCIs(ctx, f)
		return err
	})
	return page.Cut(out, limit, func(v CI) string { return page.Text(v.Name) }), err
}

// FindCIs returns the CIs among ids, in the order of ids, skipping ids
// that name no CI; for configuration control and risk (everyone but
// agents).
func (s *Service) FindCIs(ctx context.Context, actor identity.Actor, ids []string) ([]CI, error) {
	if err := s.requireReader(ctx, actor, "ci.list", "ci", ""); err != nil {
		return nil, err
	}
	var found []CI
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		found, err = tx.FindCIsByID(ctx, compact(ids))
		return err
	})
	byID := make(map[string]CI, len(found))
	for _, c := range found {
		byID[c.ID] = c
	}
	out := make([]CI, 0, len(found))
	for _, id := range compact(ids) {
		if c, ok := byID[id]; ok {
			out = append(out, c)
		}
	}
	return out, err
}

// compact drops blanks and repeats, keeping the first order.
func compact(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// CIPatch is a partial update: nil fields are left alone. Attributes
// merge: a key with a nil value is removed, others are set.
type CIPatch struct {
	Name        *string
	Type        *string
	Environment *string
	Location    *string
	Role        *string
	Owner       *string
	Criticality *string
	OS          *string
	OSVersion   *string
	AgentID     *string
	Attributes  map[string]*string
	// IfVersion, when set, must equal the stored version (If-Match).
	IfVersion *int64
}

func (p CIPatch) empty() bool {
	return p.Name == nil && p.Type == nil && p.Environment == nil && p.Location == nil && p.Role == nil &&
		p.Owner == nil && p.Criticality == nil && p.OS == nil && p.OSVersion == nil && p.AgentID == nil &&
		p.Attributes == nil
}

func (p CIPatch) apply(c *CI) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Name, p.Name)
	set((*string)(&c.Type), p.Type)
	set(&c.Environment, p.Environment)
	set(&c.Location, p.Location)
	set(&c.Role, p.Role)
	set(&c.Owner, p.Owner)
	set((*string)(&c.Criticality), p.Criticality)
	set(&c.OS, p.OS)
	set(&c.OSVersion, p.OSVersion)
	set(&c.AgentID, p.AgentID)
	for k, v := range p.Attributes {
		if v == nil {
			delete(c.Attributes, k)
		} else {
			c.Attributes[k] = *v
		}
	}
}

// UpdateCI applies a PATCH with the version check; a retired CI is frozen.
func (s *Service) UpdateCI(ctx context.Context, actor identity.Actor, idOrName string, p CIPatch) (CI, error) {
	if err := s.requireWriter(ctx, actor, "ci.update", "ci", idOrName); err != nil {
		return CI{}, err
	}
	if p.empty() {
		return CI{}, errs.Field("body", "names no field to change")
	}
	var c CI
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		cur, err := tx.FindCI(ctx, idOrName)
		if err != nil {
			return err
		}
		if err := checkWritable(cur, p.IfVersion); err != nil {
			return err
		}
		next := cur.clone()
		p.apply(&next)
		if err := next.Validate(); err != nil {
			return err
		}
		if next.AgentID != cur.AgentID {
			if next.AgentID, err = s.resolveAgent(ctx, tx, next.AgentID); err != nil {
				return err
			}
		}
		// A well-formed edit that does not say which version it edits.
		if err := errs.NeedVersion(p.IfVersion, "CI "+cur.Name); err != nil {
			return err
		}
		c, err = s.update(ctx, tx, actor, cur, next, "ci.update", "")
		return err
	})
	return c, err
}

// checkWritable refuses a stale If-Match and any change to a retired CI.
func checkWritable(c CI, ifVersion *int64) error {
	if ifVersion != nil && *ifVersion != c.Version {
		return errs.E(errs.PreconditionFailed, "CI %s is at version %d, not %d", c.Name, c.Version, *ifVersion)
	}
	if c.State == StateRetired {
		return errs.E(errs.Conflict, "CI %s is retired: its record is kept as it was", c.Name)
	}
	return nil
}

// update writes next over cur, unless nothing changed, with the version
// check, its version record and its audit event.
func (s *Service) update(ctx context.Context, tx Tx, actor identity.Actor, cur, next CI, action, reason string) (CI, error) {
	if len(Diff(cur, next)) == 0 {
		return cur, nil
	}
	next.UpdatedAt = s.stamp()
	if err := tx.UpdateCI(ctx, &next, cur.Version); err != nil {
		return CI{}, err
	}
	return next, s.recordVersion(ctx, tx, actor, action, &cur, next, reason)
}

// Transition fires ev on a CI (change managers and admins).
func (s *Service) Transition(ctx context.Context, actor identity.Actor, idOrName string, ev Event, comment string, ifVersion *int64) (CI, error) {
	action := "ci." + string(ev)
	if err := s.requireWriter(ctx, actor, action, "ci", idOrName); err != nil {
		return CI{}, err
	}
	var c CI
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		cur, err := tx.FindCI(ctx, idOrName)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != cur.Version {
			return errs.E(errs.PreconditionFailed, "CI %s is at version %d, not %d", cur.Name, cur.Version, *ifVersion)
		}
		to, err := Next(cur.State, ev)
		if err != nil {
			return err
		}
		next := cur.clone()
		next.State = to
		c, err = s.update(ctx, tx, actor, cur, next, action, comment)
		return err
	})
	return c, err
}

// Actions lists the events the caller may fire on c now.
func Actions(c CI, actor identity.Actor) []Event {
	if !actor.Has(writers...) {
		return []Event{}
	}
	return slices.Clip(append([]Event{}, Available(c.State)...))
}
