package cmdb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/workflow"
)

// GroupKind says how a group's members are known.
type GroupKind string

// The group kinds.
const (
	// GroupStatic lists its members.
	GroupStatic GroupKind = "static"
	// GroupDynamic has a filter, resolved on demand against the CIs of the
	// moment.
	GroupDynamic GroupKind = "dynamic"
)

// ParseGroupKind reads a kind.
func ParseGroupKind(s string) (GroupKind, error) {
	return workflow.ParseEnum("kind", s, []GroupKind{GroupDynamic, GroupStatic})
}

// GroupFilter is a dynamic group's definition: every criterion set must
// hold (equality), attributes included.
type GroupFilter struct {
	Type        string
	Environment string
	Criticality string
	State       string
	Owner       string
	Location    string
	Role        string
	OS          string
	Attributes  map[string]string
}

func (f GroupFilter) empty() bool {
	return f.Type == "" && f.Environment == "" && f.Criticality == "" && f.State == "" && f.Owner == "" &&
		f.Location == "" && f.Role == "" && f.OS == "" && len(f.Attributes) == 0
}

// CIFilter is the list filter the group's definition stands for.
func (f GroupFilter) CIFilter() CIFilter {
	return CIFilter{Type: Type(f.Type), Environment: f.Environment, Criticality: Criticality(f.Criticality),
		State: State(f.State), Owner: f.Owner, Location: f.Location, Role: f.Role, OS: f.OS, Attributes: f.Attributes}
}

// Group is a named set of CIs that deployments and windows can target.
type Group struct {
	ID          string
	Name        string
	Description string
	Kind        GroupKind
	// Members are CI ids, for a static group.
	Members []string
	// Filter defines a dynamic group.
	Filter    GroupFilter
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MaxGroupMembers caps a static group.
const MaxGroupMembers = 10000

// Validate checks a group, naming each bad field.
func (g Group) Validate() error {
	var f errs.Fields
	checkName(&f, "name", g.Name)
	checkText(&f, "description", g.Description, 1000)
	if _, err := ParseGroupKind(string(g.Kind)); err != nil {
		f = append(f, fieldsOf(err)...)
	}
	switch g.Kind {
	case GroupStatic:
		if !g.Filter.empty() {
			f.Add("filter", "a static group has members, not a filter")
		}
		checkMembers(&f, g.Members)
	case GroupDynamic:
		if len(g.Members) > 0 {
			f.Add("members", "a dynamic group has a filter, not members")
		}
		checkFilter(&f, g.Filter)
	}
	return f.Err()
}

func checkMembers(f *errs.Fields, ids []string) {
	if len(ids) > MaxGroupMembers {
		f.Add("members", fmt.Sprintf("at most %d members", MaxGroupMembers))
		return
	}
	seen := map[string]bool{}
	for i, id := range ids {
		if id == "" || seen[id] {
			f.Add(fmt.Sprintf("members[%d]", i), "blank or repeated")
		}
		seen[id] = true
	}
}

func checkFilter(f *errs.Fields, gf GroupFilter) {
	if gf.empty() {
		f.Add("filter", "a dynamic group needs at least one criterion")
	}
	if gf.Type != "" {
		if _, err := ParseType(gf.Type); err != nil {
			f.Add("filter.type", fieldsOf(err)[0].Reason)
		}
	}
	if gf.Criticality != "" {
		if _, err := ParseCriticality(gf.Criticality); err != nil {
			f.Add("filter.criticality", fieldsOf(err)[0].Reason)
		}
	}
	if gf.State != "" {
		if _, err := ParseState(gf.State); err != nil {
			f.Add("filter.state", fieldsOf(err)[0].Reason)
		}
	}
	for field, v := range map[string]string{"filter.environment": gf.Environment, "filter.owner": gf.Owner,
		"filter.location": gf.Location, "filter.role": gf.Role, "filter.os": gf.OS} {
		checkText(f, field, v, MaxFieldLength)
	}
	checkAttributes(f, "filter.attributes", gf.Attributes)
	if len(gf.Attributes) > MaxAttributeFilters {
		f.Add("filter.attributes", "at most "+itoa(MaxAttributeFilters)+" attributes in a filter")
	}
}

func (g Group) auditView() map[string]any {
	return map[string]any{"id": g.ID, "name": g.Name, "description": g.Description, "kind": g.Kind,
		"members": nonNilSlice(g.Members), "filter": g.Filter, "version": g.Version}
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CreateGroup defines a group (change managers and admins).
func (s *Service) CreateGroup(ctx context.Context, actor identity.Actor, g Group) (Group, error) {
	if err := s.requireWriter(ctx, actor, "ci_group.create", "ci_group", ""); err != nil {
		return Group{}, err
	}
	if err := g.Validate(); err != nil {
		return Group{}, err
	}
	now := s.stamp()
	g.ID, g.Version, g.CreatedAt, g.UpdatedAt = uuid.NewString(), 1, now, now
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := checkMembersExist(ctx, tx, g.Members); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, &g); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...),
			Action: "ci_group.create", EntityType: "ci_group", EntityID: g.ID, After: g.auditView()})
	})
	return g, err
}

// checkMembersExist names the first member id that is no CI.
func checkMembersExist(ctx context.Context, tx Tx, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	found, err := tx.FindCIsByID(ctx, ids)
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(found))
	for _, c := range found {
		known[c.ID] = true
	}
	for i, id := range ids {
		if !known[id] {
			return errs.Field(fmt.Sprintf("members[%d]", i), "no CI "+id)
		}
	}
	return nil
}

// GroupPatch changes the fields that are set. Members apply to a static
// group, Filter to a dynamic one; the kind never changes.
type GroupPatch struct {
	Name        *string
	Description *string
	Members     *[]string
	Filter      *GroupFilter
	IfVersion   *int64
}

// UpdateGroup applies a PATCH with the version check.
func (s *Service) UpdateGroup(ctx context.Context, actor identity.Actor, idOrName string, p GroupPatch) (Group, error) {
	if err := s.requireWriter(ctx, actor, "ci_group.update", "ci_group", idOrName); err != nil {
		return Group{}, err
	}
	if p.Name == nil && p.Description == nil && p.Members == nil && p.Filter == nil {
		return Group{}, errs.Field("body", "names no field to change")
	}
	var g Group
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		cur, err := tx.FindGroup(ctx, idOrName)
		if err != nil {
			return err
		}
		if p.IfVersion != nil && *p.IfVersion != cur.Version {
			return errs.E(errs.PreconditionFailed, "group %s is at version %d, not %d", cur.Name, cur.Version, *p.IfVersion)
		}
		g = p.apply(cur)
		if err := g.Validate(); err != nil {
			return err
		}
		if err := checkMembersExist(ctx, tx, g.Members); err != nil {
			return err
		}
		g.UpdatedAt = s.stamp()
		if err := tx.UpdateGroup(ctx, &g, cur.Version); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: "ci_group.update",
			EntityType: "ci_group", EntityID: g.ID, Before: cur.auditView(), After: g.auditView()})
	})
	return g, err
}

func (p GroupPatch) apply(g Group) Group {
	if p.Name != nil {
		g.Name = *p.Name
	}
	if p.Description != nil {
		g.Description = *p.Description
	}
	if p.Members != nil {
		g.Members = slices.Clone(*p.Members)
	}
	if p.Filter != nil {
		g.Filter = *p.Filter
	}
	return g
}
