package change

import (
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/workflow"
)

// reviewable are the states in which an emergency change has touched
// production and can therefore be reviewed in retrospect.
var reviewable = []State{StateImplementing, StateImplemented, StateFailed, StateBackedOut, StateInReview}

// RetroReviewOverdue reports whether r is an emergency change whose
// retrospective CAB review is past its deadline (GET
// /changes?retro_review=overdue). In storage terms: retro_review_due < now
// and retro_reviewed_at is null, since the deadline is only set on start.
func RetroReviewOverdue(r RFC, now time.Time) bool {
	return r.RetroReviewDue != nil && r.RetroReviewedAt == nil && now.After(*r.RetroReviewDue)
}

// RecordRetroReview records the outcome of the retrospective CAB review of
// an emergency change, which a change manager (or admin) enters after the
// CAB has reviewed it; the requester may not review their own change. It
// answers Conflict when r is not an emergency that has started, or is
// reviewed already; Forbidden for the wrong actor; Invalid without notes.
func RecordRetroReview(r RFC, a identity.Actor, notes string, now time.Time) (RFC, error) {
	// The role first: who may not record a review learns nothing of the RFC.
	if !a.Has(managers...) {
		return r, errs.E(errs.Forbidden, "recording a retrospective review needs one of the roles %s", workflow.JoinEnum(managers))
	}
	if !r.Emergency() || !slices.Contains(reviewable, r.State) {
		return r, errs.E(errs.Conflict, "only an emergency change that has started gets a retrospective review")
	}
	if a.UserID == r.RequesterID {
		return r, errs.E(errs.Forbidden, "a requester never reviews their own change")
	}
	if r.RetroReviewedAt != nil {
		return r, errs.E(errs.Conflict, "%s has had its retrospective review", r.Ref())
	}
	if strings.TrimSpace(notes) == "" {
		return r, errs.Field("notes", "is required")
	}
	if len(notes) > MaxTextLen {
		return r, errs.Field("notes", "is too long")
	}
	at := now
	r.RetroReviewedAt = &at
	r.RetroReviewedBy = a.UserID
	r.RetroReviewNotes = notes
	r.UpdatedAt = now
	return r, nil
}
