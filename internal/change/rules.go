package change

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/workflow"
)

// TransitionInput is what the caller sends with an event: the body of
// POST /changes/{id}/transitions beyond the event name.
type TransitionInput struct {
	// Comment says why; return, cancel and a change manager's reject need one.
	Comment string
	// Category and Priority are what classify sets.
	Category Category
	Priority Priority
	// TemplateID names the standard-change template when approving a
	// standard change.
	TemplateID string
	// Window is the window to schedule into; nil means the RFC's planned one.
	Window *Window
	// CloseCode and ReviewNotes are what close records; empty means the
	// values already on the RFC.
	CloseCode   CloseCode
	ReviewNotes string
	// OverrideReason lets a change manager schedule or reschedule over
	// blocking calendar conflicts, saying why.
	OverrideReason string
}

// Facts is what a guard needs beyond the RFC and the caller's input: records
// the use case loaded before the check and the configured policy. It is
// never filled from a request body.
type Facts struct {
	Policy Policy
	// Template is the template named by TransitionInput.TemplateID, loaded;
	// nil when there is none.
	Template *Template
	// Decision is the tally of the board now deciding: approve and reject
	// from awaiting_approval are the policy's, fired only on a decision.
	Decision Decision
	// MissingBoards are the kinds of board on the RFC's route that do not
	// exist: request_approval would leave the RFC waiting for votes that
	// nobody can cast.
	MissingBoards []BoardKind
	// Outstanding are the affected CIs that do not verifiably have one of
	// the RFC's linked updates, loaded for complete and close.
	Outstanding []Outstanding
}

// The role groups of the permission table.
var (
	creators   = []identity.Role{identity.Requester, identity.ChangeManager, identity.ReleaseManager, identity.Admin}
	managers   = []identity.Role{identity.ChangeManager, identity.Admin}
	releasers  = []identity.Role{identity.ReleaseManager}
	schedulers = []identity.Role{identity.ChangeManager, identity.Admin, identity.ReleaseManager}
)

// eventRoles says which roles may fire each event on anyone's RFC. The
// requester's rights over their own RFC and the policy events are added by
// checkRole; an event missing here is the requester's alone.
var eventRoles = map[Event][]identity.Role{
	EventReturn:           managers,
	EventClassify:         managers,
	EventRequestApproval:  managers,
	EventApprove:          managers,
	EventReject:           managers,
	EventStartDevelopment: releasers,
	EventReady:            releasers,
	EventSchedule:         schedulers,
	EventReschedule:       schedulers,
	EventStart:            releasers,
	EventComplete:         releasers,
	EventFail:             releasers,
	EventBackOut:          releasers,
	EventReview:           managers,
	EventClose:            managers,
	EventCancel:           managers,
}

// CanCreate says whether actor may file an RFC; auditors, agents and CAB
// members who are nothing else only read and vote.
func CanCreate(a identity.Actor) error {
	if a.Has(creators...) {
		return nil
	}
	return errs.E(errs.Forbidden, "filing an RFC needs one of the roles %s", workflow.JoinEnum(creators))
}

// CheckTransition says whether actor may fire ev on r now with input in. The
// checks run in a fixed order so that every refusal has one answer:
// Conflict when the state machine forbids ev in r's state; Forbidden when
// the actor's roles or relation to r do not allow it; Conflict when the
// record is not ready (no emergency for an unscheduled start, window not
// open, no retrospective review, board not decided); Invalid, naming the
// fields, when data the event needs is missing or wrong.
func CheckTransition(r RFC, a identity.Actor, ev Event, in TransitionInput, now time.Time, f Facts) error {
	if _, err := Next(r.State, ev); err != nil {
		return err
	}
	if err := checkRole(r, a, ev); err != nil {
		return err
	}
	if err := checkPreconditions(r, ev, now, f); err != nil {
		return err
	}
	if err := checkPatched(r, ev, in, f); err != nil {
		return err
	}
	return checkInput(r, ev, in, now, f)
}

// Actions lists the events actor may fire on r now, sorted: those whose
// only obstacle is input the caller still has to send (a comment, a window)
// are offered, since firing them answers with the fields to fill in.
func Actions(r RFC, a identity.Actor, now time.Time) []Event {
	var out []Event
	for _, ev := range Available(r.State) {
		err := CheckTransition(r, a, ev, TransitionInput{}, now, Facts{})
		if err == nil || errs.Is(err, errs.Invalid) {
			out = append(out, ev)
		}
	}
	return out
}

