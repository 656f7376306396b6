package schedule_test

import (
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/schedule"
)

// FuzzParseWindows feeds the iCalendar importer arbitrary documents: it
// must answer windows or an Invalid error naming fields, never panic, and
// every window it builds must expand a month without error or explosion.
func FuzzParseWindows(f *testing.F) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	w := schedule.Window{ID: "w", Name: "seed", Kind: schedule.Maintenance, Scope: schedule.Scope{All: true}, TimeZone: "Europe/Berlin",
		Start: time.Date(2026, 1, 3, 22, 0, 0, 0, berlin), Duration: 4 * time.Hour, RRule: "FREQ=MONTHLY;BYDAY=SA;BYSETPOS=2",
		ExDates: []time.Time{time.Date(2026, 2, 14, 22, 0, 0, 0, berlin)}, Version: 1}
	f.Add(schedule.ExportWindows([]schedule.Window{w}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	f.Add("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nDTSTART:20260101T000000Z\r\nDURATION:P1DT2H\r\nRRULE:FREQ=DAILY;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	f.Add("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;TZID=Mars/Base:20260101T000000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	f.Add("not a calendar")
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, doc string) {
		ins, err := schedule.ParseWindows(strings.NewReader(doc), schedule.ImportDefaults{Kind: schedule.Blackout, Scope: schedule.Scope{All: true}})
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("not an Invalid error: %v", err)
			}
			return
		}
		for _, in := range ins {
			w, err := in.Build()
			if err != nil {
				if !errs.Is(err, errs.Invalid) {
					t.Fatalf("build: not an Invalid error: %v", err)
				}
				continue
			}
			if _, err := w.Occurrences(from, from.AddDate(0, 1, 0)); err != nil && !errs.Is(err, errs.Invalid) {
				t.Fatalf("expand: %v", err)
			}
		}
	})
}
