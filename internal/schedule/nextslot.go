package schedule

import (
	"context"
	"slices"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// SlotHorizon is how far ahead NextSlot looks.
const SlotHorizon = 90 * 24 * time.Hour

// SlotQuery asks for the earliest free span of Duration after After, for
// the CIs named and those of Group.
type SlotQuery struct {
	CIs      []string
	Group    string
	Duration time.Duration
	After    time.Time
}

// span is a half-open interval [s, e).
type span struct{ s, e time.Time }

// normalize sorts and merges spans.
func normalize(in []span) []span {
	in = slices.DeleteFunc(slices.Clone(in), func(x span) bool { return !x.e.After(x.s) })
	slices.SortFunc(in, func(a, b span) int { return a.s.Compare(b.s) })
	var out []span
	for _, x := range in {
		if n := len(out); n > 0 && !x.s.After(out[n-1].e) {
			if x.e.After(out[n-1].e) {
				out[n-1].e = x.e
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

func intersect(a, b []span) []span {
	var out []span
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		s, e := later(a[i].s, b[j].s), earlier(a[i].e, b[j].e)
		if e.After(s) {
			out = append(out, span{s, e})
		}
		if a[i].e.Before(b[j].e) {
			i++
		} else {
			j++
		}
	}
	return out
}

func subtract(a, b []span) []span {
	var out []span
	for _, x := range a {
		cur := x.s
		for _, y := range b {
			if !y.e.After(cur) || !y.s.Before(x.e) {
				continue
			}
			if y.s.After(cur) {
				out = append(out, span{cur, y.s})
			}
			cur = later(cur, y.e)
		}
		if x.e.After(cur) {
			out = append(out, span{cur, x.e})
		}
	}
	return out
}

// NextSlot is GET /schedule/next-slot: the earliest span of the duration
// within SlotHorizon after q.After that is inside maintenance for every CI
// in scope that has maintenance windows, outside every blackout over them
// and their dependants, and free of other changes (approved, scheduled,
// implementing RFCs and waves) on them; NotFound when there is none
// (everyone but agents).
func (s *Service) NextSlot(ctx context.Context, actor identity.Actor, q SlotQuery) (time.Time, time.Time, error) {
	if err := s.requireReader(ctx, actor, "schedule.next_slot", "schedule", ""); err != nil {
		return time.Time{}, time.Time{}, err
	}
	var f errs.Fields
	if len(q.CIs) == 0 && q.Group == "" {
		f.Add("ci", "name a CI or a group")
	}
	if q.Duration <= 0 || q.Duration > MaxDuration {
		f.Add("duration", "must be a positive duration of at most 92 days, such as 2h or 90m")
	}
	if err := f.Err(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if q.After.IsZero() {
		q.After = s.now()
	}
	from, to := q.After.UTC(), q.After.UTC().Add(SlotHorizon)
	var slot span
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		ids := slices.Clone(q.CIs)
		if q.Group != "" {
			_, members, err := s.cis.GroupMemberIDs(ctx, q.Group)
			if errs.Is(err, errs.NotFound) {
				return errs.Field("group", "no group "+q.Group)
			} else if err != nil {
				return err
			}
			ids = append(ids, members...)
		}
		ms, err := s.cis.CIMemberships(ctx, ids)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return errs.Field("ci", "names no CI")
		}
		deps, err := s.cis.Dependants(ctx, ids, DefaultImpactDepth)
		if err != nil {
			return err
		}
		all := slices.Clone(ids)
		for _, d := range deps {
			all = append(all, d.CI.ID)
		}
		dms, err := s.cis.CIMemberships(ctx, all)
		if err != nil {
			return err
		}
		cal, err := s.loadCalendar(ctx, tx, from, to)
		if err != nil {
			return err
		}
		free := []span{{from, to}}
		for _, m := range ms {
			var maint []span
			has := false
			for _, w := range cal.windows {
				if w.Kind == Maintenance && w.Scope.AppliesTo(m) {
					has = true
					for _, o := range cal.occ[w.ID] {
						maint = append(maint, span{o.Start, o.End})
					}
				}
			}
			if has {
				free = intersect(free, normalize(maint))
			}
		}
		var busy []span
		for _, w := range cal.windows {
			if w.Kind != Blackout || !slices.ContainsFunc(dms, func(m cmdbMembership) bool { return w.Scope.AppliesTo(m) }) {
				continue
			}
			for _, o := range cal.occ[w.ID] {
				busy = append(busy, span{o.Start, o.End})
			}
		}
		overlaps, err := s.overlaps(ctx, tx, "", all, from, to)
		if err != nil {
			return err
		}
		for _, o := range overlaps {
			busy = append(busy, span{o.Start, o.End})
		}
		free = subtract(free, normalize(busy))
		for _, x := range free {
			if x.e.Sub(x.s) >= q.Duration {
				slot = span{x.s, x.s.Add(q.Duration)}
				return nil
			}
		}
		return errs.E(errs.NotFound, "no free span of %s within 90 days after %s", q.Duration, from.Format(time.RFC3339))
	})
	return slot.s, slot.e, err
}