// ownedBy reports whether a is r's requester acting in a role that may file
// RFCs at all, so that an auditor can never write even on their own record.
func (r RFC) ownedBy(a identity.Actor) bool {
	return a.UserID != "" && a.UserID == r.RequesterID && a.Has(creators...)
}

// beforeApproval reports whether nobody has authorised r yet, the span in
// which its requester may still withdraw it.
func beforeApproval(s State) bool {
	return slices.Contains([]State{StateDraft, StateSubmitted, StateClassified, StateAwaitingApproval}, s)
}

func checkRole(r RFC, a identity.Actor, ev Event) error {
	switch {
	case ev == EventSubmit && r.ownedBy(a):
		return nil
	case ev == EventSubmit:
		return errs.E(errs.Forbidden, "only the requester of %s may submit it", r.Ref())
	case ev == EventCancel && r.ownedBy(a) && beforeApproval(r.State):
		return nil
	case (ev == EventApprove || ev == EventReject) && r.State == StateAwaitingApproval:
		// The board decides by votes (CanVote checks the voter); the
		// decision, not a role, is the guard (checkPreconditions).
		return nil
	case ev == EventApprove && a.UserID != "" && a.UserID == r.RequesterID:
		return errs.E(errs.Forbidden, "a requester never approves their own change")
	case ev == EventClassify && a.UserID != "" && a.UserID == r.RequesterID:
		// Classifying as minor or standard skips the CAB: separation of
		// duties, like approval.
		return errs.E(errs.Forbidden, "a requester never classifies their own change")
	}
	roles := eventRoles[ev]
	if a.Has(roles...) {
		return nil
	}
	return errs.E(errs.Forbidden, "%s needs one of the roles %s", ev, workflow.JoinEnum(roles))
}

func checkPreconditions(r RFC, ev Event, now time.Time, f Facts) error {
	switch ev {
	case EventRequestApproval:
		if len(Route(r.Category, r.Priority)) == 0 {
			return errs.E(errs.Conflict, "a %s change is approved without a board: approve it instead", r.Category)
		}
		if len(f.MissingBoards) > 0 {
			return errs.E(errs.Conflict, "no %s board exists to decide %s: an admin creates it (POST /api/v1/boards) before approval is requested",
				workflow.JoinEnum(f.MissingBoards), r.Ref())
		}
	case EventApprove:
		return checkApprove(r, f)
	case EventReject:
		if r.State == StateAwaitingApproval && f.Decision != DecisionRejected {
			return errs.E(errs.Conflict, "%s waits for the votes of the board", r.Ref())
		}
	case EventStart:
		return checkStart(r, now)
	case EventClose:
		if r.Emergency() && r.RetroReviewedAt == nil {
			return errs.E(errs.Conflict, "emergency change %s needs its retrospective CAB review before it closes", r.Ref())
		}
	}
	return nil
}

// checkPatched holds that an RFC with linked updates does not complete, nor
// close as successful, while its CIs do not verifiably have them (the
// update required, or the evidence missing or stale). Complete goes on only
// with a comment saying why; close then needs another close code and a
// comment, both kept in the audit event.
func checkPatched(r RFC, ev Event, in TransitionInput, f Facts) error {
	if len(f.Outstanding) == 0 || (ev != EventComplete && ev != EventClose) {
		return nil
	}
	where := outstandingText(f.Outstanding)
	if ev == EventComplete {
		if in.Comment == "" {
			return errs.E(errs.Conflict, "the linked updates of %s are not verifiably installed (%s): report a fresh inventory from those CIs, fire fail or back_out, or complete with a comment that says why", r.Ref(), where)
		}
		return nil
	}
	if cmp.Or(in.CloseCode, r.CloseCode) == CloseSuccessful {
		return errs.E(errs.Conflict, "%s cannot close as successful: its linked updates are not verifiably installed (%s); report a fresh inventory, or close as successful_with_issues or unsuccessful with a comment", r.Ref(), where)
	}
	if in.Comment == "" {
		return errs.Field("comment", "must say why "+r.Ref()+" closes while its linked updates are not verifiably installed ("+where+")")
	}
	return nil
}

// outstandingText names the first CIs and updates concerned.
func outstandingText(o []Outstanding) string {
	const shown = 5
	parts := make([]string, 0, shown)
	for i, x := range o {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more", len(o)-shown))
			break
		}
		parts = append(parts, fmt.Sprintf("%s on %s: %s", x.VendorID, x.CIName, x.Status))
	}
	return strings.Join(parts, "; ")
}

