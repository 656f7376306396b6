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

// ciSnapshot is the stored shape of a CI in its versions: the API's names,
// so that the history stays readable whatever the Go types become.
type ciSnapshot struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	Environment string            `json:"environment"`
	Location    string            `json:"location"`
	Role        string            `json:"role"`
	Owner       string            `json:"owner"`
	Criticality string            `json:"criticality"`
	OS          string            `json:"os"`
	OSVersion   string            `json:"os_version"`
	Attributes  map[string]string `json:"attributes"`
	AgentID     string            `json:"agent_id"`
	State       string            `json:"state"`
	Version     int64             `json:"version"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

type fieldChangeJSON struct {
	From *string `json:"from"`
	To   *string `json:"to"`
}

func toSnapshot(c cmdb.CI) ciSnapshot {
	return ciSnapshot{ID: c.ID, Name: c.Name, Type: string(c.Type), Environment: c.Environment, Location: c.Location,
		Role: c.Role, Owner: c.Owner, Criticality: string(c.Criticality), OS: c.OS, OSVersion: c.OSVersion,
		Attributes: c.Attributes, AgentID: c.AgentID, State: string(c.State), Version: c.Version,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (s ciSnapshot) ci() cmdb.CI {
	attrs := s.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	return cmdb.CI{ID: s.ID, Name: s.Name, Type: cmdb.Type(s.Type), Environment: s.Environment, Location: s.Location,
		Role: s.Role, Owner: s.Owner, Criticality: cmdb.Criticality(s.Criticality), OS: s.OS, OSVersion: s.OSVersion,
		Attributes: attrs, AgentID: s.AgentID, State: cmdb.State(s.State), Version: s.Version,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

func (r ciVersionRow) version() (cmdb.CIVersion, error) {
	v := cmdb.CIVersion{CIID: r.CIID, Version: r.Version, Action: r.Action, ActorID: r.ActorID,
		RecordedAt: r.RecordedAt.UTC(), Changes: map[string]cmdb.FieldChange{}}
	var changes map[string]fieldChangeJSON
	var snap ciSnapshot
	if err := json.Unmarshal([]byte(r.Changes), &changes); err != nil {
		return v, errs.Wrap(errs.Internal, err, "stored CI version has malformed changes")
	}
	if err := json.Unmarshal([]byte(r.Snapshot), &snap); err != nil {
		return v, errs.Wrap(errs.Internal, err, "stored CI version has a malformed snapshot")
	}
	for k, c := range changes {
		v.Changes[k] = cmdb.FieldChange(c)
	}
	v.Snapshot = snap.ci()
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
