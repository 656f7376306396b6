package change

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// Limits on free text, so that one RFC cannot fill the database or a page.
const (
	MaxTitleLen = 200
	MaxTextLen  = 64 << 10
)

// NewRFC returns the draft actor files with the content fields of in (what
// a requester may write: title, description, reason, CIs, updates,
// release, wished window, plans, evidence); every process field is the
// process's to set, so it is dropped. ID and Number are kept for a store
// that assigns them beforehand; Version is the store's.
func NewRFC(a identity.Actor, in RFC, now time.Time) (RFC, error) {
	if err := CanCreate(a); err != nil {
		return RFC{}, err
	}
	r := RFC{
		ID: in.ID, Number: in.Number, Title: in.Title, Description: in.Description, Reason: in.Reason,
		State: StateDraft, RequesterID: a.UserID,
		AffectedCIs: slices.Clone(in.AffectedCIs), LinkedUpdates: slices.Clone(in.LinkedUpdates),
		ReleaseID: in.ReleaseID, Window: cloneWindow(in.Window),
		ImplementationPlan: in.ImplementationPlan, BackoutPlan: in.BackoutPlan,
		TestPlan: in.TestPlan, TestEvidence: in.TestEvidence,
		CreatedAt: now, UpdatedAt: now,
	}
	// A first score from what the draft says; the use case refines the
	// inputs from the CMDB and the change history.
	r.RiskInputs = RiskInputs{AffectedCICount: len(r.AffectedCIs)}
	r.Risk = Assess(r.RiskInputs)
	if err := r.Validate(); err != nil {
		return RFC{}, err
	}
	return r, nil
}

// Validate checks the RFC's fields on their own (lengths, enums, the
// window, the CI and update lists), as after a create or a PATCH; what an
// event additionally needs is checked by CheckTransition.
func (r RFC) Validate() error {
	var fs errs.Fields
	r.addFieldProblems(&fs)
	return fs.Err()
}

func (r RFC) addFieldProblems(fs *errs.Fields) {
	addRequired(fs, "title", r.Title)
	if utf8.RuneCountInString(r.Title) > MaxTitleLen {
		fs.Add("title", fmt.Sprintf("must be at most %d characters", MaxTitleLen))
	}
	for field, v := range map[string]string{
		"description": r.Description, "reason": r.Reason,
		"implementation_plan": r.ImplementationPlan, "backout_plan": r.BackoutPlan,
		"test_plan": r.TestPlan, "test_evidence": r.TestEvidence, "review_notes": r.ReviewNotes,
	} {
		if len(v) > MaxTextLen {
			fs.Add(field, fmt.Sprintf("must be at most %d bytes", MaxTextLen))
		}
	}
	if r.Category != "" {
		addEnumProblem(fs, "category", r.Category, Categories())
	}
	if r.Priority != "" {
		addEnumProblem(fs, "priority", r.Priority, Priorities())
	}
	if r.CloseCode != "" {
		addEnumProblem(fs, "close_code", r.CloseCode, CloseCodes())
	}
	if r.Window != nil {
		r.Window.addProblems(fs, "window")
	}
	addIDListProblems(fs, "affected_cis", r.AffectedCIs)
	addIDListProblems(fs, "linked_updates", r.LinkedUpdates)
}

// addIDListProblems refuses blanks and repeats: a repeated CI would count
// twice in the risk score and in the deployment targets.
// MaxIDList bounds affected_cis and linked_updates: each id is looked up.
const MaxIDList = 1000

func addIDListProblems(fs *errs.Fields, field string, ids []string) {
	if len(ids) > MaxIDList {
		fs.Add(field, fmt.Sprintf("must have at most %d entries", MaxIDList))
		return
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		switch {
		case strings.TrimSpace(id) == "":
			fs.Add(field, "must not contain blank ids")
		case seen[id]:
			fs.Add(field, fmt.Sprintf("names %q twice", id))
		}
		seen[id] = true
	}
}

// The field names a PATCH may carry, by the stage in which they may change.
// Category and priority change only through classify, the state only
// through transitions, the rest is kept by the process itself.
var (
	draftFields = []string{
		"title", "description", "reason", "affected_cis", "linked_updates", "release_id",
		"window", "implementation_plan", "backout_plan", "test_plan", "test_evidence",
	}
	// buildFields may change while the release is being built: what the
	// CAB approved (CIs, plans, window) may not.
	buildFields  = []string{"release_id", "test_evidence"}
	reviewFields = []string{"review_notes", "close_code"}
	readOnly     = []string{
		"id", "number", "state", "category", "priority", "requester_id", "change_manager_id",
		"risk", "risk_inputs", "template_id", "approval_round", "approval_stage", "approved_window",
		"retro_review_due", "retro_reviewed_at", "retro_reviewed_by", "retro_review_notes",
		"version", "created_at", "updated_at",
	}
)

// CheckEdit says whether actor may PATCH the named fields (JSON names) of r:
// Invalid for unknown or read-only fields; Conflict when r's state allows no
// edit or not of that field; Forbidden for the wrong actor. A draft is its
// requester's (or a change manager's); while the release is built the
// release and test evidence may be linked; in review the change manager
// writes the review.
func CheckEdit(r RFC, a identity.Actor, fields []string) error {
	var fs errs.Fields
	for _, f := range fields {
		switch {
		case slices.Contains(readOnly, f):
			fs.Add(f, "is read-only")
		case !slices.Contains(draftFields, f) && !slices.Contains(reviewFields, f):
			fs.Add(f, "is not a field of an RFC")
		}
	}
	if err := fs.Err(); err != nil {
		return err
	}
	allowed, mayEdit := editRights(r, a)
	if allowed == nil {
		return errs.E(errs.Conflict, "%s cannot be edited in state %s", r.Ref(), r.State)
	}
	if !mayEdit {
		return errs.E(errs.Forbidden, "you may not edit %s in state %s", r.Ref(), r.State)
	}
	for _, f := range fields {
		if !slices.Contains(allowed, f) {
			return errs.E(errs.Conflict, "%s cannot change in state %s", f, r.State)
		}
	}
	return nil
}

// editRights returns the fields editable in r's state (nil when none) and
// whether a may edit them.
func editRights(r RFC, a identity.Actor) ([]string, bool) {
	switch r.State {
	case StateDraft:
		return draftFields, r.ownedBy(a) || a.Has(managers...)
	case StateApproved, StateInDevelopment, StateReadyForRelease:
		return buildFields, a.Has(releasers...) || a.Has(managers...)
	case StateInReview:
		return reviewFields, a.Has(managers...)
	}
	return nil, false
}
