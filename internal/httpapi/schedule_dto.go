package httpapi

import (
	"time"

	"github.com/changeboard/changeboard/internal/schedule"
)

type scopeDTO struct {
	All          bool     `json:"all"`
	CIs          []string `json:"cis"`
	Groups       []string `json:"groups"`
	Environments []string `json:"environments"`
}

type windowRecordDTO struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Description     string    `json:"description"`
	Kind            string    `json:"kind"`
	Scope           scopeDTO  `json:"scope"`
	TimeZone        string    `json:"time_zone"`
	Start           time.Time `json:"start"`
	LocalStart      string    `json:"local_start"`
	End             time.Time `json:"end"`
	DurationMinutes int       `json:"duration_minutes"`
	RRule           string    `json:"rrule"`
	ExDates         []string  `json:"exdates"`
	RDates          []string  `json:"rdates"`
	Recurs          bool      `json:"recurs"`
	LastEnd         *string   `json:"last_end"`
	Version         int64     `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func walls(ts []time.Time, loc *time.Location) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.In(loc).Format(schedule.WallLayout))
	}
	return out
}

func toWindowRecordDTO(w schedule.Window) windowRecordDTO {
	loc, err := w.Location()
	if err != nil {
		loc = time.UTC
	}
	d := windowRecordDTO{ID: w.ID, Name: w.Name, Description: w.Description, Kind: string(w.Kind),
		Scope: scopeDTO{All: w.Scope.All, CIs: nonNilStrings(w.Scope.CIs), Groups: nonNilStrings(w.Scope.Groups),
			Environments: nonNilStrings(w.Scope.Environments)},
		TimeZone: w.TimeZone, Start: w.Start.UTC(), LocalStart: w.Start.In(loc).Format(schedule.WallLayout),
		DurationMinutes: int(w.Duration / time.Minute), RRule: w.RRule,
		ExDates: walls(w.ExDates, loc), RDates: walls(w.RDates, loc), Recurs: w.RRule != "" || len(w.RDates) > 0,
		Version: w.Version, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
	if occ, err := w.Occurrences(w.Start, w.Start.Add(time.Minute)); err == nil && len(occ) > 0 {
		d.End = occ[0].End.UTC()
	} else {
		d.End = w.Start.Add(w.Duration).UTC()
	}
	if last := w.LastEnd(); last != nil {
		s := last.UTC().Format(time.RFC3339)
		d.LastEnd = &s
	}
	return d
}

// windowRequest is a window's definition: start with end or
// duration_minutes, times as RFC 3339 or the zone's wall clock.
type windowRequest struct {
	Name            string    `json:"name"`
	Description     string    `json:"description"`
	Kind            string    `json:"kind"`
	Scope           *scopeDTO `json:"scope"`
	TimeZone        string    `json:"time_zone"`
	Start           string    `json:"start"`
	End             string    `json:"end"`
	DurationMinutes *int      `json:"duration_minutes"`
	RRule           string    `json:"rrule"`
	ExDates         []string  `json:"exdates"`
	RDates          []string  `json:"rdates"`
}

func (s *scopeDTO) scope() schedule.Scope {
	if s == nil {
		return schedule.Scope{}
	}
	return schedule.Scope{All: s.All, CIs: s.CIs, Groups: s.Groups, Environments: s.Environments}
}

func (in windowRequest) input() schedule.WindowInput {
	return schedule.WindowInput{Name: in.Name, Description: in.Description, Kind: in.Kind, Scope: in.Scope.scope(),
		TimeZone: in.TimeZone, Start: in.Start, End: in.End, DurationMinutes: in.DurationMinutes, RRule: in.RRule,
		ExDates: in.ExDates, RDates: in.RDates}
}

type windowPatchRequest struct {
	Name            *string   `json:"name"`
	Description     *string   `json:"description"`
	Kind            *string   `json:"kind"`
	Scope           *scopeDTO `json:"scope"`
	TimeZone        *string   `json:"time_zone"`
	Start           *string   `json:"start"`
	End             *string   `json:"end"`
	DurationMinutes *int      `json:"duration_minutes"`
	RRule           *string   `json:"rrule"`
	ExDates         *[]string `json:"exdates"`
	RDates          *[]string `json:"rdates"`
}

type occurrenceDTO struct {
	WindowID   string    `json:"window_id"`
	WindowName string    `json:"window_name"`
	Kind       string    `json:"kind"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	LocalStart string    `json:"local_start"`
	LocalEnd   string    `json:"local_end"`
}

func toOccurrenceDTOs(occ []schedule.Occurrence, zone string) []occurrenceDTO {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	out := make([]occurrenceDTO, 0, len(occ))
	for _, o := range occ {
		out = append(out, occurrenceDTO{WindowID: o.WindowID, WindowName: o.WindowName, Kind: string(o.Kind),
			Start: o.Start.UTC(), End: o.End.UTC(), LocalStart: o.Start.In(loc).Format(schedule.WallLayout),
			LocalEnd: o.End.In(loc).Format(schedule.WallLayout)})
	}
	return out
}

type conflictDTO struct {
	CIID      string    `json:"ci_id"`
	CIName    string    `json:"ci_name"`
	Via       string    `json:"via,omitempty"`
	Depth     int       `json:"depth"`
	Reason    string    `json:"reason"`
	Blocking  bool      `json:"blocking"`
	OtherType string    `json:"other_type,omitempty"`
	OtherID   string    `json:"other_id,omitempty"`
	OtherName string    `json:"other_name,omitempty"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
}

func toConflictDTOs(cs []schedule.Conflict) []conflictDTO {
	out := make([]conflictDTO, 0, len(cs))
	for _, c := range cs {
		out = append(out, conflictDTO{CIID: c.CIID, CIName: c.CIName, Via: c.Via, Depth: c.Depth, Reason: string(c.Reason),
			Blocking: c.Blocking, OtherType: c.OtherType, OtherID: c.OtherID, OtherName: c.OtherName,
			Start: c.Start.UTC(), End: c.End.UTC()})
	}
	return out
}
