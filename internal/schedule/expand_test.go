package schedule_test

import (
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/schedule"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// span is an expected occurrence in UTC, written by hand.
type span struct{ start, end string }

// TestOccurrences checks RRULE expansion against occurrence lists written
// by hand: the RFC 5545 §3.8.5.3 examples (America/New_York, 1997) and the
// nights the clocks change in 2026 in two zones.
func TestOccurrences(t *testing.T) {
	ny, berlin := "America/New_York", "Europe/Berlin"
	cases := []struct {
		name     string
		zone     string
		start    string // wall clock in zone
		duration time.Duration
		rule     string
		exdates  []string
		rdates   []string
		from, to string
		want     []span
	}{
		{name: "DailyCount10", zone: ny, start: "1997-09-02T09:00:00", duration: time.Hour, rule: "FREQ=DAILY;COUNT=10",
			from: "1997-01-01T00:00:00Z", to: "1998-01-01T00:00:00Z",
			want: []span{{"1997-09-02T13:00:00Z", "1997-09-02T14:00:00Z"}, {"1997-09-03T13:00:00Z", "1997-09-03T14:00:00Z"},
				{"1997-09-04T13:00:00Z", "1997-09-04T14:00:00Z"}, {"1997-09-05T13:00:00Z", "1997-09-05T14:00:00Z"},
				{"1997-09-06T13:00:00Z", "1997-09-06T14:00:00Z"}, {"1997-09-07T13:00:00Z", "1997-09-07T14:00:00Z"},
				{"1997-09-08T13:00:00Z", "1997-09-08T14:00:00Z"}, {"1997-09-09T13:00:00Z", "1997-09-09T14:00:00Z"},
				{"1997-09-10T13:00:00Z", "1997-09-10T14:00:00Z"}, {"1997-09-11T13:00:00Z", "1997-09-11T14:00:00Z"}}},
		{name: "EveryTenDaysCount5", zone: ny, start: "1997-09-02T09:00:00", duration: time.Hour, rule: "FREQ=DAILY;INTERVAL=10;COUNT=5",
			from: "1997-01-01T00:00:00Z", to: "1998-01-01T00:00:00Z",
			want: []span{{"1997-09-02T13:00:00Z", "1997-09-02T14:00:00Z"}, {"1997-09-12T13:00:00Z", "1997-09-12T14:00:00Z"},
				{"1997-09-22T13:00:00Z", "1997-09-22T14:00:00Z"}, {"1997-10-02T13:00:00Z", "1997-10-02T14:00:00Z"},
				{"1997-10-12T13:00:00Z", "1997-10-12T14:00:00Z"}}},
		{name: "WeeklyByDayUntil", zone: ny, start: "1997-09-02T09:00:00", duration: time.Hour,
			rule: "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH",
			from: "1997-01-01T00:00:00Z", to: "1998-01-01T00:00:00Z",
			want: []span{{"1997-09-02T13:00:00Z", "1997-09-02T14:00:00Z"}, {"1997-09-04T13:00:00Z", "1997-09-04T14:00:00Z"},
				{"1997-09-09T13:00:00Z", "1997-09-09T14:00:00Z"}, {"1997-09-11T13:00:00Z", "1997-09-11T14:00:00Z"},
				{"1997-09-16T13:00:00Z", "1997-09-16T14:00:00Z"}, {"1997-09-18T13:00:00Z", "1997-09-18T14:00:00Z"},
				{"1997-09-23T13:00:00Z", "1997-09-23T14:00:00Z"}, {"1997-09-25T13:00:00Z", "1997-09-25T14:00:00Z"},
				{"1997-09-30T13:00:00Z", "1997-09-30T14:00:00Z"}, {"1997-10-02T13:00:00Z", "1997-10-02T14:00:00Z"}}},
		{name: "MonthlyLastWorkDay", zone: ny, start: "1997-09-30T09:00:00", duration: time.Hour,
			rule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3",
			from: "1997-01-01T00:00:00Z", to: "1998-01-01T00:00:00Z",
			// 31 October is still EST-5? No: EDT ended on 26 October 1997.
			want: []span{{"1997-09-30T13:00:00Z", "1997-09-30T14:00:00Z"}, {"1997-10-31T14:00:00Z", "1997-10-31T15:00:00Z"},
				{"1997-11-28T14:00:00Z", "1997-11-28T15:00:00Z"}}},
		{name: "MonthlyThirdTueWedThu", zone: ny, start: "1997-09-04T09:00:00", duration: time.Hour,
			rule: "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
			from: "1997-01-01T00:00:00Z", to: "1998-01-01T00:00:00Z",
			want: []span{{"1997-09-04T13:00:00Z", "1997-09-04T14:00:00Z"}, {"1997-10-07T13:00:00Z", "1997-10-07T14:00:00Z"},
				{"1997-11-06T14:00:00Z", "1997-11-06T15:00:00Z"}}},
		{name: "ExDateAndRDate", zone: ny, start: "1997-09-02T09:00:00", duration: time.Hour, rule: "FREQ=DAILY;COUNT=4",
			exdates: []string{"1997-09-03T09:00:00", "1997-09-04T13:00:00Z"}, rdates: []string{"1997-09-10T09:00:00"},
			from: "1997-01-01T00:00:00Z", to: "1998-01-01T00:00:00Z",
			want: []span{{"1997-09-02T13:00:00Z", "1997-09-02T14:00:00Z"}, {"1997-09-05T13:00:00Z", "1997-09-05T14:00:00Z"},
				{"1997-09-10T13:00:00Z", "1997-09-10T14:00:00Z"}}},
		{name: "WeeklyAcrossNewYorkDSTEnd1997", zone: ny, start: "1997-10-19T09:00:00", duration: time.Hour, rule: "FREQ=WEEKLY;COUNT=3",
			from: "1997-01-01T00:00:00Z", to: "1998-01-01T00:00:00Z",
			want: []span{{"1997-10-19T13:00:00Z", "1997-10-19T14:00:00Z"}, {"1997-10-26T14:00:00Z", "1997-10-26T15:00:00Z"},
				{"1997-11-02T14:00:00Z", "1997-11-02T15:00:00Z"}}},
		// 02:00-04:00 in Berlin: on 29 March 2026 02:00 does not exist (it
		// starts at 03:00 CEST, one hour long); on 25 October 2026 02:00
		// happens twice (the first, CEST, counts: three hours long).
		{name: "BerlinSpringForward2026", zone: berlin, start: "2026-03-28T02:00:00", duration: 2 * time.Hour, rule: "FREQ=DAILY;COUNT=3",
			from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z",
			want: []span{{"2026-03-28T01:00:00Z", "2026-03-28T03:00:00Z"}, {"2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"},
				{"2026-03-30T00:00:00Z", "2026-03-30T02:00:00Z"}}},
		{name: "BerlinFallBack2026", zone: berlin, start: "2026-10-24T02:00:00", duration: 2 * time.Hour, rule: "FREQ=DAILY;UNTIL=20261026T235959Z",
			from: "2026-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z",
			want: []span{{"2026-10-24T00:00:00Z", "2026-10-24T02:00:00Z"}, {"2026-10-25T00:00:00Z", "2026-10-25T03:00:00Z"},
				{"2026-10-26T01:00:00Z", "2026-10-26T03:00:00Z"}}},
		// 01:30-02:30 in New York: on 8 March 2026 02:30 does not exist
		// (the end moves to 03:30 EDT); on 1 November 2026 01:30 happens
		// twice (the first, EDT, counts).
		{name: "NewYorkSpringForward2026", zone: ny, start: "2026-03-07T01:30:00", duration: time.Hour, rule: "FREQ=DAILY;COUNT=3",
			from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z",
			want: []span{{"2026-03-07T06:30:00Z", "2026-03-07T07:30:00Z"}, {"2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"},
				{"2026-03-09T05:30:00Z", "2026-03-09T06:30:00Z"}}},
		{name: "NewYorkFallBack2026", zone: ny, start: "2026-10-31T01:30:00", duration: time.Hour, rule: "FREQ=DAILY;COUNT=3",
			from: "2026-10-01T00:00:00Z", to: "2026-12-01T00:00:00Z",
			want: []span{{"2026-10-31T05:30:00Z", "2026-10-31T06:30:00Z"}, {"2026-11-01T05:30:00Z", "2026-11-01T07:30:00Z"},
				{"2026-11-02T06:30:00Z", "2026-11-02T07:30:00Z"}}},
		{name: "RangeCutsAndReachesBack", zone: berlin, start: "2026-01-05T22:00:00", duration: 4 * time.Hour, rule: "FREQ=WEEKLY;BYDAY=MO",
			from: "2026-01-13T00:00:00Z", to: "2026-01-20T00:00:00Z",
			// The 12 January occurrence (21:00Z-01:00Z) reaches into the range.
			want: []span{{"2026-01-12T21:00:00Z", "2026-01-13T01:00:00Z"}, {"2026-01-19T21:00:00Z", "2026-01-20T01:00:00Z"}}},
		{name: "Single", zone: berlin, start: "2026-12-24T00:00:00", duration: 48 * time.Hour,
			from: "2026-12-01T00:00:00Z", to: "2027-01-01T00:00:00Z",
			want: []span{{"2026-12-23T23:00:00Z", "2026-12-25T23:00:00Z"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustZone(t, tc.zone)
			start, err := schedule.ParseWall("start", tc.start, loc)
			if err != nil {
				t.Fatal(err)
			}
			w := schedule.Window{ID: "w", Name: tc.name, Kind: schedule.Maintenance, TimeZone: tc.zone, Start: start,
				Duration: tc.duration, RRule: tc.rule}
			for _, d := range tc.exdates {
				x, _ := schedule.ParseWall("exdates", d, loc)
				w.ExDates = append(w.ExDates, x)
			}
			for _, d := range tc.rdates {
				x, _ := schedule.ParseWall("rdates", d, loc)
				w.RDates = append(w.RDates, x)
			}
			from, _ := time.Parse(time.RFC3339, tc.from)
			to, _ := time.Parse(time.RFC3339, tc.to)
			occ, err := w.Occurrences(from, to)
			if err != nil {
				t.Fatal(err)
			}
			var got []span
			for _, o := range occ {
				got = append(got, span{o.Start.UTC().Format(time.RFC3339), o.End.UTC().Format(time.RFC3339)})
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d occurrences %v, want %d %v", len(got), got, len(tc.want), tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("occurrence %d: %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	ok := schedule.Window{Name: "Saturday nights", Kind: schedule.Maintenance, Scope: schedule.Scope{All: true},
		TimeZone: "Europe/Berlin", Start: time.Date(2026, 1, 3, 22, 0, 0, 0, berlin), Duration: 4 * time.Hour,
		RRule: "FREQ=WEEKLY;BYDAY=SA"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("OK: %v", err)
	}
	cases := map[string]struct {
		change func(*schedule.Window)
		field  string
	}{
		"ErrInvalidRRule":    {func(w *schedule.Window) { w.RRule = "FREQ=FORTNIGHTLY" }, "rrule"},
		"ErrRRuleGarbage":    {func(w *schedule.Window) { w.RRule = "BYDAY=XX;;" }, "rrule"},
		"ErrMinutely":        {func(w *schedule.Window) { w.RRule = "FREQ=MINUTELY" }, "rrule"},
		"ErrDTStartInRule":   {func(w *schedule.Window) { w.RRule = "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY" }, "rrule"},
		"ErrUnknownZone":     {func(w *schedule.Window) { w.TimeZone = "Mars/Olympus_Mons" }, "time_zone"},
		"ErrEndBeforeStart":  {func(w *schedule.Window) { w.Duration = -time.Hour }, "end"},
		"ErrNoScope":         {func(w *schedule.Window) { w.Scope = schedule.Scope{} }, "scope"},
		"ErrKind":            {func(w *schedule.Window) { w.Kind = "holiday" }, "kind"},
		"ErrAncientStart":    {func(w *schedule.Window) { w.Start = time.Date(1, 1, 1, 0, 0, 0, 0, berlin) }, "start"},
		"ErrRepeatedCI":      {func(w *schedule.Window) { w.Scope = schedule.Scope{CIs: []string{"a", "a"}} }, "scope.cis[1]"},
		"ErrSecondsDuration": {func(w *schedule.Window) { w.Duration = time.Hour + time.Second }, "end"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w := ok
			tc.change(&w)
			err := w.Validate()
			var e *errs.Error
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("got %v, want invalid", err)
			}
			e = err.(*errs.Error)
			found := false
			for _, f := range e.Fields {
				found = found || f.Field == tc.field
			}
			if !found {
				t.Fatalf("fields %v do not name %s", e.Fields, tc.field)
			}
		})
	}
}

func TestCheckRange(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := schedule.CheckRange(from, from.AddDate(10, 0, 0)); err == nil || !strings.Contains(err.(*errs.Error).Fields[0].Reason, "at most") {
		t.Fatalf("ten years: %v", err)
	}
	if err := schedule.CheckRange(from, from.AddDate(0, 3, 0)); err != nil {
		t.Fatalf("a quarter: %v", err)
	}
}
