package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
)

// The transaction implements cmdb.VersionRepository (checked by the compiler).
var _ cmdb.VersionRepository = (*Tx)(nil)

type ciVersionRow struct {
	CIID       string `gorm:"column:ci_id"`
	Version    int64
	Action     string
	ActorID    string
	RecordedAt time.Time
	Changes    string
	Snapshot   string
}

func (ciVersionRow) TableName() string { return "ci_versions" }

type fieldChangeJSON struct {
	From *string `json:"from"`
	To   *string `json:"to"`
}

// toSnapshot is the stored shape of a CI in its versions: the API's
// names, so that the history stays readable whatever the Go types become.
func toSnapshot(c cmdb.CI) cmdb.Snapshot {
	s := cmdb.SnapshotOf(c)
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s
}

// snapshotCI reads a stored snapshot back.
func snapshotCI(s cmdb.Snapshot) cmdb.CI {
	c := s.CI()
	if c.Attributes == nil {
		c.Attributes = map[string]string{}
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c
}

func (r ciVersionRow) version() (cmdb.CIVersion, error) {
	v := cmdb.CIVersion{CIID: r.CIID, Version: r.Version, Action: r.Action, ActorID: r.ActorID,
		RecordedAt: r.RecordedAt.UTC(), Changes: map[string]cmdb.FieldChange{}}
	var changes map[string]fieldChangeJSON
	var snap cmdb.Snapshot
	if err := json.Unmarshal([]byte(r.Changes), &changes); err != nil {
		return v, errs.Wrap(errs.Internal, err, "stored CI version has malformed changes")
	}
	if err := json.Unmarshal([]byte(r.Snapshot), &snap); err != nil {
		return v, errs.Wrap(errs.Internal, err, "stored CI version has a malformed snapshot")
	}
	for k, c := range changes {
		v.Changes[k] = cmdb.FieldChange(c)
	}
	v.Snapshot = snapshotCI(snap)
	return v, nil
}

// AppendCIVersion implements cmdb.VersionRepository; the key (ci_id, version) makes a
// second writer of the same version a conflict.
func (tx *Tx) AppendCIVersion(ctx context.Context, v cmdb.CIVersion) error {
	changes := make(map[string]fieldChangeJSON, len(v.Changes))
	for k, c := range v.Changes {
		changes[k] = fieldChangeJSON(c)
	}
	row := ciVersionRow{CIID: v.CIID, Version: v.Version, Action: v.Action, ActorID: v.ActorID,
		RecordedAt: v.RecordedAt.UTC(), Changes: mustJSON(changes), Snapshot: mustJSON(toSnapshot(v.Snapshot))}
	return translate(tx.g.Create(&row).Error, "version of CI "+v.CIID)
}

func versionsOf(rows []ciVersionRow) ([]cmdb.CIVersion, error) {
	out := make([]cmdb.CIVersion, 0, len(rows))
	for _, r := range rows {
		v, err := r.version()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// FindCIVersions implements cmdb.VersionRepository through the primary key.
func (tx *Tx) FindCIVersions(ctx context.Context, ciID string, afterVersion int64, limit int) ([]cmdb.CIVersion, error) {
	var rows []ciVersionRow
	err := tx.g.Where("ci_id = ? AND version > ?", ciID, afterVersion).Order("version").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, translate(err, "CI versions")
	}
	return versionsOf(rows)
}

// FindCIVersionAt implements cmdb.VersionRepository.
func (tx *Tx) FindCIVersionAt(ctx context.Context, ciID string, at time.Time) (cmdb.CIVersion, error) {
	var row ciVersionRow
	err := tx.g.Where("ci_id = ? AND recorded_at <= ?", ciID, at.UTC()).Order("version DESC").Take(&row).Error
	if err != nil {
		return cmdb.CIVersion{}, translate(err, "version of CI "+ciID)
	}
	return row.version()
}
