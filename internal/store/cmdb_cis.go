package store

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// The transaction implements cmdb.CIRepository and cmdb.Directory (checked by the compiler).
var (
	_ cmdb.CIRepository = (*Tx)(nil)
	_ cmdb.Directory    = (*Tx)(nil)
)

type ciRow struct {
	ID          string
	Name        string
	Type        string
	Environment string
	Location    string
	Role        string
	Owner       string
	Criticality string
	OS          string `gorm:"column:os"`
	OSVersion   string `gorm:"column:os_version"`
	Attributes  string
	AgentID     string `gorm:"column:agent_id"`
	State       string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (ciRow) TableName() string { return "cis" }

func toCIRow(c cmdb.CI) ciRow {
	attrs := c.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	return ciRow{ID: c.ID, Name: c.Name, Type: string(c.Type), Environment: c.Environment, Location: c.Location,
		Role: c.Role, Owner: c.Owner, Criticality: string(c.Criticality), OS: c.OS, OSVersion: c.OSVersion,
		Attributes: mustJSON(attrs), AgentID: c.AgentID, State: string(c.State), Version: c.Version,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (r ciRow) ci() (cmdb.CI, error) {
	c := cmdb.CI{ID: r.ID, Name: r.Name, Type: cmdb.Type(r.Type), Environment: r.Environment, Location: r.Location,
		Role: r.Role, Owner: r.Owner, Criticality: cmdb.Criticality(r.Criticality), OS: r.OS, OSVersion: r.OSVersion,
		AgentID: r.AgentID, State: cmdb.State(r.State), Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Attributes), &c.Attributes); err != nil {
		return c, errs.Wrap(errs.Internal, err, "stored CI has malformed attributes")
	}
	// A state the code does not know is a corrupt row, not a new state.
	if _, err := cmdb.ParseState(r.State); err != nil {
		return c, errs.Wrap(errs.Internal, err, "stored CI has an unknown state")
	}
	return c, nil
}

func cisOf(rows []ciRow) ([]cmdb.CI, error) {
	out := make([]cmdb.CI, 0, len(rows))
	for _, r := range rows {
		c, err := r.ci()
		if err != nil {
			return nil, translate(err, "CI "+r.ID)
		}
		out = append(out, c)
	}
	return out, nil
}

// CreateCI implements cmdb.CIRepository; a taken name is a Conflict.
func (tx *Tx) CreateCI(ctx context.Context, c *cmdb.CI) error {
	row := toCIRow(*c)
	if err := tx.g.Create(&row).Error; err != nil {
		return translate(err, "CI "+c.Name)
	}
	return tx.setCIAttributes(c.ID, c.Attributes)
}

// setCIAttributes rewrites the CI's rows in ci_attributes, the index the
// attribute filters use.
func (tx *Tx) setCIAttributes(id string, attrs map[string]string) error {
	if err := tx.g.Exec("DELETE FROM ci_attributes WHERE ci_id = ?", id).Error; err != nil {
		return translate(err, "CI attributes")
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if err := tx.g.Exec("INSERT INTO ci_attributes (ci_id, key, value) VALUES (?, ?, ?)", id, k, attrs[k]).Error; err != nil {
			return translate(err, "CI attribute "+k)
		}
	}
	return nil
}

// FindCI implements cmdb.CIRepository: by id, or else by name without regard
// to case (names are never UUIDs, so the two cannot collide; cis_name_fold
// makes the folded name unique and serves the lookup).
func (tx *Tx) FindCI(ctx context.Context, idOrName string) (cmdb.CI, error) {
	var row ciRow
	if err := tx.g.Where("id = ? OR lower(name) = lower(?)", idOrName, idOrName).Take(&row).Error; err != nil {
		return cmdb.CI{}, translate(err, "CI "+idOrName)
	}
	c, err := row.ci()
	return c, translate(err, "CI "+idOrName)
}

// UpdateCI implements cmdb.CIRepository.
func (tx *Tx) UpdateCI(ctx context.Context, c *cmdb.CI, version int64) error {
	row := toCIRow(*c)
	row.Version = version + 1
	res := tx.g.Model(&ciRow{}).Where("id = ? AND version = ?", c.ID, version).
		Select("*").Omit("id", "created_at").Updates(&row)
	if err := translate(res.Error, "CI "+c.Name); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("CI " + c.Name)
	}
	c.Version = row.Version
	return tx.setCIAttributes(c.ID, c.Attributes)
}

// FindCIs implements cmdb.CIRepository: by name, keyset on the name, each equality
// filter backed by an index ending in the name.
func (tx *Tx) FindCIs(ctx context.Context, f cmdb.CIFilter) ([]cmdb.CI, error) {
	q := tx.g.Model(&ciRow{})
	for col, v := range map[string]string{"type": string(f.Type), "environment": f.Environment,
		"criticality": string(f.Criticality), "state": string(f.State), "owner": f.Owner,
		"location": f.Location, "role": f.Role, "os": f.OS} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	q = tx.whereAttributes(q, f.Attributes)
	if f.GroupID != "" {
		q = q.Where("id IN (SELECT ci_id FROM ci_group_members WHERE group_id = ?)", f.GroupID)
	}
	if f.Query != "" {
		q = q.Where(`lower(name) LIKE ? ESCAPE '\'`, ciLikePattern(f.Query))
	}
	if f.AfterName != "" {
		q = q.Where("name > ?", f.AfterName)
	}
	var rows []ciRow
	if err := q.Order("name").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "CIs")
	}
	return cisOf(rows)
}

// ciLikePattern matches names containing query, case-insensitively.
func ciLikePattern(query string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(query)) + "%"
}

// FindCIsByID implements cmdb.CIRepository, in chunks that stay under both
// databases' limits on bound parameters.
func (tx *Tx) FindCIsByID(ctx context.Context, ids []string) ([]cmdb.CI, error) {
	var rows []ciRow
	for chunk := range slices.Chunk(ids, 500) {
		var part []ciRow
		if err := tx.g.Where("id IN ?", chunk).Find(&part).Error; err != nil {
			return nil, translate(err, "CIs")
		}
		rows = append(rows, part...)
	}
	return cisOf(rows)
}

// FindUserWithRole implements cmdb.Directory.
func (tx *Tx) FindUserWithRole(ctx context.Context, idOrUsername string, role identity.Role) (string, bool, error) {
	var r userRow
	err := tx.g.Where("id = ? OR username = ?", idOrUsername, idOrUsername).Take(&r).Error
	if errs.Is(translate(err, "user"), errs.NotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, translate(err, "user "+idOrUsername)
	}
	return r.ID, !r.Disabled && slices.Contains(splitRoles(r.Roles), role), nil
}
