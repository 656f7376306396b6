package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/schedule"
)

// The transaction implements schedule.WindowRepository (checked by the compiler).
var _ schedule.WindowRepository = (*Tx)(nil)

type windowRow struct {
	ID              string
	Name            string
	Description     string
	Kind            string
	Scope           string
	TimeZone        string
	LocalStart      string
	DurationMinutes int64
	RRule           string `gorm:"column:rrule"`
	ExDates         string `gorm:"column:exdates"`
	RDates          string `gorm:"column:rdates"`
	FirstStart      time.Time
	LastEnd         *time.Time
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (windowRow) TableName() string { return "schedule_windows" }

// scopeJSON is the stored shape of a window's scope.
type scopeJSON struct {
	All          bool     `json:"all,omitempty"`
	CIs          []string `json:"cis,omitempty"`
	Groups       []string `json:"groups,omitempty"`
	Environments []string `json:"environments,omitempty"`
}

func toWindowRow(w schedule.Window) windowRow {
	loc, _ := w.Location()
	walls := func(ts []time.Time) string {
		out := make([]string, 0, len(ts))
		for _, t := range ts {
			out = append(out, t.In(loc).Format(schedule.WallLayout))
		}
		return mustJSON(out)
	}
	return windowRow{ID: w.ID, Name: w.Name, Description: w.Description, Kind: string(w.Kind),
		Scope: mustJSON(scopeJSON(w.Scope)), TimeZone: w.TimeZone, LocalStart: w.Start.In(loc).Format(schedule.WallLayout),
		DurationMinutes: int64(w.Duration / time.Minute), RRule: w.RRule, ExDates: walls(w.ExDates), RDates: walls(w.RDates),
		FirstStart: w.Start.UTC(), LastEnd: w.LastEnd(), Version: w.Version,
		CreatedAt: w.CreatedAt.UTC(), UpdatedAt: w.UpdatedAt.UTC()}
}

func (r windowRow) window() (schedule.Window, error) {
	w := schedule.Window{ID: r.ID, Name: r.Name, Description: r.Description, Kind: schedule.Kind(r.Kind),
		TimeZone: r.TimeZone, Duration: time.Duration(r.DurationMinutes) * time.Minute, RRule: r.RRule,
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	bad := func(err error) (schedule.Window, error) {
		return w, errs.Wrap(errs.Internal, err, "stored window "+r.Name+" is malformed")
	}
	loc, err := w.Location()
	if err != nil {
		return bad(err)
	}
	var sc scopeJSON
	if err := json.Unmarshal([]byte(r.Scope), &sc); err != nil {
		return bad(err)
	}
	w.Scope = schedule.Scope(sc)
	// The first start is kept as an instant: its wall clock is what recurs.
	w.Start = r.FirstStart.In(loc)
	for col, dst := range map[string]*[]time.Time{r.ExDates: &w.ExDates, r.RDates: &w.RDates} {
		var walls []string
		if err := json.Unmarshal([]byte(col), &walls); err != nil {
			return bad(err)
		}
		for _, s := range walls {
			t, err := schedule.ParseWall("date", s, loc)
			if err != nil {
				return bad(err)
			}
			*dst = append(*dst, t)
		}
	}
	return w, nil
}

// CreateWindow implements schedule.WindowRepository.
func (tx *Tx) CreateWindow(ctx context.Context, w *schedule.Window) error {
	row := toWindowRow(*w)
	return translate(tx.g.Create(&row).Error, "window "+w.Name)
}

// UpdateWindow implements schedule.WindowRepository.
func (tx *Tx) UpdateWindow(ctx context.Context, w *schedule.Window, version int64) error {
	row := toWindowRow(*w)
	row.Version = version + 1
	res := tx.g.Model(&windowRow{}).Where("id = ? AND version = ?", w.ID, version).
		Select("*").Omit("id", "created_at").Updates(&row)
	if err := translate(res.Error, "window "+w.Name); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("window " + w.Name)
	}
	w.Version = row.Version
	return nil
}

// DeleteWindow implements schedule.WindowRepository.
func (tx *Tx) DeleteWindow(ctx context.Context, id string, version int64) error {
	res := tx.g.Exec("DELETE FROM schedule_windows WHERE id = ? AND version = ?", id, version)
	if err := translate(res.Error, "window "+id); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("window " + id)
	}
	return nil
}

// FindWindow implements schedule.WindowRepository.
func (tx *Tx) FindWindow(ctx context.Context, idOrName string) (schedule.Window, error) {
	var row windowRow
	if err := tx.g.Where("id = ? OR name = ?", idOrName, idOrName).Take(&row).Error; err != nil {
		return schedule.Window{}, translate(err, "window "+idOrName)
	}
	return row.window()
}

// FindWindows implements schedule.WindowRepository, by name.
func (tx *Tx) FindWindows(ctx context.Context, f schedule.WindowFilter) ([]schedule.Window, error) {
	q := tx.g.Model(&windowRow{}).Where("name > ?", f.AfterName)
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	if f.To != nil {
		q = q.Where("first_start < ?", f.To.UTC())
	}
	if f.From != nil {
		q = q.Where("(last_end IS NULL OR last_end > ?)", f.From.UTC())
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var rows []windowRow
	if err := q.Order("name").Find(&rows).Error; err != nil {
		return nil, translate(err, "windows")
	}
	out := make([]schedule.Window, 0, len(rows))
	for _, r := range rows {
		w, err := r.window()
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}
