package catalog

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/changeboard/changeboard/internal/identity"
)

// SummaryData is what the store counts for the compliance summary.
type SummaryData struct {
	// CIs counts the CIs that are not retired; WithInventory those of them
	// with an inventory, Stale those whose inventory is older than the cutoff.
	CIs           int
	WithInventory int
	Stale         int
	// Updates are the open updates with their counts over fresh CIs.
	Updates []UpdateCounts
	// Groups are the CMDB groups with their members' counts.
	Groups []GroupCounts
}

// UpdateCounts is one update's verdicts over the CIs with a fresh inventory.
type UpdateCounts struct {
	UpdateID string
	VendorID string
	Title    string
	Severity Severity
	State    State
	Counts
}

// GroupCounts is one CMDB group's compliance over open updates.
type GroupCounts struct {
	ID   string
	Name string
	// CIs counts the members that are not retired; Fresh those with a fresh
	// inventory; Compliant the fresh ones that require no open update.
	CIs       int
	Fresh     int
	Compliant int
	// Counts are the members' verdicts (fresh CIs only).
	Counts
}

// Tally is a breakdown by status.
type Tally struct {
	Installed     int
	Required      int
	NotApplicable int
	Unknown       int
}

// UpdateSummary is one open update across the fleet.
type UpdateSummary struct {
	UpdateID string
	VendorID string
	Title    string
	Severity Severity
	State    State
	Tally
}

// SeveritySummary adds up the open updates of one severity.
type SeveritySummary struct {
	Severity Severity
	Updates  int
	Tally
}

// GroupSummary is one group's compliance.
type GroupSummary struct {
	GroupCounts
	// NonCompliant are fresh members requiring at least one open update;
	// Unknown the members without a fresh inventory.
	NonCompliant int
	UnknownCIs   int
}

// Summary is the fleet's compliance with the open (new and approved)
// updates: every CI that is not retired counts once per update, as
// installed, required, not applicable or unknown (no or stale inventory).
type Summary struct {
	GeneratedAt   time.Time
	MaxAge        time.Duration
	CIs           int
	WithInventory int
	Stale         int
	ByUpdate      []UpdateSummary
	BySeverity    []SeveritySummary
	ByGroup       []GroupSummary
}

// ComplianceSummary summarises compliance by update, by severity and by
// CMDB group, from the stored counts (no scan of the verdicts).
func (s *Service) ComplianceSummary(ctx context.Context, actor identity.Actor) (Summary, error) {
	if err := s.requireReader(ctx, actor, "compliance.summary", "compliance", ""); err != nil {
		return Summary{}, err
	}
	now := s.now()
	var d SummaryData
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		d, err = tx.ComplianceSummary(ctx, now.Add(-s.opt.InventoryMaxAge))
		return err
	})
	if err != nil {
		return Summary{}, err
	}
	return summarize(d, now, s.opt.InventoryMaxAge), nil
}

func summarize(d SummaryData, now time.Time, maxAge time.Duration) Summary {
	out := Summary{GeneratedAt: now, MaxAge: maxAge, CIs: d.CIs, WithInventory: d.WithInventory, Stale: d.Stale,
		ByUpdate: []UpdateSummary{}, BySeverity: []SeveritySummary{}, ByGroup: []GroupSummary{}}
	fresh := d.WithInventory - d.Stale
	bySeverity := map[Severity]*SeveritySummary{}
	for _, u := range d.Updates {
		t := Tally{Installed: u.Installed, Required: u.Required, Unknown: u.Unknown + d.CIs - fresh}
		t.NotApplicable = max(fresh-u.Installed-u.Required-u.Unknown, 0)
		out.ByUpdate = append(out.ByUpdate, UpdateSummary{UpdateID: u.UpdateID, VendorID: u.VendorID, Title: u.Title,
			Severity: u.Severity, State: u.State, Tally: t})
		sv := bySeverity[u.Severity]
		if sv == nil {
			sv = &SeveritySummary{Severity: u.Severity}
			bySeverity[u.Severity] = sv
		}
		sv.Updates++
		sv.Installed += t.Installed
		sv.Required += t.Required
		sv.NotApplicable += t.NotApplicable
		sv.Unknown += t.Unknown
	}
	for _, sev := range Severities() {
		if sv := bySeverity[sev]; sv != nil {
			out.BySeverity = append(out.BySeverity, *sv)
		}
	}
	for _, g := range d.Groups {
		out.ByGroup = append(out.ByGroup, GroupSummary{GroupCounts: g, NonCompliant: g.Fresh - g.Compliant, UnknownCIs: g.CIs - g.Fresh})
	}
	slices.SortStableFunc(out.ByUpdate, func(a, b UpdateSummary) int {
		return cmp.Or(cmp.Compare(b.Required, a.Required), cmp.Compare(a.VendorID, b.VendorID))
	})
	return out
}
