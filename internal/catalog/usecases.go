package catalog

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

// MaxListSize caps one page of a list.
const MaxListSize = 200

// auditView is what the audit trail keeps of an update, under the API's
// names, so that before/after show each field a revision or decision changed.
func (u Update) auditView() map[string]any {
	v := map[string]any{
		"id": u.ID, "vendor_id": u.VendorID, "title": u.Title, "publisher": u.Publisher, "source": u.Source,
		"severity": u.Severity, "severity_text": u.SeverityText, "cves": u.CVEs(), "products": productKeys(u),
		"fixed_packages": packageKeys(u), "remediations": remediationKeys(u), "supersedes": u.Supersedes,
		"superseded_by": u.SupersededBy, "reboot_required": u.RebootRequired, "released_at": u.ReleasedAt,
		"revised_at": u.RevisedAt, "url": u.URL, "state": u.State, "state_reason": u.StateReason,
		"decided_by": u.DecidedBy, "version": u.Version,
	}
	if d := u.Document; d != nil {
		v["document"] = map[string]any{"tracking_id": d.TrackingID, "version": d.Version, "status": d.Status,
			"sha256": d.SHA256, "digest_verified": d.DigestVerified}
	}
	return v
}

// GetUpdate returns one update by id or vendor id.
func (s *Service) GetUpdate(ctx context.Context, actor identity.Actor, idOrVendorID string) (Update, error) {
	if err := s.requireReader(ctx, actor, "update.read", "update", idOrVendorID); err != nil {
		return Update{}, err
	}
	var u Update
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		u, err = tx.FindUpdate(ctx, idOrVendorID)
		return err
	})
	return u, err
}

// ListUpdates pages through updates, newest release first.
func (s *Service) ListUpdates(ctx context.Context, actor identity.Actor, f UpdateFilter) (page.Page[Update], error) {
	if err := s.requireReader(ctx, actor, "update.list", "update", ""); err != nil {
		return page.Page[Update]{}, err
	}
	limit := f.Limit
	f.Limit = page.Fetch(limit)
	var out []Update
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindUpdates(ctx, f)
		return err
	})
	return page.Cut(out, limit, func(v Update) string { return EncodeUpdateCursor(v) }), err
}

// CreateUpdate records an update entered by hand, for what no advisory
// covers (a KB, an in-house package). The updates it supersedes become
// superseded, and its compliance is computed, in the same transaction.
func (s *Service) CreateUpdate(ctx context.Context, actor identity.Actor, in Update) (Update, error) {
	if err := s.requireEditor(ctx, actor, "update.create"); err != nil {
		return Update{}, err
	}
	u, err := newManualUpdate(in, s.now())
	if err != nil {
		return Update{}, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		return s.insert(ctx, tx, actor, &u, "update.create", "")
	})
	return u, err
}

func newManualUpdate(in Update, now time.Time) (Update, error) {
	if err := in.Validate(); err != nil {
		return Update{}, err
	}
	u := in
	u.ID, u.Source, u.State, u.Document = uuid.NewString(), SourceManual, StateNew, nil
	u.SupersededBy, u.StateReason, u.DecidedBy, u.DecidedAt = nil, "", "", nil
	if u.Severity == "" {
		u.Severity = SeverityOfScore(u.MaxCVSS())
	}
	if u.ReleasedAt.IsZero() {
		u.ReleasedAt = now
	}
	u.ReleasedAt = u.ReleasedAt.UTC().Truncate(time.Second)
	if u.RevisedAt.IsZero() {
		u.RevisedAt = u.ReleasedAt
	}
	for i := range u.Packages {
		if u.Packages[i].Kind == "kb" {
			u.Packages[i].Name = NormalizeKB(u.Packages[i].Name)
		}
	}
	u.CreatedAt, u.UpdatedAt = now, now
	return u, nil
}

