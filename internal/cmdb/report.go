package cmdb

import (
	"context"
	"slices"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// ReportResult is what storing a report did.
type ReportResult struct {
	CI CI
	// Inventory is the stored inventory, without its packages.
	Inventory    Inventory
	PackageCount int
	Diff         PackageDiff
	// First is true when the CI had no inventory before.
	First bool
	// Unchanged is true for a repeat of the stored report (same time, same
	// packages): nothing was written.
	Unchanged bool
}

// ReportInventory stores an agent's full report for a CI, compared with
// the previous one; the difference is one audit event. Only an admin, or
// a user with the agent role whom the CI names as its agent, may report;
// any other caller is refused and the refusal audited. A report that
// changed the inventory enqueues InventoryReported in its transaction.
func (s *Service) ReportInventory(ctx context.Context, actor identity.Actor, idOrName string, r Report) (ReportResult, error) {
	const action = "ci.inventory"
	if err := s.guard.Require(ctx, actor, action, "ci", idOrName, identity.Agent, identity.Admin); err != nil {
		return ReportResult{}, err
	}
	if err := r.Validate(s.now()); err != nil {
		return ReportResult{}, err
	}
	var res ReportResult
	var ciID string
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		c, err := tx.FindCI(ctx, idOrName)
		if err != nil {
			return err
		}
		ciID = c.ID
		if err := mayReport(c, actor); err != nil {
			return err
		}
		res, err = s.storeReport(ctx, tx, actor, c, r)
		res.CI = c
		return err
	})
	if err != nil {
		return ReportResult{}, s.guard.Refuse(ctx, actor, action, "ci", firstNonEmpty(ciID, idOrName), err)
	}
	return res, nil
}

// InventoryReported is the job a changed inventory report enqueues with
// it: the work that follows a report (the catalog recomputes the CI's
// compliance) runs after the report commits and is never lost.
type InventoryReported struct {
	CIID string `json:"ci_id"`
}

// Kind implements job.Args.
func (InventoryReported) Kind() string { return "cmdb.inventory_reported" }

// mayReport is the reporting rule: admins for any CI; agents for the CIs
// that name them; nobody for a retired CI.
func mayReport(c CI, actor identity.Actor) error {
	if !actor.Has(identity.Admin) && (c.AgentID == "" || c.AgentID != actor.UserID) {
		return errs.E(errs.Forbidden, "this agent does not report for CI %s", c.Name)
	}
	if c.State == StateRetired {
		return errs.E(errs.Conflict, "CI %s is retired", c.Name)
	}
	return nil
}

func (s *Service) storeReport(ctx context.Context, tx Tx, actor identity.Actor, c CI, r Report) (ReportResult, error) {
	prev, err := tx.FindInventory(ctx, c.ID)
	first := errs.Is(err, errs.NotFound)
	if err != nil && !first {
		return ReportResult{}, err
	}
	reported := r.ReportedAt.UTC().Truncate(time.Microsecond)
	d := DiffPackages(prev.Packages, r.Packages)
	if !first {
		switch {
		case reported.Before(prev.ReportedAt):
			return ReportResult{}, errs.E(errs.Conflict, "the stored inventory of %s is newer (reported at %s)",
				c.Name, prev.ReportedAt.Format(time.RFC3339Nano))
		case reported.Equal(prev.ReportedAt) && d.Empty():
			prev.Packages = nil
			return ReportResult{Inventory: prev, PackageCount: len(r.Packages), Diff: d, Unchanged: true}, nil
		case reported.Equal(prev.ReportedAt):
			return ReportResult{}, errs.E(errs.Conflict, "another report of %s has the same reported_at", c.Name)
		}
	}
	inv := Inventory{CIID: c.ID, ReportedAt: reported, ReceivedAt: s.stamp(),
		Packages: slices.SortedFunc(slices.Values(r.Packages), comparePackages), Version: prev.Version + 1}
	if err := tx.SaveInventory(ctx, &inv, d, prev.Version); err != nil {
		return ReportResult{}, err
	}
	ev := audit.Record{Actor: actor, Role: actor.PrimaryRole(identity.Agent, identity.Admin), Action: "ci.inventory",
		EntityType: "ci", EntityID: c.ID, After: reportView(inv, d)}
	if !first {
		ev.Before = map[string]any{"reported_at": prev.ReportedAt, "package_count": len(prev.Packages)}
	}
	if err := s.record(ctx, tx, ev); err != nil {
		return ReportResult{}, err
	}
	// Not unique by CI: a job already running may have read the previous
	// inventory. A recompute is idempotent, so a repeat costs only time.
	if err := tx.Enqueue(ctx, InventoryReported{CIID: c.ID}); err != nil {
		return ReportResult{}, err
	}
	inv.Packages = nil
	return ReportResult{Inventory: inv, PackageCount: len(r.Packages), Diff: d, First: first}, nil
}

// reportView is what the audit event keeps of a report: its times and the
// difference, not the whole list.
func reportView(inv Inventory, d PackageDiff) map[string]any {
	return map[string]any{"reported_at": inv.ReportedAt, "received_at": inv.ReceivedAt,
		"package_count": len(inv.Packages), "added": packagesView(d.Added), "removed": packagesView(d.Removed),
		"changed": changesView(d.Changed)}
}

func packagesView(ps []Package) []map[string]string {
	out := make([]map[string]string, len(ps))
	for i, p := range ps {
		out[i] = map[string]string{"kind": p.Kind, "name": p.Name, "architecture": p.Architecture, "version": p.Version}
	}
	return out
}

func changesView(cs []PackageChange) []map[string]string {
	out := make([]map[string]string, len(cs))
	for i, c := range cs {
		out[i] = map[string]string{"kind": c.Kind, "name": c.Name, "architecture": c.Architecture, "from": c.From, "to": c.To}
	}
	return out
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// GetInventory returns a CI's last inventory with its packages (everyone
// but agents).
func (s *Service) GetInventory(ctx context.Context, actor identity.Actor, idOrName string) (CI, Inventory, error) {
	if err := s.requireReader(ctx, actor, "ci.inventory.read", "ci", idOrName); err != nil {
		return CI{}, Inventory{}, err
	}
	var c CI
	var inv Inventory
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if c, err = tx.FindCI(ctx, idOrName); err != nil {
			return err
		}
		inv, err = tx.FindInventory(ctx, c.ID)
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.NotFound, "no inventory was reported for CI %s", c.Name)
		}
		return err
	})
	return c, inv, err
}
