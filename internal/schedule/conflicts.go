package schedule

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/identity"
)

type cmdbMembership = cmdb.Membership

func itoa(i int) string { return strconv.Itoa(i) }

// Conflict is change management's conflict: one collision of a span with
// the calendar.
type Conflict = change.Conflict

// AppliesTo reports whether the scope covers the CI.
func (s Scope) AppliesTo(m cmdb.Membership) bool {
	if s.All || slices.Contains(s.CIs, m.ID) || slices.Contains(s.CIs, m.Name) ||
		(m.Environment != "" && slices.Contains(s.Environments, m.Environment)) {
		return true
	}
	for _, g := range m.Groups {
		if slices.Contains(s.Groups, g) {
			return true
		}
	}
	return false
}

// DefaultImpactDepth is how far down the impact graph the conflict check
// looks by default; MaxImpactDepth caps it.
const (
	DefaultImpactDepth = 2
	MaxImpactDepth     = 6
)

// calendar is the windows that may matter in one span, each expanded once.
type calendar struct {
	from, to time.Time
	windows  []Window
	occ      map[string][]Occurrence
}

// loadCalendar loads every window that has not ended before from: a
// maintenance window that starts only after the span still makes its CIs
// ones with maintenance windows, outside of which they may not change.
func (s *Service) loadCalendar(ctx context.Context, tx Tx, from, to time.Time) (*calendar, error) {
	ws, err := tx.FindWindows(ctx, WindowFilter{From: &from})
	if err != nil {
		return nil, err
	}
	c := &calendar{from: from, to: to, windows: ws, occ: map[string][]Occurrence{}}
	for _, w := range ws {
		if c.occ[w.ID], err = w.Occurrences(from, to); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ciConflicts lists the blackouts over the CI in the span and, when it has
// maintenance windows at all, the lack of one covering the span. A window
// applies to a CI even when it has no occurrence in the span: a CI with a
// Saturday-night window is outside maintenance on a Tuesday.
func (c *calendar) ciConflicts(m cmdb.Membership, all []Window, via string, depth int) []Conflict {
	var out []Conflict
	var maintenance []Occurrence
	hasMaintenance := false
	for _, w := range all {
		if !w.Scope.AppliesTo(m) {
			continue
		}
		switch w.Kind {
		case Blackout:
			for _, o := range c.occ[w.ID] {
				out = append(out, Conflict{CIID: m.ID, CIName: m.Name, Via: via, Depth: depth, Reason: change.ConflictBlackout,
					Blocking: true, OtherType: "window", OtherID: w.ID, OtherName: w.Name,
					Start: later(o.Start, c.from), End: earlier(o.End, c.to)})
			}
		case Maintenance:
			hasMaintenance = true
			maintenance = append(maintenance, c.occ[w.ID]...)
		}
	}
	if hasMaintenance {
		if gapStart, gapEnd, ok := firstGap(maintenance, c.from, c.to); ok {
			out = append(out, Conflict{CIID: m.ID, CIName: m.Name, Via: via, Depth: depth,
				Reason: change.ConflictOutsideMaintenance, Blocking: via == "", Start: gapStart, End: gapEnd})
		}
	}
	return out
}

// firstGap finds the first part of [from, to) that no occurrence covers.
func firstGap(occ []Occurrence, from, to time.Time) (time.Time, time.Time, bool) {
	occ = slices.Clone(occ)
	slices.SortFunc(occ, func(a, b Occurrence) int { return a.Start.Compare(b.Start) })
	cur := from
	for _, o := range occ {
		if o.Start.After(cur) {
			return cur, earlier(o.Start, to), true
		}
		if o.End.After(cur) {
			cur = o.End
		}
		if !cur.Before(to) {
			return time.Time{}, time.Time{}, false
		}
	}
	if cur.Before(to) {
		return cur, to, true
	}
	return time.Time{}, time.Time{}, false
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// SpanConflicts checks a span over CIs against the windows: blackouts over
// any of them, and the CIs with maintenance windows none of which covers
// the span. For another capability's use case (a release's deployment
// wave), which has checked its caller: called with its ctx, it runs inside
// its transaction. Ids that name no CI are left out.
func (s *Service) SpanConflicts(ctx context.Context, ciIDs []string, from, to time.Time) ([]Conflict, error) {
	if len(ciIDs) == 0 || !to.After(from) {
		return nil, nil
	}
	var out []Conflict
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		ms, err := s.cis.CIMemberships(ctx, ciIDs)
		if err != nil {
			return err
		}
		cal, err := s.loadCalendar(ctx, tx, from, to)
		if err != nil {
			return err
		}
		for _, m := range ms {
			out = append(out, cal.ciConflicts(m, cal.windows, "", 0)...)
		}
		return nil
	})
	return out, err
}

// overlapStates are the RFCs whose windows another change must not
// collide with unnoticed.
var overlapStates = []change.State{change.StateApproved, change.StateScheduled, change.StateImplementing}

// WindowConflicts implements change.ConflictChecker: r's window w, over
// its affected CIs and the CIs depending on them down to
// DefaultImpactDepth, against the windows, the other RFCs and the
// deployment waves.
func (s *Service) WindowConflicts(ctx context.Context, r change.RFC, w change.Window) ([]Conflict, error) {
	return s.windowConflicts(ctx, r, w, DefaultImpactDepth)
}

func (s *Service) windowConflicts(ctx context.Context, r change.RFC, w change.Window, depth int) ([]Conflict, error) {
	if len(r.AffectedCIs) == 0 || !w.End.After(w.Start) {
		return nil, nil
	}
	var out []Conflict
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		deps, err := s.cis.Dependants(ctx, r.AffectedCIs, depth)
		if err != nil {
			return err
		}
		via := map[string]cmdb.ImpactHit{}
		ids := slices.Clone(r.AffectedCIs)
		for _, d := range deps {
			via[d.CI.ID] = d
			ids = append(ids, d.CI.ID)
		}
		ms, err := s.cis.CIMemberships(ctx, ids)
		if err != nil {
			return err
		}
		cal, err := s.loadCalendar(ctx, tx, w.Start, w.End)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, m := range ms {
			names[m.ID] = m.Name
		}
		for _, m := range ms {
			h, dependant := via[m.ID]
			root := ""
			if dependant {
				root = rootOf(h, via)
			}
			out = append(out, cal.ciConflicts(m, cal.windows, names[root], h.Depth)...)
		}
		overlaps, err := s.overlaps(ctx, tx, r.ID, ids, w.Start, w.End)
		if err != nil {
			return err
		}
		for _, o := range overlaps {
			h, dependant := via[o.CIID]
			o.CIName = names[o.CIID]
			if dependant {
				o.Via, o.Depth = names[rootOf(h, via)], h.Depth
			}
			out = append(out, o)
		}
		return nil
	})
	sortConflicts(out)
	return out, err
}

