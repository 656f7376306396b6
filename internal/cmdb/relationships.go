package cmdb

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/workflow"
)

// RelationshipType names how a source CI relates to its target.
type RelationshipType string

// The relationship types (DESIGN §2), read "source TYPE target".
const (
	// RunsOn: an application runs on a server.
	RunsOn RelationshipType = "runs_on"
	// DependsOn: a service depends on a database.
	DependsOn RelationshipType = "depends_on"
	// Hosts: a hypervisor hosts a virtual machine.
	Hosts RelationshipType = "hosts"
	// ConnectsTo: a server connects to a switch.
	ConnectsTo RelationshipType = "connects_to"
	// PartOf: a node is part of a cluster.
	PartOf RelationshipType = "part_of"
)

// RelationshipTypes lists the types.
func RelationshipTypes() []RelationshipType {
	return []RelationshipType{ConnectsTo, DependsOn, Hosts, PartOf, RunsOn}
}

// ParseRelationshipType reads a type.
func ParseRelationshipType(s string) (RelationshipType, error) {
	return workflow.ParseEnum("type", s, RelationshipTypes())
}

// Dependency says which end of a relationship relies on the other: the
// dependent is impacted when the dependency changes. The source relies on
// the target for runs_on, depends_on and connects_to; the target relies
// on the source for hosts (the guest on its host) and part_of (the whole
// on its parts).
func (t RelationshipType) Dependency(source, target string) (dependent, dependency string) {
	if t == Hosts || t == PartOf {
		return target, source
	}
	return source, target
}

// Relationship is one typed, directed edge between two CIs.
type Relationship struct {
	ID       string
	SourceID string
	Type     RelationshipType
	TargetID string
	// SourceName and TargetName are filled when read back.
	SourceName string
	TargetName string
	CreatedBy  string
	CreatedAt  time.Time
}

func (r Relationship) auditView() map[string]any {
	return map[string]any{"id": r.ID, "source_id": r.SourceID, "type": r.Type, "target_id": r.TargetID,
		"source_name": r.SourceName, "target_name": r.TargetName}
}

// RelationshipFilter selects a CI's relationships.
type RelationshipFilter struct {
	// Outgoing selects those where the CI is the source, Incoming where it
	// is the target; neither or both selects all.
	Outgoing, Incoming bool
	Type               RelationshipType
}

// Relate records "source type target" (change managers and admins). Both
// CIs must exist and differ; a repeat is a conflict; a retired CI takes no
// new relationships.
func (s *Service) Relate(ctx context.Context, actor identity.Actor, sourceIDOrName string, t RelationshipType, targetIDOrName string) (Relationship, error) {
	if err := s.requireWriter(ctx, actor, "ci.relate", "ci", sourceIDOrName); err != nil {
		return Relationship{}, err
	}
	var r Relationship
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		src, err := tx.FindCI(ctx, sourceIDOrName)
		if err != nil {
			return err
		}
		dst, err := tx.FindCI(ctx, targetIDOrName)
		if errs.Is(err, errs.NotFound) {
			return errs.Field("target_id", "no such CI")
		} else if err != nil {
			return err
		}
		if err := checkRelatable(src, dst); err != nil {
			return err
		}
		r = Relationship{ID: uuid.NewString(), SourceID: src.ID, Type: t, TargetID: dst.ID,
			SourceName: src.Name, TargetName: dst.Name, CreatedBy: actor.UserID, CreatedAt: s.stamp()}
		if err := tx.CreateRelationship(ctx, &r); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: "ci.relate",
			EntityType: "ci", EntityID: src.ID, After: r.auditView()})
	})
	return r, err
}

func checkRelatable(src, dst CI) error {
	switch {
	case src.ID == dst.ID:
		return errs.Field("target_id", "a CI cannot relate to itself")
	case src.State == StateRetired:
		return errs.E(errs.Conflict, "CI %s is retired", src.Name)
	case dst.State == StateRetired:
		return errs.E(errs.Conflict, "CI %s is retired", dst.Name)
	}
	return nil
}

// Unrelate deletes a relationship of the CI (change managers and admins).
func (s *Service) Unrelate(ctx context.Context, actor identity.Actor, ciIDOrName, relID string) error {
	if err := s.requireWriter(ctx, actor, "ci.unrelate", "ci", ciIDOrName); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		c, err := tx.FindCI(ctx, ciIDOrName)
		if err != nil {
			return err
		}
		r, err := tx.FindRelationship(ctx, relID)
		if err != nil {
			return err
		}
		if r.SourceID != c.ID && r.TargetID != c.ID {
			return errs.E(errs.NotFound, "no relationship %s of CI %s", relID, c.Name)
		}
		if err := tx.DeleteRelationship(ctx, r.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: "ci.unrelate",
			EntityType: "ci", EntityID: r.SourceID, Before: r.auditView()})
	})
}

// Relationships lists a CI's relationships (everyone but agents).
func (s *Service) Relationships(ctx context.Context, actor identity.Actor, idOrName string, f RelationshipFilter) ([]Relationship, error) {
	if err := s.requireReader(ctx, actor, "ci.relationships", "ci", idOrName); err != nil {
		return nil, err
	}
	var out []Relationship
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		c, err := tx.FindCI(ctx, idOrName)
		if err != nil {
			return err
		}
		out, err = tx.FindRelationships(ctx, c.ID, f)
		return err
	})
	return out, err
}
