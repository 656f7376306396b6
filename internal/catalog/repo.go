package catalog

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/page"
)

// UpdateFilter selects updates for a list; zero fields select everything.
type UpdateFilter struct {
	State    State
	Severity Severity
	Source   Source
	// CVE selects updates that fix or describe this CVE id.
	CVE string
	// Product selects updates naming this product id, product name, CPE,
	// purl or fixed package name (case-insensitively, exactly).
	Product string
	// Query matches the title or the vendor id, case-insensitively.
	Query string
	// After is the keyset cursor: updates released before it (newest first).
	After *UpdateCursor
	Limit int
}

// UpdateCursor is a position in the list of updates, newest first.
type UpdateCursor struct {
	ReleasedAt time.Time
	ID         string
}

// UpdateRepository stores updates.
type UpdateRepository interface {
	CreateUpdate(ctx context.Context, u *Update) error
	// UpdateUpdate writes u if its stored version is still version, and
	// increments u.Version.
	UpdateUpdate(ctx context.Context, u *Update, version int64) error
	// FindUpdate finds by id or by vendor id.
	FindUpdate(ctx context.Context, idOrVendorID string) (Update, error)
	FindUpdates(ctx context.Context, f UpdateFilter) ([]Update, error)
	// FindUpdatesSuperseding returns the updates whose supersedes list
	// names vendorID.
	FindUpdatesSuperseding(ctx context.Context, vendorID string) ([]Update, error)
	// FindKBUpdates returns the updates with KB packages, for supersedence.
	FindKBUpdates(ctx context.Context) ([]Update, error)
	// FindUnimplementedRFCs returns the references of the RFCs approved but
	// not yet implementing that link the update (by id or vendor id).
	FindUnimplementedRFCs(ctx context.Context, u Update) ([]string, error)
}

// Result is a stored verdict: the compliance of one CI with one
// applicable update, as computed from the CI's inventory.
type Result struct {
	CIID     string
	UpdateID string
	Verdict
	// EvaluatedAt is when the verdict last changed.
	EvaluatedAt time.Time
	// UpdateState is the update's state when read (not stored here).
	UpdateState State
}

// Counts are the verdicts of one update (or one CI) by status.
type Counts struct {
	Key       string
	Installed int
	Required  int
	Unknown   int
}

// ResultQuery pages through the stored verdicts of one CI or one update.
type ResultQuery struct {
	// Status selects verdicts by their status as judged at Now.
	Status Status
	// Now and MaxAge judge freshness (see Judged).
	Now    time.Time
	MaxAge time.Duration
	// After is the keyset cursor: the vendor id (for a CI) or the CI name
	// (for an update) of the last item of the previous page.
	After string
	Limit int
}

// ResultView is a stored verdict with the update's and the CI's names and
// the inventory it came from, for the compliance lists.
type ResultView struct {
	Result
	CIName      string
	VendorID    string
	Title       string
	Severity    Severity
	InventoryAt *time.Time
}

// ComplianceRepository stores verdicts and their counts. Writers lock the
// CIs' rows (LockHosts, in id order) before the update counts, so that
// concurrent recomputations never deadlock and never lose a count.
type ComplianceRepository interface {
	// LockHosts takes the compliance locks of the CIs in id order; NotFound
	// when one of them is not a CI.
	LockHosts(ctx context.Context, ciIDs []string) error
	// FindHost reads a CI and, when withPackages, every package of its
	// last inventory; NotFound when there is no such CI.
	FindHost(ctx context.Context, ciID string, withPackages bool) (Host, error)
	// FindHostsFor reads the CIs whose inventory has a package that t
	// compares (any KB when t has KBs), with only those packages.
	FindHostsFor(ctx context.Context, t Target) ([]Host, error)
	// FindTargetsFor reads the updates with a compared fixed package that h
	// has (every KB update when h reports KBs).
	FindTargetsFor(ctx context.Context, h Host) ([]Target, error)
	// FindResults reads every stored verdict of a CI or of an update.
	FindResults(ctx context.Context, ciID, updateID string) ([]Result, error)
	// SaveResults writes put and deletes drop.
	SaveResults(ctx context.Context, put, drop []Result) error
	// AddUpdateCounts adds deltas to the per-update counts, in key order.
	AddUpdateCounts(ctx context.Context, deltas []Counts) error
	// RecountUpdate sets an update's counts from its stored verdicts.
	RecountUpdate(ctx context.Context, updateID string) error
	// SetHostTotals sets a CI's totals over open updates.
	SetHostTotals(ctx context.Context, totals Counts) error
	// AddHostTotals adds deltas to CIs' totals, in key order.
	AddHostTotals(ctx context.Context, deltas []Counts) error
	// ShiftHostTotals adds sign (±1) times the update's verdicts to the
	// totals of the CIs it has verdicts for, when it opens or closes.
	ShiftHostTotals(ctx context.Context, updateID string, sign int) error
	// FindCIResults and FindUpdateResults page through verdicts.
	FindCIResults(ctx context.Context, ciID string, q ResultQuery) ([]ResultView, error)
	FindUpdateResults(ctx context.Context, updateID string, q ResultQuery) ([]ResultView, error)
	// ComplianceSummary reads the counts the summary is built from: every
	// open update and every group.
	ComplianceSummary(ctx context.Context, cutoff time.Time) (SummaryData, error)
	// ComplianceSummaryOf reads the same for one update, whatever its
	// state, without groups.
	ComplianceSummaryOf(ctx context.Context, cutoff time.Time, updateID string) (SummaryData, error)
	// FindRequiringCIs returns the CIs (of the group, when given) whose
	// fresh verdict for one of the updates is required, sorted.
	FindRequiringCIs(ctx context.Context, updateIDs []string, groupID string, cutoff time.Time) ([]string, error)
}

// EncodeUpdateCursor makes the opaque keyset cursor of the list of updates
// after u: "unix seconds|id".
func EncodeUpdateCursor(u Update) string {
	return page.Text(strconv.FormatInt(u.ReleasedAt.Unix(), 10) + "|" + u.ID)
}

// DecodeUpdateCursor reverses EncodeUpdateCursor; nil for a cursor it did
// not make.
func DecodeUpdateCursor(s string) *UpdateCursor {
	b, ok := page.ParseText(s)
	if !ok {
		return nil
	}
	secs, id, found := strings.Cut(b, "|")
	n, err := strconv.ParseInt(secs, 10, 64)
	if !found || err != nil || id == "" {
		return nil
	}
	return &UpdateCursor{ReleasedAt: time.Unix(n, 0).UTC(), ID: id}
}