// insert stores a new update with its audit event, links it to the updates
// it supersedes and that supersede it, and computes its compliance.
func (s *Service) insert(ctx context.Context, tx Tx, actor identity.Actor, u *Update, action, reason string) error {
	successors, err := tx.FindUpdatesSuperseding(ctx, u.VendorID)
	if err != nil {
		return err
	}
	for _, o := range successors {
		u.SupersededBy = appendOnce(u.SupersededBy, o.VendorID)
	}
	u.Version = 1
	if err := tx.CreateUpdate(ctx, u); err != nil {
		return err
	}
	if err := s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(editors...), Action: action,
		EntityType: "update", EntityID: u.ID, After: u.auditView(), Reason: reason}); err != nil {
		return err
	}
	if len(successors) > 0 {
		next, err := s.supersede(ctx, tx, actor, *u, successors[0].VendorID, "")
		if err != nil {
			return err
		}
		*u = next
	}
	for _, old := range u.Supersedes {
		if err := s.markSuperseded(ctx, tx, actor, old, u.VendorID); err != nil {
			return err
		}
	}
	return s.recomputeUpdate(ctx, tx, *u)
}

// markSuperseded records on the update vendorID (if the catalog has it)
// that by supersedes it, and moves it to superseded when its state allows.
func (s *Service) markSuperseded(ctx context.Context, tx Tx, actor identity.Actor, vendorID, by string) error {
	old, err := tx.FindUpdate(ctx, vendorID)
	if errs.Is(err, errs.NotFound) {
		return nil // linked when it arrives (insert)
	}
	if err != nil || slices.Contains(old.SupersededBy, by) {
		return err
	}
	if _, err := Next(old.State, EventSupersede); err == nil {
		_, err = s.supersede(ctx, tx, actor, old, by, "")
		return err
	}
	// Already superseded or expired: keep the state, record the link.
	next := old
	next.SupersededBy = append(slices.Clone(old.SupersededBy), by)
	next.UpdatedAt = s.now()
	if err := tx.UpdateUpdate(ctx, &next, old.Version); err != nil {
		return err
	}
	if err := s.record(ctx, tx, audit.Record{Actor: actor, Action: "update.link", EntityType: "update",
		EntityID: next.ID, Before: old.auditView(), After: next.auditView(), Reason: "superseded by " + by}); err != nil {
		return err
	}
	return s.recomputeChain(ctx, tx, next)
}

// supersede moves u to superseded by the update vendor id by, saves it with
// its audit event (naming the approved RFCs this flags), and recomputes
// its compliance, since a superseding KB now counts as installing it.
func (s *Service) supersede(ctx context.Context, tx Tx, actor identity.Actor, u Update, by, comment string) (Update, error) {
	why := "superseded by " + by
	if comment != "" {
		why += ": " + comment
	}
	next, err := apply(u, actor, EventSupersede, TransitionInput{Comment: why}, s.now())
	if err != nil {
		return u, err
	}
	next.SupersededBy = appendOnce(slices.Clone(u.SupersededBy), by)
	if err := s.save(ctx, tx, actor, u, &next, "update.supersede"); err != nil {
		return u, err
	}
	return next, s.recomputeChain(ctx, tx, next)
}

func appendOnce(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// save writes next over before with the version check, moves the CIs'
// totals when the update opens or closes, and appends the audit event.
// A supersede names the approved, unimplemented RFCs it flags.
func (s *Service) save(ctx context.Context, tx Tx, actor identity.Actor, before Update, next *Update, action string) error {
	if err := tx.UpdateUpdate(ctx, next, before.Version); err != nil {
		return err
	}
	if before.State.Open() != next.State.Open() {
		sign := 1
		if !next.State.Open() {
			sign = -1
		}
		if err := tx.ShiftHostTotals(ctx, next.ID, sign); err != nil {
			return err
		}
	}
	reason := next.StateReason
	if next.State == StateSuperseded {
		refs, err := tx.FindUnimplementedRFCs(ctx, *next)
		if err != nil {
			return err
		}
		if len(refs) > 0 {
			reason += "; flags the approved, unimplemented " + summarise(refs)
		}
	}
	return s.record(ctx, tx, audit.Record{Actor: actor, Action: action, EntityType: "update", EntityID: next.ID,
		Before: before.auditView(), After: next.auditView(), Reason: reason})
}