func checkApprove(r RFC, f Facts) error {
	route := Route(r.Category, r.Priority)
	if r.State == StateAwaitingApproval {
		if f.Decision != DecisionApproved {
			return errs.E(errs.Conflict, "%s waits for the votes of the board", r.Ref())
		}
		if r.ApprovalStage < len(route)-1 {
			return errs.E(errs.Conflict, "%s still needs the decision of the %s board", r.Ref(), route[r.ApprovalStage+1])
		}
		return nil
	}
	if r.Category == "" {
		return errs.E(errs.Conflict, "%s is not classified", r.Ref())
	}
	if len(route) > 0 {
		return errs.E(errs.Conflict, "a %s %s change needs the %s board: request approval", r.Priority, r.Category, route[0])
	}
	return nil
}

func checkStart(r RFC, now time.Time) error {
	// An authorised emergency may start at once, inside or outside any
	// window (DESIGN §3.2); the retrospective review is its price.
	if r.Emergency() {
		return nil
	}
	if r.State == StateApproved {
		return errs.E(errs.Conflict, "only an emergency change may start without a schedule")
	}
	if r.Window == nil || !r.Window.Includes(now) {
		return errs.E(errs.Conflict, "%s may start only inside its scheduled window", r.Ref())
	}
	return nil
}

func checkInput(r RFC, ev Event, in TransitionInput, now time.Time, f Facts) error {
	var fs errs.Fields
	switch ev {
	case EventSubmit:
		r.addSubmitProblems(&fs)
	case EventClassify:
		addEnumProblem(&fs, "category", in.Category, Categories())
		addEnumProblem(&fs, "priority", in.Priority, Priorities())
	case EventApprove:
		if r.State == StateClassified && r.Category == CategoryStandard {
			addTemplateProblem(&fs, in.TemplateID, f.Template)
		}
	case EventReject:
		// The board's reasons are on its votes; a change manager says why.
		if r.State != StateAwaitingApproval {
			addRequired(&fs, "comment", in.Comment)
		}
	case EventReturn, EventCancel:
		addRequired(&fs, "comment", in.Comment)
	case EventSchedule, EventReschedule:
		r.addScheduleProblems(&fs, in.Window, now)
	case EventClose:
		addEnumProblem(&fs, "close_code", cmp.Or(in.CloseCode, r.CloseCode), CloseCodes())
		addRequired(&fs, "review_notes", cmp.Or(in.ReviewNotes, r.ReviewNotes))
	}
	return fs.Err()
}

// addSubmitProblems lists what an RFC must say before anyone spends time on
// it: what, why, on which CIs, how, how to test and how to undo.
func (r RFC) addSubmitProblems(fs *errs.Fields) {
	r.addFieldProblems(fs)
	addRequired(fs, "reason", r.Reason)
	addRequired(fs, "implementation_plan", r.ImplementationPlan)
	addRequired(fs, "backout_plan", r.BackoutPlan)
	addRequired(fs, "test_plan", r.TestPlan)
	if len(r.AffectedCIs) == 0 {
		fs.Add("affected_cis", "must name at least one configuration item")
	}
}

func (r RFC) addScheduleProblems(fs *errs.Fields, w *Window, now time.Time) {
	if w == nil {
		w = r.Window
	}
	if w == nil {
		fs.Add("window", "is required")
		return
	}
	before := len(*fs)
	w.addProblems(fs, "window")
	if len(*fs) > before {
		return
	}
	if !w.End.After(now) {
		fs.Add("window.end", "must be in the future")
	}
	if a := r.ApprovedWindow; a != nil && !a.Contains(*w) {
		fs.Add("window", "must fall inside the approved window "+a.Start.UTC().Format(time.RFC3339)+" – "+a.End.UTC().Format(time.RFC3339))
	}
}

func addTemplateProblem(fs *errs.Fields, id string, t *Template) {
	switch {
	case id == "":
		fs.Add("template_id", "is required to approve a standard change")
	case t == nil || t.ID != id:
		fs.Add("template_id", "names no standard-change template")
	case !t.Approved:
		fs.Add("template_id", "names a template the CAB has not approved")
	}
}

func addRequired(fs *errs.Fields, field, v string) {
	if strings.TrimSpace(v) == "" {
		fs.Add(field, "is required")
	}
}

func addEnumProblem[T ~string](fs *errs.Fields, field string, v T, all []T) {
	switch {
	case v == "":
		fs.Add(field, "is required")
	case !slices.Contains(all, v):
		fs.Add(field, "must be one of "+workflow.JoinEnum(all))
	}
}
