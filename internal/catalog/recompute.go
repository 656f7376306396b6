package catalog

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
)

// RecomputeCI recomputes the verdicts of one CI from its last inventory.
// The job an inventory report enqueues (cmdb.InventoryReported, wired in
// internal/app) calls it after the report commits; it reads that CI's packages and the updates naming
// one of them, and writes only the verdicts that changed.
func (s *Service) RecomputeCI(ctx context.Context, ciID string) error {
	return s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := tx.LockHosts(ctx, []string{ciID}); err != nil {
			return err
		}
		h, err := tx.FindHost(ctx, ciID, true)
		if err != nil {
			return err
		}
		old, err := tx.FindResults(ctx, ciID, "")
		if err != nil {
			return err
		}
		var fresh []Result
		if h.InventoryAt != nil {
			targets, err := tx.FindTargetsFor(ctx, h)
			if err != nil {
				return err
			}
			if err := fillSuperseding(ctx, tx, targets); err != nil {
				return err
			}
			fresh = evaluateAll(targets, []Host{h}, s.now())
		}
		put, drop, byUpdate, _ := diffResults(old, fresh)
		if err := tx.SaveResults(ctx, put, drop); err != nil {
			return err
		}
		if err := tx.AddUpdateCounts(ctx, byUpdate); err != nil {
			return err
		}
		return tx.SetHostTotals(ctx, openTotals(ciID, fresh))
	})
}

// recomputeUpdate recomputes the verdicts of one update on the CIs whose
// inventory names one of its packages, inside the caller's transaction.
func (s *Service) recomputeUpdate(ctx context.Context, tx Tx, u Update) error {
	t := targetOf(u)
	targets := []Target{t}
	if err := fillSuperseding(ctx, tx, targets); err != nil {
		return err
	}
	hosts, err := tx.FindHostsFor(ctx, targets[0])
	if err != nil {
		return err
	}
	old, err := tx.FindResults(ctx, "", u.ID)
	if err != nil || (len(hosts) == 0 && len(old) == 0) {
		return err
	}
	ids := make([]string, 0, len(hosts)+len(old))
	for _, h := range hosts {
		ids = append(ids, h.ID)
	}
	for _, r := range old {
		ids = append(ids, r.CIID)
	}
	slices.Sort(ids)
	if err := tx.LockHosts(ctx, slices.Compact(ids)); err != nil {
		return err
	}
	// Read again under the locks: a CI's own recomputation may have
	// committed meanwhile.
	if old, err = tx.FindResults(ctx, "", u.ID); err != nil {
		return err
	}
	put, drop, _, byCI := diffResults(old, evaluateAll(targets, hosts, s.now()))
	if len(put)+len(drop) == 0 {
		return nil
	}
	if err := tx.SaveResults(ctx, put, drop); err != nil {
		return err
	}
	if u.State.Open() {
		if err := tx.AddHostTotals(ctx, byCI); err != nil {
			return err
		}
	}
	return tx.RecountUpdate(ctx, u.ID)
}

// recomputeChain recomputes u, whose successors changed, and the KB
// updates it supersedes, directly or not: a new superseding KB counts as
// installing each of them.
func (s *Service) recomputeChain(ctx context.Context, tx Tx, u Update) error {
	seen := map[string]bool{}
	queue := []Update{u}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if seen[cur.VendorID] {
			continue
		}
		seen[cur.VendorID] = true
		if cur.ID == u.ID || len(cur.KBs()) > 0 {
			if err := s.recomputeUpdate(ctx, tx, cur); err != nil {
				return err
			}
		}
		for _, v := range cur.Supersedes {
			older, err := tx.FindUpdate(ctx, v)
			if errs.Is(err, errs.NotFound) {
				continue
			}
			if err != nil {
				return err
			}
			queue = append(queue, older)
		}
	}
	return nil
}

func targetOf(u Update) Target {
	t := Target{UpdateID: u.ID, VendorID: u.VendorID, State: u.State}
	for _, p := range u.Packages {
		if p.Compared() {
			t.Packages = append(t.Packages, p)
		}
	}
	return t
}

