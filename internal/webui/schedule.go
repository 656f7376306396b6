package webui

import (
	"net/http"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/schedule"
)

// day is one column of the week: its date and the entries starting in it.
type day struct {
	Date    time.Time
	Entries []schedule.Entry
}

type scheduleView struct {
	From, To   time.Time
	Prev, Next string // the neighbouring weeks' ?from=
	Days       []day
	Entries    []schedule.Entry
	Errors     formErrors
}

// weekOf is the Monday 00:00 of t's week in zone.
func weekOf(t time.Time, zone *time.Location) time.Time {
	t = t.In(zone)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, zone)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// showSchedule is the forward schedule of change for one week, in the
// browser's zone: RFC windows and deployment waves, with the maintenance
// and blackout occurrences shaded, as a calendar and as a table.
func (u *UI) showSchedule(w http.ResponseWriter, r *http.Request) {
	zone := zoneOf(r)
	start := weekOf(u.Change.Now(), zone)
	var v scheduleView
	if s := r.URL.Query().Get("from"); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, zone)
		if err != nil {
			v.Errors = toFormErrors(errs.Field("from", "must be a date like 2026-01-02"))
			u.render(w, r, http.StatusBadRequest, "schedule", v)
			return
		}
		start = weekOf(t, zone)
	}
	v.From, v.To = start, start.AddDate(0, 0, 7)
	v.Prev, v.Next = start.AddDate(0, 0, -7).Format("2006-01-02"), v.To.Format("2006-01-02")
	p, err := u.Schedule.ForwardSchedule(r.Context(), from(r.Context()).actor,
		schedule.ScheduleFilter{From: v.From.UTC(), To: v.To.UTC(), CI: r.URL.Query().Get("ci")})
	if err != nil {
		if errs.Is(err, errs.Invalid) {
			v.Errors = toFormErrors(err)
			u.render(w, r, http.StatusBadRequest, "schedule", v)
			return
		}
		u.fail(w, r, err)
		return
	}
	v.Entries = p.Items
	for i := 0; i < 7; i++ {
		d := day{Date: start.AddDate(0, 0, i)}
		end := d.Date.AddDate(0, 0, 1)
		for _, e := range p.Items {
			// An entry shows on every day it covers.
			if e.Start.Before(end) && e.End.After(d.Date) {
				d.Entries = append(d.Entries, e)
			}
		}
		v.Days = append(v.Days, d)
	}
	u.render(w, r, http.StatusOK, "schedule", v)
}
