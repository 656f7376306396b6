package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
)

// The transaction implements cmdb.GroupRepository (checked by the compiler).
var _ cmdb.GroupRepository = (*Tx)(nil)

type ciGroupRow struct {
	ID          string
	Name        string
	Description string
	Kind        string
	Filter      string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (ciGroupRow) TableName() string { return "ci_groups" }

// groupFilterJSON is the stored shape of a dynamic group's filter.
type groupFilterJSON struct {
	Type        string            `json:"type,omitempty"`
	Environment string            `json:"environment,omitempty"`
	Criticality string            `json:"criticality,omitempty"`
	State       string            `json:"state,omitempty"`
	Owner       string            `json:"owner,omitempty"`
	Location    string            `json:"location,omitempty"`
	Role        string            `json:"role,omitempty"`
	OS          string            `json:"os,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
}

func toCIGroupRow(g cmdb.Group) ciGroupRow {
	return ciGroupRow{ID: g.ID, Name: g.Name, Description: g.Description, Kind: string(g.Kind),
		Filter: mustJSON(groupFilterJSON(g.Filter)), Version: g.Version,
		CreatedAt: g.CreatedAt.UTC(), UpdatedAt: g.UpdatedAt.UTC()}
}

func (r ciGroupRow) group() (cmdb.Group, error) {
	g := cmdb.Group{ID: r.ID, Name: r.Name, Description: r.Description, Kind: cmdb.GroupKind(r.Kind),
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	var f groupFilterJSON
	if err := json.Unmarshal([]byte(r.Filter), &f); err != nil {
		return g, errs.Wrap(errs.Internal, err, "stored group has a malformed filter")
	}
	g.Filter = cmdb.GroupFilter(f)
	return g, nil
}

// CreateGroup implements cmdb.GroupRepository.
func (tx *Tx) CreateGroup(ctx context.Context, g *cmdb.Group) error {
	row := toCIGroupRow(*g)
	if err := tx.g.Create(&row).Error; err != nil {
		return translate(err, "group "+g.Name)
	}
	return tx.setGroupMembers(g.ID, g.Members)
}

func (tx *Tx) setGroupMembers(id string, members []string) error {
	if err := tx.g.Exec("DELETE FROM ci_group_members WHERE group_id = ?", id).Error; err != nil {
		return translate(err, "group members")
	}
	if len(members) == 0 {
		return nil
	}
	type memberRow struct {
		GroupID string
		CIID    string `gorm:"column:ci_id"`
	}
	rows := make([]memberRow, len(members))
	for i, m := range members {
		rows[i] = memberRow{GroupID: id, CIID: m}
	}
	return translate(tx.g.Table("ci_group_members").CreateInBatches(rows, 500).Error, "group members")
}

// UpdateGroup implements cmdb.GroupRepository.
func (tx *Tx) UpdateGroup(ctx context.Context, g *cmdb.Group, version int64) error {
	row := toCIGroupRow(*g)
	row.Version = version + 1
	res := tx.g.Model(&ciGroupRow{}).Where("id = ? AND version = ?", g.ID, version).
		Select("name", "description", "filter", "version", "updated_at").Updates(&row)
	if err := translate(res.Error, "group "+g.Name); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("group " + g.Name)
	}
	g.Version = row.Version
	return tx.setGroupMembers(g.ID, g.Members)
}

// DeleteGroup implements cmdb.GroupRepository.
func (tx *Tx) DeleteGroup(ctx context.Context, id string, version int64) error {
	if err := tx.g.Exec("DELETE FROM ci_group_members WHERE group_id = ?", id).Error; err != nil {
		return translate(err, "group members")
	}
	res := tx.g.Exec("DELETE FROM ci_groups WHERE id = ? AND version = ?", id, version)
	if err := translate(res.Error, "group "+id); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("group " + id)
	}
	return nil
}

// FindGroup implements cmdb.GroupRepository, with a static group's member ids.
func (tx *Tx) FindGroup(ctx context.Context, idOrName string) (cmdb.Group, error) {
	var row ciGroupRow
	if err := tx.g.Where("id = ? OR name = ?", idOrName, idOrName).Take(&row).Error; err != nil {
		return cmdb.Group{}, translate(err, "group "+idOrName)
	}
	g, err := row.group()
	if err != nil {
		return g, err
	}
	err = tx.g.Raw("SELECT ci_id FROM ci_group_members WHERE group_id = ? ORDER BY ci_id", g.ID).Scan(&g.Members).Error
	return g, translate(err, "group members")
}

// FindGroups implements cmdb.GroupRepository: by name, without their members.
func (tx *Tx) FindGroups(ctx context.Context, afterName string, limit int) ([]cmdb.Group, error) {
	var rows []ciGroupRow
	if err := tx.g.Where("name > ?", afterName).Order("name").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "groups")
	}
	out := make([]cmdb.Group, 0, len(rows))
	for _, r := range rows {
		g, err := r.group()
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}
