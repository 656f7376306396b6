package schedule

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/changeboard/changeboard/internal/errs"
)

// Occurrence is one span of a window.
type Occurrence struct {
	WindowID   string
	WindowName string
	Kind       Kind
	Start, End time.Time
	// Sequence is the window's version: it rises whenever the window moves.
	Sequence int64
}

// MaxRange is the longest span one expansion may cover: a year and a bit,
// so that a request cannot make the server list ten years of a daily rule.
const MaxRange = 400 * 24 * time.Hour

// MaxOccurrences caps the occurrences of one window in one expansion.
const MaxOccurrences = 5000

// CheckRange checks a [from, to) range asked for, naming the fields.
func CheckRange(from, to time.Time) error {
	var f errs.Fields
	if from.IsZero() {
		f.Add("from", "is required")
	}
	if to.IsZero() {
		f.Add("to", "is required")
	}
	if len(f) == 0 {
		switch {
		case !to.After(from):
			f.Add("to", "must be after from")
		case to.Sub(from) > MaxRange:
			f.Add("to", fmt.Sprintf("the range may cover at most %d days", int(MaxRange/(24*time.Hour))))
		}
	}
	return f.Err()
}

// rule parses the window's RRULE with rrule-go in floating time: the
// start's wall clock in UTC, so that the library never meets a DST change
// (Go's time.Date resolves the missing and doubled hours inconsistently);
// the wall clocks it yields are placed in the zone by wallTime. UNTIL in
// UTC (…Z) is turned into the zone's wall clock first; the expansion also
// stops at until (floating), so that a rule that rarely or never matches
// (BYMONTH=2;BYMONTHDAY=31) cannot make rrule-go walk to the year 9999.
func (w Window) rule(until time.Time) (*rrule.RRule, error) {
	loc, err := w.Location()
	if err != nil {
		return nil, err
	}
	body := strings.TrimPrefix(strings.TrimSpace(w.RRule), "RRULE:")
	if strings.ContainsAny(body, "\r\n") || strings.Contains(strings.ToUpper(body), "DTSTART") {
		return nil, errs.Field("rrule", "must be one RRULE value, such as FREQ=WEEKLY;BYDAY=SA (the start is its own field)")
	}
	opt, err := rrule.StrToROptionInLocation(body, time.UTC)
	if err != nil {
		return nil, errs.Field("rrule", "is not an RFC 5545 recurrence rule: "+err.Error())
	}
	switch opt.Freq {
	case rrule.DAILY, rrule.WEEKLY, rrule.MONTHLY, rrule.YEARLY:
	default:
		// A window that recurs every hour or minute is no window; and it
		// would make every expansion enormous.
		return nil, errs.Field("rrule", "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
	}
	if len(opt.Byhour) > 0 || len(opt.Byminute) > 0 || len(opt.Bysecond) > 0 {
		return nil, errs.Field("rrule", "BYHOUR, BYMINUTE and BYSECOND are not supported: the start's time of day recurs")
	}
	if !opt.Until.IsZero() && untilIsUTC(body) {
		opt.Until = floating(opt.Until.In(loc))
	}
	opt.Dtstart = floating(w.Start.In(loc))
	if !until.IsZero() && (opt.Until.IsZero() || until.Before(opt.Until)) {
		opt.Until = until
	}
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return nil, errs.Field("rrule", "is not an RFC 5545 recurrence rule: "+err.Error())
	}
	return r, nil
}

func untilIsUTC(body string) bool {
	for _, part := range strings.Split(strings.ToUpper(body), ";") {
		if v, ok := strings.CutPrefix(part, "UNTIL="); ok {
			return strings.HasSuffix(v, "Z")
		}
	}
	return false
}

