package cmdb

import (
	"context"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

// DeleteGroup removes a group (change managers and admins); its CIs stay.
func (s *Service) DeleteGroup(ctx context.Context, actor identity.Actor, idOrName string, ifVersion *int64) error {
	if err := s.requireWriter(ctx, actor, "ci_group.delete", "ci_group", idOrName); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		g, err := tx.FindGroup(ctx, idOrName)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != g.Version {
			return errs.E(errs.PreconditionFailed, "group %s is at version %d, not %d", g.Name, g.Version, *ifVersion)
		}
		if err := tx.DeleteGroup(ctx, g.ID, g.Version); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: "ci_group.delete",
			EntityType: "ci_group", EntityID: g.ID, Before: g.auditView()})
	})
}

// GetGroup returns one group by id or name (everyone but agents).
func (s *Service) GetGroup(ctx context.Context, actor identity.Actor, idOrName string) (Group, error) {
	if err := s.requireReader(ctx, actor, "ci_group.read", "ci_group", idOrName); err != nil {
		return Group{}, err
	}
	var g Group
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		g, err = tx.FindGroup(ctx, idOrName)
		return err
	})
	return g, err
}

// ListGroups pages through groups by name (everyone but agents).
func (s *Service) ListGroups(ctx context.Context, actor identity.Actor, afterName string, limit int) (page.Page[Group], error) {
	if err := s.requireReader(ctx, actor, "ci_group.list", "ci_group", ""); err != nil {
		return page.Page[Group]{}, err
	}
	var out []Group
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindGroups(ctx, afterName, page.Fetch(limit))
		return err
	})
	return page.Cut(out, limit, func(v Group) string { return page.Text(v.Name) }), err
}

// GroupCIs resolves a group to its CIs now, a page at a time by name: the
// members of a static group, the CIs matching a dynamic group's filter.
func (s *Service) GroupCIs(ctx context.Context, actor identity.Actor, idOrName, afterName string, limit int) (page.Page[CI], error) {
	if err := s.requireReader(ctx, actor, "ci_group.resolve", "ci_group", idOrName); err != nil {
		return page.Page[CI]{}, err
	}
	var out []CI
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		g, err := tx.FindGroup(ctx, idOrName)
		if err != nil {
			return err
		}
		f := CIFilter{GroupID: g.ID}
		if g.Kind == GroupDynamic {
			f = g.Filter.CIFilter()
		}
		f.AfterName, f.Limit = afterName, page.Fetch(limit)
		out, err = tx.FindCIs(ctx, f)
		return err
	})
	return page.Cut(out, limit, func(v CI) string { return page.Text(v.Name) }), err
}
