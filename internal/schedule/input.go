package schedule

import (
	"fmt"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
)

// WindowInput is a window as a caller writes it: times as RFC 3339 or as
// the zone's wall clock (2026-03-29T02:00:00), the length as an end or a
// number of minutes. Build turns it into a Window.
type WindowInput struct {
	Name            string
	Description     string
	Kind            string
	Scope           Scope
	TimeZone        string
	Start           string
	End             string
	DurationMinutes *int
	RRule           string
	ExDates         []string
	RDates          []string
}

// Build parses and checks the input, naming every bad field.
func (in WindowInput) Build() (Window, error) {
	w := Window{Name: in.Name, Description: in.Description, Kind: Kind(in.Kind), Scope: in.Scope,
		TimeZone: in.TimeZone, RRule: in.RRule}
	var f errs.Fields
	loc, err := w.Location()
	if err != nil {
		f = append(f, err.(*errs.Error).Fields...)
		if verr := w.Validate(); verr != nil {
			f = append(f, fieldsOf(verr, "time_zone", "start", "end")...)
		}
		return w, f.Err()
	}
	if in.Start == "" {
		f.Add("start", "is required")
	} else if t, err := ParseWall("start", in.Start, loc); err != nil {
		f = append(f, err.(*errs.Error).Fields...)
	} else {
		w.Start = t
	}
	switch {
	case in.End != "" && in.DurationMinutes != nil:
		f.Add("end", "give end or duration_minutes, not both")
	case in.End != "":
		if t, err := ParseWall("end", in.End, loc); err != nil {
			f = append(f, err.(*errs.Error).Fields...)
		} else if !w.Start.IsZero() {
			if !t.After(w.Start) {
				f.Add("end", "must be after the start")
			}
			w.Duration = WallDuration(w.Start, t, loc)
		}
	case in.DurationMinutes != nil:
		if *in.DurationMinutes <= 0 {
			f.Add("duration_minutes", "must be positive")
		}
		w.Duration = time.Duration(*in.DurationMinutes) * time.Minute
	default:
		f.Add("end", "end or duration_minutes is required")
	}
	w.ExDates = parseWalls(&f, "exdates", in.ExDates, loc)
	w.RDates = parseWalls(&f, "rdates", in.RDates, loc)
	if len(f) > 0 {
		if verr := w.Validate(); verr != nil {
			f = append(f, fieldsOf(verr, "start", "end", "time_zone")...)
		}
		return w, dedupe(f).Err()
	}
	return w, w.Validate()
}

// fieldsOf lists err's fields but those named in skip.
func fieldsOf(err error, skip ...string) errs.Fields {
	e, ok := err.(*errs.Error)
	if !ok {
		return nil
	}
	var out errs.Fields
outer:
	for _, fe := range e.Fields {
		for _, s := range skip {
			if fe.Field == s {
				continue outer
			}
		}
		out = append(out, fe)
	}
	return out
}

func dedupe(f errs.Fields) errs.Fields {
	seen := map[errs.FieldError]bool{}
	var out errs.Fields
	for _, fe := range f {
		if !seen[fe] {
			seen[fe] = true
			out = append(out, fe)
		}
	}
	return out
}

func parseWalls(f *errs.Fields, field string, vs []string, loc *time.Location) []time.Time {
	var out []time.Time
	for i, v := range vs {
		t, err := ParseWall(field, v, loc)
		if err != nil {
			f.Add(fmt.Sprintf("%s[%d]", field, i), err.(*errs.Error).Fields[0].Reason)
			continue
		}
		out = append(out, t)
	}
	return out
}

// Input is the window written back as input: the start on the zone's wall
// clock and the length in minutes.
func (w Window) Input() WindowInput {
	loc, err := w.Location()
	if err != nil {
		loc = time.UTC
	}
	minutes := int(w.Duration / time.Minute)
	return WindowInput{Name: w.Name, Description: w.Description, Kind: string(w.Kind), Scope: w.Scope,
		TimeZone: w.TimeZone, Start: w.Start.In(loc).Format(WallLayout), DurationMinutes: &minutes, RRule: w.RRule,
		ExDates: wallStrings(w.ExDates, loc), RDates: wallStrings(w.RDates, loc)}
}

// WindowPatch changes the fields that are set; times are read in the
// window's zone after the patch.
type WindowPatch struct {
	Name            *string
	Description     *string
	Kind            *string
	Scope           *Scope
	TimeZone        *string
	Start           *string
	End             *string
	DurationMinutes *int
	RRule           *string
	ExDates         *[]string
	RDates          *[]string
	IfVersion       *int64
}

func (p WindowPatch) empty() bool {
	return p.Name == nil && p.Description == nil && p.Kind == nil && p.Scope == nil && p.TimeZone == nil &&
		p.Start == nil && p.End == nil && p.DurationMinutes == nil && p.RRule == nil && p.ExDates == nil && p.RDates == nil
}

func (p WindowPatch) apply(w Window) (Window, error) {
	in := w.Input()
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Name, p.Name)
	set(&in.Description, p.Description)
	set(&in.Kind, p.Kind)
	set(&in.TimeZone, p.TimeZone)
	set(&in.Start, p.Start)
	set(&in.RRule, p.RRule)
	if p.Scope != nil {
		in.Scope = *p.Scope
	}
	if p.End != nil {
		in.End, in.DurationMinutes = *p.End, nil
	}
	if p.DurationMinutes != nil {
		in.DurationMinutes = p.DurationMinutes
	}
	if p.ExDates != nil {
		in.ExDates = *p.ExDates
	}
	if p.RDates != nil {
		in.RDates = *p.RDates
	}
	out, err := in.Build()
	out.ID, out.Version, out.CreatedAt, out.UpdatedAt = w.ID, w.Version, w.CreatedAt, w.UpdatedAt
	return out, err
}
