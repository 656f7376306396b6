package store

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/schedule"
)

// The transaction implements schedule.PlannedRFCRepository (checked by the compiler).
var _ schedule.PlannedRFCRepository = (*Tx)(nil)

// FindPlannedRFCs implements schedule.PlannedRFCRepository: one query on
// rfcs (the rfcs_window index) joined with rfc_cis when CIs are given.
func (tx *Tx) FindPlannedRFCs(ctx context.Context, f schedule.PlannedFilter) ([]schedule.PlannedRFC, error) {
	q := tx.g.Table("rfcs").Select("id, number, title, state, priority, window_start, window_end, window_tz, affected_cis, version").
		Where("window_start < ? AND window_end > ?", f.To.UTC(), f.From.UTC())
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, s := range f.States {
			states[i] = string(s)
		}
		q = q.Where("state IN ?", states)
	}
	if f.ExcludeID != "" {
		q = q.Where("id <> ?", f.ExcludeID)
	}
	if len(f.CIs) > 0 {
		q = q.Where("id IN (SELECT rfc_id FROM rfc_cis WHERE ci_id IN ?)", f.CIs)
	}
	var rows []struct {
		ID          string
		Number      int64
		Title       string
		State       string
		Priority    string
		WindowStart time.Time
		WindowEnd   time.Time
		WindowTZ    string `gorm:"column:window_tz"`
		AffectedCIs string `gorm:"column:affected_cis"`
		Version     int64
	}
	if err := q.Order("window_start, number").Scan(&rows).Error; err != nil {
		return nil, translate(err, "planned RFCs")
	}
	out := make([]schedule.PlannedRFC, 0, len(rows))
	for _, r := range rows {
		p := schedule.PlannedRFC{ID: r.ID, Number: r.Number, Title: r.Title, State: change.State(r.State),
			Priority: change.Priority(r.Priority), Version: r.Version,
			Window: change.Window{Start: r.WindowStart.UTC(), End: r.WindowEnd.UTC(), TimeZone: r.WindowTZ}}
		if err := json.Unmarshal([]byte(r.AffectedCIs), &p.CIs); err != nil {
			return nil, translate(err, "RFC "+r.ID)
		}
		slices.Sort(p.CIs)
		out = append(out, p)
	}
	return out, nil
}
