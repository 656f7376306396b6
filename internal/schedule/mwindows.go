package schedule

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

func wallStrings(ts []time.Time, loc *time.Location) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.In(loc).Format(WallLayout))
	}
	return out
}

func (w Window) auditView() map[string]any {
	loc, _ := w.Location()
	if loc == nil {
		loc = time.UTC
	}
	return map[string]any{"id": w.ID, "name": w.Name, "description": w.Description, "kind": w.Kind,
		"scope": w.Scope, "time_zone": w.TimeZone, "start": w.Start.In(loc).Format(WallLayout),
		"duration_minutes": int(w.Duration / time.Minute), "rrule": w.RRule,
		"exdates": wallStrings(w.ExDates, loc), "rdates": wallStrings(w.RDates, loc), "version": w.Version}
}

// LastEnd is when the window's last occurrence ends, nil when it recurs for
// ever (or more often than one expansion may list).
func (w Window) LastEnd() *time.Time {
	if w.Unbounded() {
		return nil
	}
	occ, err := w.Occurrences(w.Start.Add(-w.Duration), w.Start.AddDate(200, 0, 0))
	if err != nil {
		return nil
	}
	for _, d := range w.RDates {
		occ = append(occ, Occurrence{End: wallTime(floating(d.In(w.Start.Location())).Add(w.Duration), w.Start.Location())})
	}
	last := w.Start.Add(w.Duration)
	for _, o := range occ {
		if o.End.After(last) {
			last = o.End
		}
	}
	last = last.UTC()
	return &last
}

func (s *Service) requireWriter(ctx context.Context, actor identity.Actor, action, id string) error {
	return s.guard.Require(ctx, actor, action, "window", id, writers...)
}

func (s *Service) requireReader(ctx context.Context, actor identity.Actor, action, entityType, id string) error {
	return s.guard.Require(ctx, actor, action, entityType, id, readers...)
}

// CreateWindow defines a maintenance or blackout window (change managers
// and admins).
func (s *Service) CreateWindow(ctx context.Context, actor identity.Actor, in WindowInput) (Window, error) {
	if err := s.requireWriter(ctx, actor, "window.create", ""); err != nil {
		return Window{}, err
	}
	w, err := in.Build()
	if err != nil {
		return Window{}, err
	}
	now := s.stamp()
	w.ID, w.Version, w.CreatedAt, w.UpdatedAt = newID(), 1, now, now
	err = s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := s.checkScopeExists(ctx, &w.Scope); err != nil {
			return err
		}
		if err := tx.CreateWindow(ctx, &w); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...),
			Action: "window.create", EntityType: "window", EntityID: w.ID, After: w.auditView()})
	})
	return w, err
}

// checkScopeExists names the first scope entry that is no CI or group,
// and keeps groups by id (a group named in the scope may be renamed).
func (s *Service) checkScopeExists(ctx context.Context, sc *Scope) error {
	if len(sc.CIs) > 0 {
		found, err := s.cis.CIMemberships(ctx, sc.CIs)
		if err != nil {
			return err
		}
		for i, id := range sc.CIs {
			if !slices.ContainsFunc(found, func(m cmdbMembership) bool { return m.ID == id }) {
				return errs.Field("scope.cis["+itoa(i)+"]", "no CI "+id)
			}
		}
	}
	for i, g := range sc.Groups {
		id, _, err := s.cis.GroupMemberIDs(ctx, g)
		if errs.Is(err, errs.NotFound) {
			return errs.Field("scope.groups["+itoa(i)+"]", "no group "+g)
		} else if err != nil {
			return err
		}
		sc.Groups[i] = id
	}
	if len(slices.Compact(slices.Sorted(slices.Values(sc.Groups)))) != len(sc.Groups) {
		return errs.Field("scope.groups", "names one group twice")
	}
	return nil
}

