package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
)

// The transaction implements cmdb.ControlRepository (checked by the compiler).
var _ cmdb.ControlRepository = (*Tx)(nil)

type unauthorizedRow struct {
	ID        int64  `gorm:"primaryKey"`
	CIID      string `gorm:"column:ci_id"`
	CIVersion int64  `gorm:"column:ci_version"`
	ActorID   string
	Action    string
	Fields    string
	ChangedAt time.Time
}

func (unauthorizedRow) TableName() string { return "ci_unauthorized_changes" }

// ImplementingRFCsFor implements cmdb.ControlRepository.
func (tx *Tx) ImplementingRFCsFor(ctx context.Context, ciID string) ([]string, error) {
	var ids []string
	err := tx.g.Raw(`SELECT r.id FROM rfc_cis c JOIN rfcs r ON r.id = c.rfc_id
		WHERE c.ci_id = ? AND r.state = ? ORDER BY r.number`, ciID, string(change.StateImplementing)).Scan(&ids).Error
	return ids, translate(err, "implementing RFCs")
}

// FlagUnauthorizedChange implements cmdb.ControlRepository.
func (tx *Tx) FlagUnauthorizedChange(ctx context.Context, u *cmdb.UnauthorizedChange) error {
	row := unauthorizedRow{CIID: u.CIID, CIVersion: u.CIVersion, ActorID: u.ActorID, Action: u.Action,
		Fields: mustJSON(u.Fields), ChangedAt: u.ChangedAt.UTC()}
	if err := tx.g.Create(&row).Error; err != nil {
		return translate(err, "unauthorized change")
	}
	u.ID = row.ID
	return nil
}

// FindUnauthorizedChanges implements cmdb.ControlRepository, with the CI's name.
func (tx *Tx) FindUnauthorizedChanges(ctx context.Context, afterID int64, limit int) ([]cmdb.UnauthorizedChange, error) {
	// A flat row: gorm does not fill embedded structs from a joined Scan.
	var rows []struct {
		ID        int64
		CIID      string `gorm:"column:ci_id"`
		CIVersion int64  `gorm:"column:ci_version"`
		ActorID   string
		Action    string
		Fields    string
		ChangedAt time.Time
		Name      string
	}
	err := tx.g.Table("ci_unauthorized_changes AS u").
		Select("u.id, u.ci_id, u.ci_version, u.actor_id, u.action, u.fields, u.changed_at, c.name").Joins("JOIN cis c ON c.id = u.ci_id").
		Where("u.id > ?", afterID).Order("u.id").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "unauthorized changes")
	}
	out := make([]cmdb.UnauthorizedChange, 0, len(rows))
	for _, r := range rows {
		u := cmdb.UnauthorizedChange{ID: r.ID, CIID: r.CIID, CIName: r.Name, CIVersion: r.CIVersion,
			ActorID: r.ActorID, Action: r.Action, ChangedAt: r.ChangedAt.UTC()}
		if err := json.Unmarshal([]byte(r.Fields), &u.Fields); err != nil {
			return nil, translate(err, "unauthorized change")
		}
		out = append(out, u)
	}
	return out, nil
}

// TakeBaseline implements change.ConfigurationRepository: the CIs' versions as they are now.
func (tx *Tx) TakeBaseline(ctx context.Context, rfcID string, ciIDs []string, at time.Time) error {
	if len(ciIDs) == 0 {
		return nil
	}
	err := tx.g.Exec(`INSERT INTO rfc_baselines (rfc_id, ci_id, ci_version, taken_at)
		SELECT ?, id, version, ? FROM cis WHERE id IN ? ON CONFLICT DO NOTHING`, rfcID, at.UTC(), ciIDs).Error
	return translate(err, "baseline")
}

// FindBaseline implements cmdb.ControlRepository.
func (tx *Tx) FindBaseline(ctx context.Context, rfcID string) ([]cmdb.BaselineEntry, error) {
	var rows []struct {
		CIID      string `gorm:"column:ci_id"`
		CIVersion int64  `gorm:"column:ci_version"`
		TakenAt   time.Time
	}
	err := tx.g.Raw(`SELECT ci_id, ci_version, taken_at FROM rfc_baselines WHERE rfc_id = ? ORDER BY ci_id`, rfcID).
		Scan(&rows).Error
	out := make([]cmdb.BaselineEntry, len(rows))
	for i, r := range rows {
		out[i] = cmdb.BaselineEntry{CIID: r.CIID, Version: r.CIVersion, TakenAt: r.TakenAt.UTC()}
	}
	return out, translate(err, "baseline")
}