// floating is t's wall clock as the same wall clock in UTC.
func floating(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// wallTime places the wall clock f (floating, in UTC) in loc by RFC 5545
// §3.3.5: a time in a gap (the night the clocks go forward) takes the
// offset before the gap, so 02:30 becomes 03:30 summer time; a time that
// happens twice (the night they go back) is the first of the two.
func wallTime(f time.Time, loc *time.Location) time.Time {
	// The offsets a day before and after bracket any transition near f.
	_, offBefore := f.Add(-24 * time.Hour).In(loc).Zone()
	_, offAfter := f.Add(24 * time.Hour).In(loc).Zone()
	first := f.Add(-time.Duration(offBefore) * time.Second).In(loc)
	if floating(first).Equal(f) {
		// f exists with the earlier offset: when it exists with both (a
		// doubled hour), this is the first of the two.
		return first
	}
	second := f.Add(-time.Duration(offAfter) * time.Second).In(loc)
	if floating(second).Equal(f) {
		return second
	}
	// In a gap: the offset before it.
	return first
}

// Unbounded reports whether the window recurs for ever.
func (w Window) Unbounded() bool {
	if w.RRule == "" {
		return false
	}
	up := strings.ToUpper(w.RRule)
	return !strings.Contains(up, "COUNT=") && !strings.Contains(up, "UNTIL=")
}

// Occurrences expands the window into the occurrences that overlap
// [from, to), in order. RRULE expansion is rrule-go's, in floating time;
// this adds what RFC 5545 leaves to the calendar: the wall clocks placed in
// the window's zone (wallTime), EXDATE and RDATE compared by wall clock, and
// each occurrence's end at the start's wall clock plus the duration.
func (w Window) Occurrences(from, to time.Time) ([]Occurrence, error) {
	loc, err := w.Location()
	if err != nil {
		return nil, err
	}
	// An occurrence that starts before from may still reach into it; a day
	// either side covers any zone offset between floating and real time.
	after := floating(from.Add(-w.Duration).In(loc)).Add(-24 * time.Hour)
	before := floating(to.In(loc)).Add(24 * time.Hour)
	var walls []time.Time
	if w.RRule == "" {
		walls = []time.Time{floating(w.Start.In(loc))}
	} else {
		r, err := w.rule(before)
		if err != nil {
			return nil, err
		}
		if walls, err = between(r, after, before); err != nil {
			return nil, err
		}
	}
	for _, d := range w.RDates {
		walls = append(walls, floating(d.In(loc)))
	}
	excluded := map[time.Time]bool{}
	for _, d := range w.ExDates {
		excluded[floating(d.In(loc))] = true
	}
	var out []Occurrence
	seen := map[time.Time]bool{}
	for _, f := range walls {
		if excluded[f] || seen[f] {
			continue
		}
		seen[f] = true
		s, e := wallTime(f, loc), wallTime(f.Add(w.Duration), loc)
		if e.After(from) && s.Before(to) && e.After(s) {
			out = append(out, Occurrence{WindowID: w.ID, WindowName: w.Name, Kind: w.Kind, Start: s, End: e, Sequence: w.Version})
		}
	}
	slices.SortFunc(out, func(a, b Occurrence) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// between lists the rule's starts in [after, before), at most
// MaxOccurrences of them.
func between(r *rrule.RRule, after, before time.Time) ([]time.Time, error) {
	var out []time.Time
	next := r.Iterator()
	for {
		t, ok := next()
		if !ok || !t.Before(before) {
			return out, nil
		}
		if t.Before(after) {
			continue
		}
		if len(out) == MaxOccurrences {
			return nil, errs.Field("to", fmt.Sprintf("the range holds more than %d occurrences of one window: ask for a shorter one", MaxOccurrences))
		}
		out = append(out, t)
	}
}

// WallDuration is the wall-clock length from start to end, both read in
// loc: what Duration holds for a window given by its start and end.
func WallDuration(start, end time.Time, loc *time.Location) time.Duration {
	return floating(end.In(loc)).Sub(floating(start.In(loc)))
}
