package store

import (
	"context"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
)

// The transaction implements cmdb.RelationshipRepository (checked by the compiler).
var _ cmdb.RelationshipRepository = (*Tx)(nil)

type relationshipRow struct {
	ID           string
	SourceID     string
	Type         string
	TargetID     string
	DependentID  string
	DependencyID string
	CreatedBy    string
	CreatedAt    time.Time
}

func (relationshipRow) TableName() string { return "ci_relationships" }

// CreateRelationship implements cmdb.RelationshipRepository; the same source, type and
// target twice is a Conflict.
func (tx *Tx) CreateRelationship(ctx context.Context, r *cmdb.Relationship) error {
	dependent, dependency := r.Type.Dependency(r.SourceID, r.TargetID)
	row := relationshipRow{ID: r.ID, SourceID: r.SourceID, Type: string(r.Type), TargetID: r.TargetID,
		DependentID: dependent, DependencyID: dependency, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
	return translate(tx.g.Create(&row).Error, "relationship "+r.SourceName+" "+string(r.Type)+" "+r.TargetName)
}

// relationshipView is a relationship with the names of its ends (gorm
// scans raw rows into flat structs only).
type relationshipView struct {
	ID         string
	SourceID   string
	Type       string
	TargetID   string
	CreatedBy  string
	CreatedAt  time.Time
	SourceName string
	TargetName string
}

func (v relationshipView) relationship() cmdb.Relationship {
	return cmdb.Relationship{ID: v.ID, SourceID: v.SourceID, Type: cmdb.RelationshipType(v.Type), TargetID: v.TargetID,
		SourceName: v.SourceName, TargetName: v.TargetName, CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt.UTC()}
}

const relationshipSelect = `SELECT r.id, r.source_id, r.type, r.target_id, r.created_by, r.created_at,
	s.name AS source_name, t.name AS target_name
	FROM ci_relationships r JOIN cis s ON s.id = r.source_id JOIN cis t ON t.id = r.target_id `

// FindRelationship implements cmdb.RelationshipRepository.
func (tx *Tx) FindRelationship(ctx context.Context, id string) (cmdb.Relationship, error) {
	var rows []relationshipView
	if err := tx.g.Raw(relationshipSelect+"WHERE r.id = ?", id).Scan(&rows).Error; err != nil {
		return cmdb.Relationship{}, translate(err, "relationship "+id)
	}
	if len(rows) == 0 {
		return cmdb.Relationship{}, errs.E(errs.NotFound, "no relationship %s", id)
	}
	return rows[0].relationship(), nil
}

// DeleteRelationship implements cmdb.RelationshipRepository.
func (tx *Tx) DeleteRelationship(ctx context.Context, id string) error {
	res := tx.g.Exec("DELETE FROM ci_relationships WHERE id = ?", id)
	if err := translate(res.Error, "relationship "+id); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.NotFound, "no relationship %s", id)
	}
	return nil
}

// FindRelationships implements cmdb.RelationshipRepository, by type and then the names of the
// ends, through the source and target indexes.
func (tx *Tx) FindRelationships(ctx context.Context, ciID string, f cmdb.RelationshipFilter) ([]cmdb.Relationship, error) {
	var where []string
	var args []any
	switch {
	case f.Outgoing && !f.Incoming:
		where, args = append(where, "r.source_id = ?"), append(args, ciID)
	case f.Incoming && !f.Outgoing:
		where, args = append(where, "r.target_id = ?"), append(args, ciID)
	default:
		where, args = append(where, "(r.source_id = ? OR r.target_id = ?)"), append(args, ciID, ciID)
	}
	if f.Type != "" {
		where, args = append(where, "r.type = ?"), append(args, string(f.Type))
	}
	var rows []relationshipView
	q := relationshipSelect + "WHERE " + strings.Join(where, " AND ") + " ORDER BY r.type, s.name, t.name"
	if err := tx.g.Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, translate(err, "relationships")
	}
	out := make([]cmdb.Relationship, len(rows))
	for i, r := range rows {
		out[i] = r.relationship()
	}
	return out, nil
}

// impactWalk is the recursive query of impact analysis; %[1]s is the
// column a step comes from and %[2]s the column it goes to. Rows are
// (CI, depth, parent, relationship type) and UNION drops repeats, so the
// work is bounded by depth × relationships reached, cycles or not. Each
// CI is answered once, at its least depth, with the least (parent, type)
// of that depth: a parent at depth d-1 always exists for a CI first
// reached at d, so following parents rebuilds a shortest path.
const impactWalk = `WITH RECURSIVE walk(id, depth, parent, via) AS (
	SELECT id, 0, CAST('' AS TEXT), CAST('' AS TEXT) FROM cis WHERE id IN ?
	UNION
	SELECT r.%[2]s, w.depth + 1, w.id, r.type
	FROM walk w JOIN ci_relationships r ON r.%[1]s = w.id
	WHERE w.depth < ?
), ranked AS (
	SELECT id, depth, parent, via, ROW_NUMBER() OVER (PARTITION BY id ORDER BY depth, parent, via) AS rn
	FROM walk
)
SELECT w.id, w.depth, w.parent, w.via, c.name, c.type, c.criticality, c.state
FROM ranked w JOIN cis c ON c.id = w.id
WHERE w.rn = 1 AND w.depth > 0`

type impactRow struct {
	ID          string
	Depth       int
	Parent      string
	Via         string
	Name        string
	Type        string
	Criticality string
	State       string
}

// WalkImpact implements cmdb.RelationshipRepository with one recursive query, the same SQL on
// both databases. Downstream follows dependency → dependent, upstream the
// reverse, each through its covering index.
func (tx *Tx) WalkImpact(ctx context.Context, roots []string, dir cmdb.Direction, depth int) ([]cmdb.ImpactHit, error) {
	if len(roots) == 0 {
		return nil, nil
	}
	from, to := "dependency_id", "dependent_id"
	if dir == cmdb.Upstream {
		from, to = to, from
	}
	var rows []impactRow
	q := strings.NewReplacer("%[1]s", from, "%[2]s", to).Replace(impactWalk)
	if err := tx.g.Raw(q, roots, depth).Scan(&rows).Error; err != nil {
		return nil, translate(err, "impact analysis")
	}
	out := make([]cmdb.ImpactHit, len(rows))
	for i, r := range rows {
		out[i] = cmdb.ImpactHit{Depth: r.Depth, ParentID: r.Parent, Via: cmdb.RelationshipType(r.Via),
			CI: cmdb.CIRef{ID: r.ID, Name: r.Name, Type: cmdb.Type(r.Type),
				Criticality: cmdb.Criticality(r.Criticality), State: cmdb.State(r.State)}}
	}
	return out, nil
}
