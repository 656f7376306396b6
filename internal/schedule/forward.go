package schedule

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

// EntryKind says what a forward-schedule entry is.
type EntryKind string

// The entry kinds.
const (
	EntryRFC         EntryKind = "rfc"
	EntryWave        EntryKind = "wave"
	EntryMaintenance EntryKind = "maintenance"
	EntryBlackout    EntryKind = "blackout"
)

// Entry is one line of the forward schedule of change: an RFC's window, a
// deployment wave, or a maintenance or blackout occurrence.
type Entry struct {
	Kind EntryKind
	// ID is the RFC's, the wave's or the window's id.
	ID string
	// UID is stable per RFC, wave and occurrence (the iCalendar UID).
	UID      string
	Title    string
	Ref      string
	State    string
	Start    time.Time
	End      time.Time
	TimeZone string
	CIs      []string
	// Sequence rises whenever the entry moves (the record's version).
	Sequence  int64
	Cancelled bool
}

// ScheduleFilter selects the forward schedule in [From, To).
type ScheduleFilter struct {
	From, To time.Time
	// CI and Group keep the entries touching that CI, or a CI of that
	// group (windows: those applying to it).
	CI    string
	Group string
	// States are the RFC states shown; empty means scheduled and
	// implementing.
	States []change.State
	// After is the keyset cursor (the last entry's key); Limit 0 means all.
	After string
	Limit int
}

// DefaultScheduleStates are the RFC states on the forward schedule.
var DefaultScheduleStates = []change.State{change.StateScheduled, change.StateImplementing}

// key orders entries by start, then kind and UID, and is the cursor.
func (e Entry) key() string {
	return e.Start.UTC().Format("20060102T150405.000000Z") + "|" + string(e.Kind) + "|" + e.UID
}

// ForwardSchedule is GET /schedule: the RFCs (and waves) planned and the
// window occurrences in the range, in order (everyone but agents).
func (s *Service) ForwardSchedule(ctx context.Context, actor identity.Actor, f ScheduleFilter) (page.Page[Entry], error) {
	if err := s.requireReader(ctx, actor, "schedule.read", "schedule", ""); err != nil {
		return page.Page[Entry]{}, err
	}
	if err := CheckRange(f.From, f.To); err != nil {
		return page.Page[Entry]{}, err
	}
	var out []Entry
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = s.entries(ctx, tx, f, false)
		return err
	})
	if err != nil {
		return page.Page[Entry]{}, err
	}
	if f.After != "" {
		key, ok := page.ParseText(f.After)
		if !ok {
			return page.Page[Entry]{}, errs.Field("cursor", "is not a cursor this API returned")
		}
		i, _ := slices.BinarySearchFunc(out, key, func(e Entry, k string) int { return cmp.Compare(e.key(), k) })
		for i < len(out) && out[i].key() <= key {
			i++
		}
		out = out[i:]
	}
	if f.Limit <= 0 {
		return page.Page[Entry]{Items: out}, nil
	}
	return page.Cut(out[:min(len(out), page.Fetch(f.Limit))], f.Limit, func(e Entry) string { return page.Text(e.key()) }), nil
}

// entries reads the schedule; for the feed (withCancelled) it adds
// cancelled RFCs (STATUS:CANCELLED) and leaves the window occurrences out.
func (s *Service) entries(ctx context.Context, tx Tx, f ScheduleFilter, withCancelled bool) ([]Entry, error) {
	var scope []string
	if f.CI != "" {
		scope = []string{f.CI}
	}
	if f.Group != "" {
		_, ids, err := s.cis.GroupMemberIDs(ctx, f.Group)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				return nil, errs.Field("group", "no group "+f.Group)
			}
			return nil, err
		}
		if len(ids) == 0 {
			return nil, nil
		}
		scope = append(scope, ids...)
	}
	states := f.States
	if len(states) == 0 {
		states = DefaultScheduleStates
	}
	if withCancelled && !slices.Contains(states, change.StateCancelled) {
		states = append(slices.Clone(states), change.StateCancelled)
	}
	rfcs, err := tx.FindPlannedRFCs(ctx, PlannedFilter{From: f.From, To: f.To, States: states, CIs: scope})
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, r := range rfcs {
		out = append(out, Entry{Kind: EntryRFC, ID: r.ID, UID: "rfc-" + r.ID + "@changeboard", Title: r.Ref() + " " + r.Title,
			Ref: r.Ref(), State: string(r.State), Start: r.Window.Start, End: r.Window.End, TimeZone: r.Window.TimeZone,
			CIs: r.CIs, Sequence: r.Version, Cancelled: r.State == change.StateCancelled})
	}
	if s.waves != nil {
		waves, err := s.waves.WavesBetween(ctx, f.From, f.To)
		if err != nil {
			return nil, err
		}
		for _, w := range waves {
			if scope != nil && !slices.ContainsFunc(w.CIs, func(ci string) bool { return slices.Contains(scope, ci) }) {
				continue
			}
			out = append(out, Entry{Kind: EntryWave, ID: w.ID, UID: "wave-" + w.ID + "@changeboard", Title: w.Name,
				State: w.State, Start: w.Start, End: w.End, TimeZone: "UTC", CIs: w.CIs, Sequence: w.Sequence})
		}
	}
	if !withCancelled {
		// The feed writes windows as recurring events, not occurrences.
		occ, err := s.occurrencesFor(ctx, tx, scope, f.From, f.To)
		if err != nil {
			return nil, err
		}
		out = append(out, occ...)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.key(), b.key()) })
	return out, nil
}

// occurrencesFor lists the window occurrences in the range, of the windows
// that apply to a CI of scope (all windows when scope is nil).
func (s *Service) occurrencesFor(ctx context.Context, tx Tx, scope []string, from, to time.Time) ([]Entry, error) {
	ws, err := tx.FindWindows(ctx, WindowFilter{From: &from, To: &to})
	if err != nil {
		return nil, err
	}
	if scope != nil {
		ms, err := s.cis.CIMemberships(ctx, scope)
		if err != nil {
			return nil, err
		}
		ws = slices.DeleteFunc(ws, func(w Window) bool {
			return !slices.ContainsFunc(ms, func(m cmdbMembership) bool { return w.Scope.AppliesTo(m) })
		})
	}
	var out []Entry
	for _, w := range ws {
		occ, err := w.Occurrences(from, to)
		if err != nil {
			return nil, err
		}
		for _, o := range occ {
			out = append(out, Entry{Kind: EntryKind(w.Kind), ID: w.ID,
				UID:   "window-" + w.ID + "-" + o.Start.UTC().Format("20060102T150405Z") + "@changeboard",
				Title: string(w.Kind) + ": " + w.Name, Start: o.Start, End: o.End, TimeZone: w.TimeZone, Sequence: w.Version})
		}
	}
	return out, nil
}
