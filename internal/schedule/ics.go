package schedule

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/changeboard/changeboard/internal/errs"
)

// The iCalendar side of the calendar, through arran4/golang-ical: windows
// as recurring VEVENTs (RRULE, EXDATE, RDATE, DTSTART with TZID and the
// zone's VTIMEZONE), and the forward schedule as a feed.

const (
	icsLocal = "20060102T150405"
	icsUTC   = "20060102T150405Z"
	// The properties that carry what iCalendar has no word for, so that
	// an export imports back whole.
	propKind  = "X-CHANGEBOARD-KIND"
	propScope = "X-CHANGEBOARD-SCOPE"
	prodID    = "-//Changeboard//Forward schedule of change//EN"
)

func newCalendar(name string) *ics.Calendar {
	cal := ics.NewCalendarFor("Changeboard")
	cal.SetProductId(prodID)
	cal.SetMethod(ics.MethodPublish)
	cal.SetXWRCalName(name)
	return cal
}

// addWindowEvent writes w as one VEVENT whose UID is stable and whose
// SEQUENCE is its version.
func addWindowEvent(cal *ics.Calendar, w Window, stamp time.Time) {
	loc, err := w.Location()
	if err != nil {
		return
	}
	ev := cal.AddEvent("window-" + w.ID + "@changeboard")
	ev.SetDtStampTime(stamp)
	ev.SetSequence(int(w.Version))
	ev.SetSummary(string(w.Kind) + ": " + w.Name)
	if w.Description != "" {
		ev.SetDescription(w.Description)
	}
	tz := ics.WithTZID(w.TimeZone)
	ev.SetProperty(ics.ComponentPropertyDtStart, w.Start.In(loc).Format(icsLocal), tz)
	ev.SetProperty(ics.ComponentPropertyDtEnd, wallTime(floating(w.Start.In(loc)).Add(w.Duration), loc).Format(icsLocal), tz)
	if w.RRule != "" {
		ev.AddRrule(strings.TrimPrefix(w.RRule, "RRULE:"))
	}
	for _, d := range w.ExDates {
		ev.AddProperty(ics.ComponentPropertyExdate, d.In(loc).Format(icsLocal), tz)
	}
	for _, d := range w.RDates {
		ev.AddProperty(ics.ComponentPropertyRdate, d.In(loc).Format(icsLocal), tz)
	}
	ev.SetProperty(ics.ComponentPropertyCategories, strings.ToUpper(string(w.Kind)))
	if w.Kind == Maintenance {
		ev.SetTimeTransparency(ics.TransparencyTransparent)
	}
	ev.SetProperty(ics.ComponentProperty(propKind), string(w.Kind))
	scope, _ := json.Marshal(scopeOut(w.Scope))
	ev.SetProperty(ics.ComponentProperty(propScope), string(scope))
}

type scopeJSON struct {
	All          bool     `json:"all,omitempty"`
	CIs          []string `json:"cis,omitempty"`
	Groups       []string `json:"groups,omitempty"`
	Environments []string `json:"environments,omitempty"`
}

func scopeOut(s Scope) scopeJSON { return scopeJSON(s) }

// addTimezones adds one VTIMEZONE per zone used, with its transitions
// around year as yearly rules.
func addTimezones(cal *ics.Calendar, zones []string, year int) {
	slices.Sort(zones)
	for _, z := range slices.Compact(zones) {
		loc, err := time.LoadLocation(z)
		if err != nil || z == "UTC" {
			continue
		}
		tz := cal.AddTimezone(z)
		trans := transitions(loc, year)
		if len(trans) == 0 {
			_, off := time.Date(year, 1, 1, 0, 0, 0, 0, loc).Zone()
			name, _ := time.Date(year, 1, 1, 0, 0, 0, 0, loc).Zone()
			tz.Components = append(tz.Components, tzPart(&ics.Standard{}, "19700101T000000", off, off, name, ""))
			continue
		}
		for _, t := range trans {
			var part ics.Component = &ics.Standard{}
			if t.to > t.from {
				part = &ics.Daylight{}
			}
			tz.Components = append(tz.Components, tzPart(part, t.localStart, t.from, t.to, t.name, t.rule))
		}
	}
}

