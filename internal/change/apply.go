package change

import (
	"cmp"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// Fire checks ev (CheckTransition) and returns r as it is after the
// transition: the new state and what the event records (classification,
// round, approved window, scheduled window, retrospective deadline, close
// code). r itself is not changed; Version is left to the store, which bumps
// it in the same conditional UPDATE that checks it.
func Fire(r RFC, a identity.Actor, ev Event, in TransitionInput, now time.Time, f Facts) (RFC, error) {
	if err := CheckTransition(r, a, ev, in, now, f); err != nil {
		return r, err
	}
	return transit(r, a, ev, in, now, f)
}

// transit applies ev to r once its checks have passed.
func transit(r RFC, a identity.Actor, ev Event, in TransitionInput, now time.Time, f Facts) (RFC, error) {
	next, err := Next(r.State, ev)
	if err != nil {
		return r, err
	}
	out := r
	out.State = next
	out.UpdatedAt = now
	switch ev {
	case EventReturn:
		out.ApprovalStage = 0
	case EventClassify:
		out.classify(a, in)
	case EventRequestApproval:
		// Each trip to the boards is a new round: votes of an earlier round,
		// before a return, no longer count.
		out.ApprovalRound++
		out.ApprovalStage = 0
	case EventApprove:
		out.ApprovedWindow = cloneWindow(r.Window)
		if r.State == StateClassified && r.Category == CategoryStandard {
			out.TemplateID = in.TemplateID
		}
	case EventSchedule, EventReschedule:
		out.Window = cloneWindow(cmp.Or(in.Window, r.Window))
		out.Window.TimeZone = cmp.Or(out.Window.TimeZone, "UTC")
	case EventStart:
		if r.Emergency() {
			// The deadline runs from the moment the unreviewed change
			// touches production, not from its approval.
			due := now.Add(f.Policy.retroReviewWindow())
			out.RetroReviewDue = &due
		}
	case EventClose:
		out.CloseCode = cmp.Or(in.CloseCode, r.CloseCode)
		out.ReviewNotes = cmp.Or(in.ReviewNotes, r.ReviewNotes)
	}
	return out, nil
}

// classify records the category and priority, makes the classifier the
// change manager in charge unless one is named, and rescores the risk,
// whose first two factors are exactly these.
func (r *RFC) classify(a identity.Actor, in TransitionInput) {
	r.Category, r.Priority = in.Category, in.Priority
	r.ChangeManagerID = cmp.Or(r.ChangeManagerID, a.UserID)
	r.RiskInputs.Category, r.RiskInputs.Priority = in.Category, in.Priority
	r.Risk = Assess(r.RiskInputs)
}

// Advance applies a board's decision (Tally) to an RFC awaiting approval, in
// the same transaction as the deciding vote: pending changes nothing;
// rejected fires reject; approved hands the RFC to the next board on its
// route (ApprovalStage+1, state unchanged) or, after the last board, fires
// approve. It returns the RFC after the step and the event fired, "" when
// none; the RFC changed when an event fired or the stage moved.
func Advance(r RFC, d Decision, now time.Time, p Policy) (RFC, Event, error) {
	if r.State != StateAwaitingApproval {
		return r, "", errs.E(errs.Conflict, "%s is not awaiting approval", r.Ref())
	}
	ev := EventReject
	switch {
	case d == DecisionPending:
		return r, "", nil
	case d == DecisionApproved && r.ApprovalStage < len(Route(r.Category, r.Priority))-1:
		r.ApprovalStage++
		r.UpdatedAt = now
		return r, "", nil
	case d == DecisionApproved:
		ev = EventApprove
	case d != DecisionRejected:
		return r, "", errs.E(errs.Internal, "unknown board decision %q", d)
	}
	// The policy, not a person, fires the event; the deciding vote carries
	// the person in the audit trail.
	out, err := Fire(r, identity.System, ev, TransitionInput{}, now, Facts{Policy: p, Decision: d})
	if err != nil {
		return r, "", err
	}
	return out, ev, nil
}