// UpdateWindow applies a PATCH with the version check; the window's
// version is the SEQUENCE of its occurrences in the iCalendar feed.
func (s *Service) UpdateWindow(ctx context.Context, actor identity.Actor, idOrName string, p WindowPatch) (Window, error) {
	if err := s.requireWriter(ctx, actor, "window.update", idOrName); err != nil {
		return Window{}, err
	}
	if p.empty() {
		return Window{}, errs.Field("body", "names no field to change")
	}
	var w Window
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		cur, err := tx.FindWindow(ctx, idOrName)
		if err != nil {
			return err
		}
		if p.IfVersion != nil && *p.IfVersion != cur.Version {
			return errs.E(errs.PreconditionFailed, "window %s is at version %d, not %d", cur.Name, cur.Version, *p.IfVersion)
		}
		if w, err = p.apply(cur); err != nil {
			return err
		}
		if err := s.checkScopeExists(ctx, &w.Scope); err != nil {
			return err
		}
		w.UpdatedAt = s.stamp()
		if err := tx.UpdateWindow(ctx, &w, cur.Version); err != nil {
			return err
		}
		b, a := audit.Diff(cur.auditView(), w.auditView())
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: "window.update",
			EntityType: "window", EntityID: w.ID, Before: b, After: a})
	})
	return w, err
}

// DeleteWindow removes a window (change managers and admins).
func (s *Service) DeleteWindow(ctx context.Context, actor identity.Actor, idOrName string, ifVersion *int64) error {
	if err := s.requireWriter(ctx, actor, "window.delete", idOrName); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		w, err := tx.FindWindow(ctx, idOrName)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != w.Version {
			return errs.E(errs.PreconditionFailed, "window %s is at version %d, not %d", w.Name, w.Version, *ifVersion)
		}
		if err := tx.DeleteWindow(ctx, w.ID, w.Version); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...), Action: "window.delete",
			EntityType: "window", EntityID: w.ID, Before: w.auditView()})
	})
}

// GetWindow returns one window by id or name (everyone but agents).
func (s *Service) GetWindow(ctx context.Context, actor identity.Actor, idOrName string) (Window, error) {
	if err := s.requireReader(ctx, actor, "window.read", "window", idOrName); err != nil {
		return Window{}, err
	}
	var w Window
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		w, err = tx.FindWindow(ctx, idOrName)
		return err
	})
	return w, err
}

// ListWindows pages through windows by name (everyone but agents).
func (s *Service) ListWindows(ctx context.Context, actor identity.Actor, f WindowFilter) (page.Page[Window], error) {
	if err := s.requireReader(ctx, actor, "window.list", "window", ""); err != nil {
		return page.Page[Window]{}, err
	}
	limit := f.Limit
	f.Limit = page.Fetch(limit)
	var out []Window
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindWindows(ctx, f)
		return err
	})
	return page.Cut(out, limit, func(v Window) string { return page.Text(v.Name) }), err
}

// WindowOccurrences expands one window over [from, to) (everyone but
// agents); the range is at most MaxRange.
func (s *Service) WindowOccurrences(ctx context.Context, actor identity.Actor, idOrName string, from, to time.Time) (Window, []Occurrence, error) {
	if err := s.requireReader(ctx, actor, "window.occurrences", "window", idOrName); err != nil {
		return Window{}, nil, err
	}
	if err := CheckRange(from, to); err != nil {
		return Window{}, nil, err
	}
	w, err := s.GetWindow(ctx, actor, idOrName)
	if err != nil {
		return w, nil, err
	}
	occ, err := w.Occurrences(from, to)
	return w, occ, err
}

// AppliedWindow is a window that applies to a CI, with its occurrences in
// the range asked for.
type AppliedWindow struct {
	Window      Window
	Occurrences []Occurrence
}

// CIWindows lists the windows that apply to one CI (directly, through its
// groups or its environment, or to all CIs) with their occurrences in
// [from, to), by name (everyone but agents).
func (s *Service) CIWindows(ctx context.Context, actor identity.Actor, ciID string, from, to time.Time) ([]AppliedWindow, error) {
	if err := s.requireReader(ctx, actor, "ci.windows", "ci", ciID); err != nil {
		return nil, err
	}
	if err := CheckRange(from, to); err != nil {
		return nil, err
	}
	var out []AppliedWindow
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		ms, err := s.cis.CIMemberships(ctx, []string{ciID})
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return errs.E(errs.NotFound, "CI %s not found", ciID)
		}
		ws, err := tx.FindWindows(ctx, WindowFilter{From: &from, To: &to})
		if err != nil {
			return err
		}
		for _, w := range ws {
			if !w.Scope.AppliesTo(ms[0]) {
				continue
			}
			occ, err := w.Occurrences(from, to)
			if err != nil {
				return err
			}
			out = append(out, AppliedWindow{Window: w, Occurrences: occ})
		}
		return nil
	})
	return out, err
}

func newID() string { return uuid.NewString() }
