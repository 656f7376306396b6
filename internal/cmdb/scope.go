package cmdb

import (
	"context"
	"maps"
	"slices"
)

// Membership is what the calendar needs to know of a CI to say which
// windows apply to it: its environment and the groups it belongs to now
// (static groups that list it, dynamic groups whose filter it matches).
type Membership struct {
	ID          string
	Name        string
	Environment string
	Groups      []string
}

// MembershipRepository answers which static groups list CIs.
type MembershipRepository interface {
	// StaticGroupsOf maps each of ids to the ids of the static groups that
	// list it.
	StaticGroupsOf(ctx context.Context, ids []string) (map[string][]string, error)
}

// Matches reports whether c meets every criterion of the filter.
func (f GroupFilter) Matches(c CI) bool {
	eq := func(want, got string) bool { return want == "" || want == got }
	if !eq(f.Type, string(c.Type)) || !eq(f.Environment, c.Environment) || !eq(f.Criticality, string(c.Criticality)) ||
		!eq(f.State, string(c.State)) || !eq(f.Owner, c.Owner) || !eq(f.Location, c.Location) || !eq(f.Role, c.Role) || !eq(f.OS, c.OS) {
		return false
	}
	for k, v := range f.Attributes {
		if got, ok := c.Attributes[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// CIMemberships looks CIs up for another capability's use case, which has
// checked its caller (the schedule's conflict check): called with that use
// case's ctx it runs inside its transaction. Ids that name no CI are left
// out.
func (s *Service) CIMemberships(ctx context.Context, ids []string) ([]Membership, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []Membership
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		cis, err := tx.FindCIsByID(ctx, ids)
		if err != nil {
			return err
		}
		static, err := tx.StaticGroupsOf(ctx, ids)
		if err != nil {
			return err
		}
		dynamic, err := dynamicGroups(ctx, tx)
		if err != nil {
			return err
		}
		for _, c := range cis {
			m := Membership{ID: c.ID, Name: c.Name, Environment: c.Environment, Groups: static[c.ID]}
			for _, g := range dynamic {
				if g.Filter.Matches(c) {
					m.Groups = append(m.Groups, g.ID)
				}
			}
			slices.Sort(m.Groups)
			out = append(out, m)
		}
		slices.SortFunc(out, func(a, b Membership) int { return compareStrings(a.Name, b.Name) })
		return nil
	})
	return out, err
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func dynamicGroups(ctx context.Context, tx Tx) ([]Group, error) {
	var out []Group
	after := ""
	for {
		page, err := tx.FindGroups(ctx, after, MaxListSize)
		if err != nil {
			return nil, err
		}
		for _, g := range page {
			if g.Kind == GroupDynamic {
				out = append(out, g)
			}
		}
		if len(page) < MaxListSize {
			return out, nil
		}
		after = page[len(page)-1].Name
	}
}

// Dependants lists the CIs that depend on ids (downstream) within depth
// steps, each once at its least depth, without ids themselves; for another
// capability's use case, inside its transaction.
func (s *Service) Dependants(ctx context.Context, ids []string, depth int) ([]ImpactHit, error) {
	if len(ids) == 0 || depth <= 0 {
		return nil, nil
	}
	var out []ImpactHit
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		hits, err := tx.WalkImpact(ctx, ids, Downstream, depth)
		if err != nil {
			return err
		}
		roots := setOf(ids...)
		best := map[string]ImpactHit{}
		for _, h := range hits {
			if roots[h.CI.ID] {
				continue
			}
			if b, ok := best[h.CI.ID]; !ok || h.Depth < b.Depth {
				best[h.CI.ID] = h
			}
		}
		out = slices.SortedFunc(maps.Values(best), func(a, b ImpactHit) int { return compareStrings(a.CI.Name, b.CI.Name) })
		return nil
	})
	return out, err
}

// GroupMemberIDs resolves a group (by id or name) to its id and the ids of
// its CIs now, for another capability's use case, inside its transaction.
func (s *Service) GroupMemberIDs(ctx context.Context, idOrName string) (string, []string, error) {
	var out []string
	var id string
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		g, err := tx.FindGroup(ctx, idOrName)
		if err != nil {
			return err
		}
		id = g.ID
		if g.Kind == GroupStatic {
			out = g.Members
			return nil
		}
		f := g.Filter.CIFilter()
		for {
			f.Limit = MaxListSize
			cis, err := tx.FindCIs(ctx, f)
			if err != nil {
				return err
			}
			for _, c := range cis {
				out = append(out, c.ID)
			}
			if len(cis) < MaxListSize {
				return nil
			}
			f.AfterName = cis[len(cis)-1].Name
		}
	})
	return id, out, err
}
