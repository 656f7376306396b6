// Package schedule is the calendar that change management, the CAB and
// release management share: maintenance and blackout windows with RFC 5545
// recurrence, their occurrences, the forward schedule of change, the
// conflict check of a planned span and the iCalendar import, export and
// feed. Like the other capabilities it is domain code without I/O: the use
// cases run in one transaction of the Tx this package declares.
package schedule

import (
	"fmt"
	"slices"
	"strings"
	"time"

	// Windows are expanded in their IANA zone on every machine, including
	// minimal containers without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/workflow"
)

// Kind says whether a window allows change or forbids it.
type Kind string

// The window kinds.
const (
	// Maintenance is when change may happen to the CIs in scope.
	Maintenance Kind = "maintenance"
	// Blackout is when no change may happen to the CIs in scope.
	Blackout Kind = "blackout"
)

// Kinds lists the window kinds.
func Kinds() []Kind { return []Kind{Blackout, Maintenance} }

// ParseKind reads a kind.
func ParseKind(s string) (Kind, error) { return workflow.ParseEnum("kind", s, Kinds()) }

// Scope says which CIs a window applies to: all of them, or those named,
// those in the groups named and those in the environments named.
type Scope struct {
	All          bool
	CIs          []string
	Groups       []string
	Environments []string
}

// Empty reports whether the scope names nothing.
func (s Scope) Empty() bool {
	return !s.All && len(s.CIs) == 0 && len(s.Groups) == 0 && len(s.Environments) == 0
}

// Window is a maintenance or blackout window: a first span in an IANA zone
// and, optionally, its RFC 5545 recurrence (RRULE, EXDATE, RDATE).
type Window struct {
	ID          string
	Name        string
	Description string
	Kind        Kind
	Scope       Scope
	// TimeZone is the IANA zone the window is expanded in.
	TimeZone string
	// Start is the first occurrence's start, in TimeZone (its wall clock is
	// what recurs).
	Start time.Time
	// Duration is the wall-clock length of an occurrence: a 02:00-04:00
	// window lasts from 02:00 to 04:00 on the clock, one hour on the night
	// the clocks go forward and three on the night they go back.
	Duration time.Duration
	// RRule is the recurrence rule without "RRULE:" (FREQ=WEEKLY;BYDAY=SA);
	// empty for a single span.
	RRule string
	// ExDates remove occurrences and RDates add some; both are starts in
	// TimeZone, compared by their wall clock.
	ExDates []time.Time
	RDates  []time.Time
	// Version is the optimistic concurrency token; the store bumps it.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Limits of a window's definition.
const (
	MaxNameLength        = 200
	MaxDescriptionLength = 2000
	MaxScopeEntries      = 1000
	MaxDates             = 500
	// MaxDuration is the longest occurrence: a blackout may cover a
	// quarter's close, not a year.
	MaxDuration = 92 * 24 * time.Hour
)

// Location loads the window's zone.
func (w Window) Location() (*time.Location, error) {
	if w.TimeZone == "" {
		return nil, errs.Field("time_zone", "is required")
	}
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil || w.TimeZone == "Local" {
		return nil, errs.Field("time_zone", "must be an IANA time zone such as Europe/Berlin")
	}
	return loc, nil
}

// Validate checks a window, naming each bad field.
func (w Window) Validate() error {
	var f errs.Fields
	if strings.TrimSpace(w.Name) == "" {
		f.Add("name", "is required")
	} else if len(w.Name) > MaxNameLength {
		f.Add("name", fmt.Sprintf("at most %d bytes", MaxNameLength))
	}
	if len(w.Description) > MaxDescriptionLength {
		f.Add("description", fmt.Sprintf("at most %d bytes", MaxDescriptionLength))
	}
	if _, err := ParseKind(string(w.Kind)); err != nil {
		f.Add("kind", "must be one of "+workflow.JoinEnum(Kinds()))
	}
	checkScope(&f, w.Scope)
	if _, err := w.Location(); err != nil {
		f = append(f, err.(*errs.Error).Fields...)
	}
	if w.Start.IsZero() {
		f.Add("start", "is required")
	} else if w.Start.Year() < 2000 || w.Start.Year() > 2199 {
		// Expansion walks from the start: a start in year 1 would make
		// every expansion walk two thousand years.
		f.Add("start", "must fall between the years 2000 and 2199")
	}
	switch {
	case w.Duration <= 0:
		f.Add("end", "must be after the start")
	case w.Duration > MaxDuration:
		f.Add("end", "an occurrence lasts at most 92 days")
	case w.Duration%time.Minute != 0:
		f.Add("end", "must be a whole number of minutes after the start")
	}
	if len(w.ExDates) > MaxDates {
		f.Add("exdates", fmt.Sprintf("at most %d", MaxDates))
	}
	if len(w.RDates) > MaxDates {
		f.Add("rdates", fmt.Sprintf("at most %d", MaxDates))
	}
	if len(f) == 0 && w.RRule != "" {
		if _, err := w.rule(time.Time{}); err != nil {
			f = append(f, err.(*errs.Error).Fields...)
		}
	}
	return f.Err()
}

func checkScope(f *errs.Fields, s Scope) {
	if s.Empty() {
		f.Add("scope", "must name all CIs, or CIs, groups or environments")
		return
	}
	if s.All && (len(s.CIs) > 0 || len(s.Groups) > 0 || len(s.Environments) > 0) {
		f.Add("scope.all", "a window for all CIs names no CIs, groups or environments")
	}
	for name, list := range map[string][]string{"scope.cis": s.CIs, "scope.groups": s.Groups, "scope.environments": s.Environments} {
		if len(list) > MaxScopeEntries {
			f.Add(name, fmt.Sprintf("at most %d entries", MaxScopeEntries))
			continue
		}
		for i, v := range list {
			if strings.TrimSpace(v) == "" || slices.Index(list, v) != i {
				f.Add(fmt.Sprintf("%s[%d]", name, i), "blank or repeated")
			}
		}
	}
}

// WallLayout is how the API and the store write a wall-clock time in a
// window's zone.
const WallLayout = "2006-01-02T15:04:05"

// ParseWall reads a time for field: RFC 3339 (an instant, shown on the
// zone's clock) or a wall-clock time without offset in loc.
func ParseWall(field, v string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.In(loc), nil
	}
	if t, err := time.ParseInLocation(WallLayout, v, time.UTC); err == nil {
		return wallTime(t, loc), nil
	}
	return time.Time{}, errs.Field(field, "must be an RFC 3339 time or a local time like 2026-03-29T02:00:00")
}