func tzPart(c ics.Component, start string, from, to int, name, rule string) ics.Component {
	var base *ics.ComponentBase
	switch p := c.(type) {
	case *ics.Standard:
		base = &p.ComponentBase
	case *ics.Daylight:
		base = &p.ComponentBase
	}
	base.SetProperty(ics.ComponentPropertyDtStart, start)
	base.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), offset(from))
	base.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), offset(to))
	if name != "" {
		base.SetProperty(ics.ComponentProperty(ics.PropertyTzname), name)
	}
	if rule != "" {
		base.SetProperty(ics.ComponentPropertyRrule, rule)
	}
	return c
}

func offset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec%3600/60)
}

type transition struct {
	localStart string
	from, to   int
	name       string
	rule       string
}

// transitions finds the zone's offset changes in year (Go's time package
// does not expose its rules) and writes each as a yearly rule on the same
// weekday of the month (the last one when it is in the month's last week).
func transitions(loc *time.Location, year int) []transition {
	var out []transition
	t := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	_, off := t.In(loc).Zone()
	for d := 0; d < 366; d++ {
		next := t.Add(24 * time.Hour)
		_, noff := next.In(loc).Zone()
		if noff != off {
			lo, hi := t, next
			for hi.Sub(lo) > time.Minute {
				mid := lo.Add(hi.Sub(lo) / 2)
				if _, o := mid.In(loc).Zone(); o == off {
					lo = mid
				} else {
					hi = mid
				}
			}
			at := hi.Truncate(time.Minute)
			local := at.Add(time.Duration(off) * time.Second).UTC()
			name, _ := at.In(loc).Zone()
			nth := (local.Day()-1)/7 + 1
			if local.Day()+7 > daysIn(local.Month(), local.Year()) {
				nth = -1
			}
			rule := fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(local.Month()), nth, strings.ToUpper(local.Weekday().String()[:2]))
			out = append(out, transition{localStart: local.Format(icsLocal), from: off, to: noff, name: name, rule: rule})
			off = noff
		}
		t = next
	}
	return out
}

func daysIn(m time.Month, y int) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// ExportWindows writes windows as an iCalendar document.
func ExportWindows(ws []Window, stamp time.Time) string {
	cal := newCalendar("Changeboard windows")
	zones := make([]string, 0, len(ws))
	year := stamp.Year()
	for _, w := range ws {
		zones = append(zones, w.TimeZone)
	}
	addTimezones(cal, zones, year)
	for _, w := range ws {
		addWindowEvent(cal, w, stamp)
	}
	return cal.Serialize()
}

// MaxImportEvents caps one import.
const MaxImportEvents = 500

// ImportDefaults are what an imported VEVENT without Changeboard's own
// properties gets.
type ImportDefaults struct {
	Kind  Kind
	Scope Scope
}

// ParseWindows reads the VEVENTs of an iCalendar document as window
// inputs: SUMMARY is the name, DTSTART (with TZID, or UTC) and DTEND or
// DURATION the first span, RRULE, EXDATE and RDATE the recurrence;
// X-CHANGEBOARD-KIND and X-CHANGEBOARD-SCOPE (as exported) or def the kind
// and scope. Errors name the event (events[i].field).
func ParseWindows(r io.Reader, def ImportDefaults) ([]WindowInput, error) {
	cal, err := ics.ParseCalendar(r)
	if err != nil {
		return nil, errs.Field("body", "is not an iCalendar document: "+err.Error())
	}
	events := cal.Events()
	if len(events) == 0 {
		return nil, errs.Field("body", "holds no VEVENT")
	}
	if len(events) > MaxImportEvents {
		return nil, errs.Field("body", fmt.Sprintf("at most %d events", MaxImportEvents))
	}
	var f errs.Fields
	out := make([]WindowInput, 0, len(events))
	for i, ev := range events {
		in, err := parseEvent(ev, def)
		if err != nil {
			for _, fe := range err.(*errs.Error).Fields {
				f.Add(fmt.Sprintf("events[%d].%s", i, fe.Field), fe.Reason)
			}
			continue
		}
		out = append(out, in)
	}
	return out, f.Err()
}

func propValue(ev *ics.VEvent, p ics.ComponentProperty) string {
	if prop := ev.GetProperty(p); prop != nil {
		return prop.Value
	}
	return ""
}