// rootOf follows a hit's parents back to the affected CI it was reached
// from.
func rootOf(h cmdb.ImpactHit, via map[string]cmdb.ImpactHit) string {
	for range MaxImpactDepth + 1 {
		p, ok := via[h.ParentID]
		if !ok {
			return h.ParentID
		}
		h = p
	}
	return h.ParentID
}

// overlaps lists the other RFCs and the waves touching ids in [from, to).
func (s *Service) overlaps(ctx context.Context, tx Tx, selfID string, ids []string, from, to time.Time) ([]Conflict, error) {
	rfcs, err := tx.FindPlannedRFCs(ctx, PlannedFilter{From: from, To: to, States: overlapStates, CIs: ids, ExcludeID: selfID})
	if err != nil {
		return nil, err
	}
	var out []Conflict
	for _, o := range rfcs {
		for _, ci := range o.CIs {
			if slices.Contains(ids, ci) {
				out = append(out, Conflict{CIID: ci, Reason: change.ConflictOverlap, OtherType: "rfc", OtherID: o.ID,
					OtherName: o.Ref() + " " + o.Title, Start: later(o.Window.Start, from), End: earlier(o.Window.End, to)})
			}
		}
	}
	if s.waves == nil {
		return out, nil
	}
	waves, err := s.waves.WavesBetween(ctx, from, to)
	if err != nil {
		return nil, err
	}
	for _, wv := range waves {
		for _, ci := range wv.CIs {
			if slices.Contains(ids, ci) {
				out = append(out, Conflict{CIID: ci, Reason: change.ConflictOverlap, OtherType: "wave", OtherID: wv.ID,
					OtherName: wv.Name, Start: later(wv.Start, from), End: earlier(wv.End, to)})
			}
		}
	}
	return out, nil
}

func sortConflicts(cs []Conflict) {
	slices.SortStableFunc(cs, func(a, b Conflict) int {
		if a.Depth != b.Depth {
			return a.Depth - b.Depth
		}
		if a.CIName != b.CIName {
			return cmpStr(a.CIName, b.CIName)
		}
		if a.Reason != b.Reason {
			return cmpStr(string(a.Reason), string(b.Reason))
		}
		return a.Start.Compare(b.Start)
	})
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// RFCConflicts is GET /changes/{id}/conflicts: the conflicts of an RFC's
// planned window down to depth steps of the impact graph (everyone but
// agents); none when it has no window.
func (s *Service) RFCConflicts(ctx context.Context, actor identity.Actor, idOrRef string, depth int) (change.RFC, []Conflict, error) {
	var r change.RFC
	var out []Conflict
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		if r, err = s.changes.GetRFC(ctx, actor, idOrRef); err != nil {
			return err
		}
		if r.Window == nil {
			return nil
		}
		out, err = s.windowConflicts(ctx, r, *r.Window, depth)
		return err
	})
	return r, out, err
}
