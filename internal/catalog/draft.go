package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// DraftInput asks for a draft RFC that deploys approved updates.
type DraftInput struct {
	// UpdateIDs are ids or vendor ids of approved updates.
	UpdateIDs []string
	// GroupID, when set, limits the affected CIs to the group's members.
	GroupID string
	// Title and Reason override the generated ones when set.
	Title  string
	Reason string
}

// MaxDraftUpdates caps the updates of one draft.
const MaxDraftUpdates = 100

// DraftFromUpdates turns approved updates into a draft RFC through the
// change process's own CreateRFC: the affected CIs are those where an
// update is required (fresh evidence only, of the group if given), the
// updates are linked, and the plan lists the fixed packages. The updates
// and CIs are read and the RFC is created in one transaction: CreateRFC,
// called with the transaction's ctx, joins it.
func (s *Service) DraftFromUpdates(ctx context.Context, actor identity.Actor, in DraftInput) (change.RFC, error) {
	if err := s.guard.Require(ctx, actor, "rfc.draft_from_updates", "rfc", "", drafters...); err != nil {
		return change.RFC{}, err
	}
	if err := in.validate(); err != nil {
		return change.RFC{}, err
	}
	var r change.RFC
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		updates, err := findApproved(ctx, tx, in.UpdateIDs)
		if err != nil {
			return err
		}
		ids := make([]string, len(updates))
		for i, u := range updates {
			ids[i] = u.ID
		}
		cis, err := tx.FindRequiringCIs(ctx, ids, in.GroupID, s.now().Add(-s.opt.InventoryMaxAge))
		if err != nil {
			return err
		}
		if len(cis) == 0 {
			return errs.E(errs.Conflict, "no CI with a fresh inventory requires these updates")
		}
		r, err = s.changes.CreateRFC(ctx, actor, draftRFC(in, updates, cis))
		return err
	})
	return r, err
}

func (in DraftInput) validate() error {
	var fs errs.Fields
	switch {
	case len(in.UpdateIDs) == 0:
		fs.Add("update_ids", "must name at least one update")
	case len(in.UpdateIDs) > MaxDraftUpdates:
		// Refused before any per-element work.
		fs.Add("update_ids", fmt.Sprintf("must name at most %d updates", MaxDraftUpdates))
		return fs.Err()
	}
	seen := make(map[string]bool, len(in.UpdateIDs))
	for i, id := range in.UpdateIDs {
		if strings.TrimSpace(id) == "" || seen[id] {
			fs.Add(fmt.Sprintf("update_ids[%d]", i), "must be a distinct, non-blank update id")
		}
		seen[id] = true
	}
	return fs.Err()
}

// findApproved loads the updates, refusing any that is missing or not
// approved, naming it by its position.
func findApproved(ctx context.Context, tx Tx, ids []string) ([]Update, error) {
	var fs errs.Fields
	out := make([]Update, 0, len(ids))
	taken := make(map[string]bool, len(ids))
	for i, id := range ids {
		u, err := tx.FindUpdate(ctx, id)
		field := fmt.Sprintf("update_ids[%d]", i)
		switch {
		case errs.Is(err, errs.NotFound):
			fs.Add(field, "names no update")
		case err != nil:
			return nil, err
		case u.State != StateApproved:
			fs.Add(field, fmt.Sprintf("%s is %s, not approved", u.VendorID, u.State))
		case taken[u.ID]:
			fs.Add(field, "names "+u.VendorID+" twice")
		default:
			taken[u.ID] = true
			out = append(out, u)
		}
	}
	return out, fs.Err()
}

// draftRFC writes the draft: what the updates are, why (where they are
// required), and a first implementation plan from the fixed packages.
func draftRFC(in DraftInput, updates []Update, cis []string) change.RFC {
	vendorIDs := make([]string, len(updates))
	ids := make([]string, len(updates))
	var desc, plan strings.Builder
	reboot := false
	for i, u := range updates {
		vendorIDs[i], ids[i] = u.VendorID, u.ID
		fmt.Fprintf(&desc, "- %s (%s): %s", u.VendorID, u.Severity, u.Title)
		if cves := u.CVEs(); len(cves) > 0 {
			fmt.Fprintf(&desc, " [%s]", summarise(cves))
		}
		desc.WriteString("\n")
		for _, k := range packageKeys(u) {
			fmt.Fprintf(&plan, "- %s: %s\n", u.VendorID, k)
		}
		reboot = reboot || u.RebootRequired
	}
	title := in.Title
	if title == "" {
		title = truncate("Deploy "+summarise(vendorIDs), change.MaxTitleLen)
	}
	reason := in.Reason
	if reason == "" {
		reason = fmt.Sprintf("%d approved update(s) are required on %d configuration item(s).", len(updates), len(cis))
	}
	if reboot {
		plan.WriteString("A reboot is required.\n")
	}
	return change.RFC{Title: title, Description: desc.String(), Reason: reason, AffectedCIs: cis,
		LinkedUpdates: ids, ImplementationPlan: "Install the fixed versions:\n" + plan.String()}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// UnimplementedRFCStates are the states of an RFC that is approved but not
// yet being implemented: one that links a superseded update is flagged
// (DESIGN §8), since it would ship what the vendor replaced.
func UnimplementedRFCStates() []change.State {
	return []change.State{change.StateApproved, change.StateInDevelopment, change.StateReadyForRelease, change.StateScheduled}
}