// evaluateAll evaluates every target on every host and keeps the
// applicable verdicts.
func evaluateAll(targets []Target, hosts []Host, now time.Time) []Result {
	var out []Result
	for _, h := range hosts {
		h.indexPackages()
		for _, t := range targets {
			if v := Evaluate(t, h); v.Status != StatusNotApplicable {
				out = append(out, Result{CIID: h.ID, UpdateID: t.UpdateID, Verdict: v, EvaluatedAt: now, UpdateState: t.State})
			}
		}
	}
	return out
}

// fillSuperseding gives each KB target the KBs that supersede it, following
// superseded_by through the catalog's KB updates.
func fillSuperseding(ctx context.Context, tx Tx, targets []Target) error {
	if !slices.ContainsFunc(targets, func(t Target) bool {
		return slices.ContainsFunc(t.Packages, func(p FixedPackage) bool { return p.Kind == "kb" })
	}) {
		return nil
	}
	kbs, err := tx.FindKBUpdates(ctx)
	if err != nil {
		return err
	}
	byVendor := make(map[string]Update, len(kbs))
	for _, u := range kbs {
		byVendor[u.VendorID] = u
	}
	for i := range targets {
		start, ok := byVendor[targets[i].VendorID]
		if !ok {
			continue
		}
		seen := map[string]bool{start.VendorID: true}
		queue := slices.Clone(start.SupersededBy)
		for len(queue) > 0 {
			v := queue[0]
			queue = queue[1:]
			next, ok := byVendor[v]
			if !ok || seen[v] {
				continue
			}
			seen[v] = true
			for _, kb := range next.KBs() {
				targets[i].SupersedingKBs = append(targets[i].SupersedingKBs, SupersedingKB{KB: kb, VendorID: v})
			}
			queue = append(queue, next.SupersededBy...)
		}
	}
	return nil
}

// diffResults compares the stored verdicts with the fresh ones: what to
// write (new or changed), what to delete, and the count deltas per update
// and per CI (the latter over open updates only).
func diffResults(old, fresh []Result) (put, drop []Result, byUpdate, byCI []Counts) {
	key := func(r Result) string { return r.CIID + "\x00" + r.UpdateID }
	was := make(map[string]Result, len(old))
	for _, r := range old {
		was[key(r)] = r
	}
	du, dc := map[string]*Counts{}, map[string]*Counts{}
	move := func(r Result, sign int) {
		add(du, r.UpdateID, r.Status, sign)
		if r.UpdateState.Open() {
			add(dc, r.CIID, r.Status, sign)
		}
	}
	for _, r := range fresh {
		o, ok := was[key(r)]
		delete(was, key(r))
		if ok && o.Status == r.Status && o.Reason == r.Reason && slices.Equal(o.Evidence, r.Evidence) {
			continue
		}
		put = append(put, r)
		move(r, 1)
		if ok {
			move(o, -1)
		}
	}
	for _, o := range old {
		if _, gone := was[key(o)]; gone {
			drop = append(drop, o)
			move(o, -1)
		}
	}
	return put, drop, sortedCounts(du), sortedCounts(dc)
}

func add(m map[string]*Counts, k string, st Status, n int) {
	c := m[k]
	if c == nil {
		c = &Counts{Key: k}
		m[k] = c
	}
	switch st {
	case StatusInstalled:
		c.Installed += n
	case StatusRequired:
		c.Required += n
	case StatusUnknown:
		c.Unknown += n
	}
}

func sortedCounts(m map[string]*Counts) []Counts {
	out := make([]Counts, 0, len(m))
	for _, c := range m {
		if c.Installed != 0 || c.Required != 0 || c.Unknown != 0 {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b Counts) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

// openTotals counts a CI's verdicts over open updates.
func openTotals(ciID string, results []Result) Counts {
	m := map[string]*Counts{ciID: {Key: ciID}}
	for _, r := range results {
		if r.UpdateState.Open() {
			add(m, ciID, r.Status, 1)
		}
	}
	return *m[ciID]
}