func parseEvent(ev *ics.VEvent, def ImportDefaults) (WindowInput, error) {
	in := WindowInput{Name: strings.TrimSpace(propValue(ev, ics.ComponentPropertySummary)),
		Description: propValue(ev, ics.ComponentPropertyDescription), Kind: string(def.Kind), Scope: def.Scope,
		RRule: propValue(ev, ics.ComponentPropertyRrule)}
	var f errs.Fields
	if k := propValue(ev, ics.ComponentProperty(propKind)); k != "" {
		in.Kind = k
		// The export prefixes the kind to the summary; the name is without.
		in.Name = strings.TrimPrefix(in.Name, k+": ")
	}
	if sc := propValue(ev, ics.ComponentProperty(propScope)); sc != "" {
		var s scopeJSON
		if err := json.Unmarshal([]byte(sc), &s); err != nil {
			f.Add(propScope, "must be the JSON scope Changeboard exports")
		}
		in.Scope = Scope(s)
	}
	start := ev.GetProperty(ics.ComponentPropertyDtStart)
	if start == nil {
		f.Add("DTSTART", "is required")
		return in, f.Err()
	}
	zone, startWall, err := icsTime(start)
	if err != nil {
		f.Add("DTSTART", err.Error())
		return in, f.Err()
	}
	in.TimeZone, in.Start = zone, startWall
	if end := ev.GetProperty(ics.ComponentPropertyDtEnd); end != nil {
		ez, ew, err := icsTime(end)
		switch {
		case err != nil:
			f.Add("DTEND", err.Error())
		case ez != zone:
			f.Add("DTEND", "must be in the zone of DTSTART")
		default:
			in.End = ew
		}
	} else if d := propValue(ev, ics.ComponentPropertyDuration); d != "" {
		minutes, err := icsDurationMinutes(d)
		if err != nil {
			f.Add("DURATION", err.Error())
		}
		in.DurationMinutes = &minutes
	} else {
		f.Add("DTEND", "DTEND or DURATION is required")
	}
	for name, p := range map[string]ics.ComponentProperty{"EXDATE": ics.ComponentPropertyExdate, "RDATE": ics.ComponentPropertyRdate} {
		for _, prop := range ev.GetProperties(p) {
			z, _, _ := icsTime(prop)
			for _, v := range strings.Split(prop.Value, ",") {
				one := *prop
				one.Value = v
				_, wall, err := icsTime(&one)
				if err != nil || (z != zone && z != "UTC") {
					f.Add(name, "must be a date-time in the zone of DTSTART")
					continue
				}
				if z == "UTC" && zone != "UTC" {
					t, _ := time.Parse(icsUTC, v)
					wall = t.Format(time.RFC3339)
				}
				if name == "EXDATE" {
					in.ExDates = append(in.ExDates, wall)
				} else {
					in.RDates = append(in.RDates, wall)
				}
			}
		}
	}
	return in, f.Err()
}

// icsTime reads a DATE-TIME property as its zone and wall clock
// (WallLayout); a UTC time is in zone UTC. Floating times and dates are
// refused: a window needs a zone.
func icsTime(p *ics.IANAProperty) (string, string, error) {
	v := strings.TrimSpace(p.Value)
	if tzid, ok := p.ICalParameters["TZID"]; ok && len(tzid) == 1 {
		t, err := time.Parse(icsLocal, v)
		if err != nil {
			return "", "", fmt.Errorf("must be a local date-time like 20260328T020000")
		}
		return tzid[0], t.Format(WallLayout), nil
	}
	if t, err := time.Parse(icsUTC, v); err == nil {
		return "UTC", t.Format(WallLayout), nil
	}
	return "", "", fmt.Errorf("must be a UTC date-time or carry a TZID")
}

// icsDurationMinutes reads an RFC 5545 duration such as PT2H30M or P1D.
func icsDurationMinutes(v string) (int, error) {
	bad := fmt.Errorf("must be an RFC 5545 duration such as PT2H")
	s, ok := strings.CutPrefix(strings.ToUpper(v), "P")
	if !ok || s == "" {
		return 0, bad
	}
	total, n, inTime := 0, -1, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if n < 0 {
				n = 0
			}
			n = n*10 + int(r-'0')
			if n > 1_000_000 {
				return 0, bad
			}
		case r == 'T' && !inTime && n < 0:
			inTime = true
		default:
			if n < 0 {
				return 0, bad
			}
			unit := map[rune]int{'W': 7 * 24 * 60, 'D': 24 * 60}
			if inTime {
				unit = map[rune]int{'H': 60, 'M': 1, 'S': 0}
			}
			m, ok := unit[r]
			if !ok {
				return 0, bad
			}
			total += n * m
			n = -1
		}
	}
	if n >= 0 || total <= 0 {
		return 0, bad
	}
	return total, nil
}
