// Package change is the MOF Change Management process of Changeboard: the
// request for change (RFC), its state machine, the guards on every
// transition, the explainable risk score and the approval policy (routing by
// category, boards, votes, tallies). It is pure domain code: no I/O, no
// storage, no HTTP. Use cases load the records a guard needs, call the plain
// functions here, and persist the result with a version check.
package change

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	// Window validation needs the IANA zones on every machine, including
	// minimal containers without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/workflow"
)

// RFC is a request for change: what is to change, why, how, how to undo it,
// when, and what the process has decided about it so far.
type RFC struct {
	ID          string
	Number      int64
	Title       string
	Description string
	// Reason is the business justification.
	Reason          string
	Category        Category
	Priority        Priority
	State           State
	RequesterID     string
	ChangeManagerID string
	// AffectedCIs are configuration item ids; no deployment may target a CI
	// outside this list (DESIGN §3.1).
	AffectedCIs   []string
	LinkedUpdates []string
	// SupersededUpdates are the linked updates the catalog now marks
	// superseded, while the RFC is approved but not yet implementing: the
	// flag of DESIGN §8. The store computes it on read; it is never saved.
	SupersededUpdates []string
	ReleaseID         string
	// Window is the planned window: the requester's wish until scheduled,
	// the scheduled window afterwards.
	Window             *Window
	ImplementationPlan string
	BackoutPlan        string
	TestPlan           string
	TestEvidence       string
	RiskInputs         RiskInputs
	Risk               Risk
	// TemplateID names the CAB-approved standard-change template that
	// authorised a standard change.
	TemplateID  string
	CloseCode   CloseCode
	ReviewNotes string
	// ApprovalRound counts the times the RFC went to a board; votes belong
	// to one round, so a returned and resubmitted RFC is decided afresh.
	ApprovalRound int
	// ApprovalStage indexes Route(Category, Priority): the board deciding now
	// (a major change goes to the CAB, then to the executive board).
	ApprovalStage int
	// ApprovedWindow is the window the approval covers; nil when the RFC was
	// approved without a window, which leaves scheduling unbounded.
	ApprovedWindow *Window
	// RetroReviewDue is set when an emergency change starts: the CAB must
	// review it retrospectively by then, and it cannot close before.
	RetroReviewDue   *time.Time
	RetroReviewedAt  *time.Time
	RetroReviewedBy  string
	RetroReviewNotes string
	// ScheduleOverride is set when a change manager scheduled the RFC over
	// blocking calendar conflicts (the last schedule or reschedule).
	ScheduleOverride *Override
	// Version is the optimistic concurrency token; the store bumps it.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Ref is the human form of the RFC's number, such as "RFC-1042".
func (r RFC) Ref() string { return fmt.Sprintf("RFC-%d", r.Number) }

// ParseRef reads a human reference such as "RFC-1042" (any case) into its
// number, so that URLs and searches may use either form.
func ParseRef(s string) (int64, error) {
	digits, ok := strings.CutPrefix(strings.ToUpper(strings.TrimSpace(s)), "RFC-")
	if !ok {
		return 0, errs.Field("number", `must look like "RFC-1042"`)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.Field("number", `must look like "RFC-1042"`)
	}
	return n, nil
}

// Emergency reports whether the RFC follows the emergency path (ECAB,
// immediate start, retrospective review).
func (r RFC) Emergency() bool { return r.Priority == PriorityEmergency }

// Window is a span of time with the time zone it was planned in; the zone
// matters to people reading the calendar, the instants to the rules.
type Window struct {
	Start    time.Time
	End      time.Time
	TimeZone string
}

// Contains reports whether w covers all of o.
func (w Window) Contains(o Window) bool {
	return !o.Start.Before(w.Start) && !o.End.After(w.End)
}

// Includes reports whether t falls in [Start, End).
func (w Window) Includes(t time.Time) bool {
	return !t.Before(w.Start) && t.Before(w.End)
}

// Validate checks the window, naming fields under prefix (for example
// "window" gives "window.end").
func (w Window) Validate(prefix string) error {
	var f errs.Fields
	w.addProblems(&f, prefix)
	return f.Err()
}

func (w Window) addProblems(f *errs.Fields, prefix string) {
	if w.Start.IsZero() {
		f.Add(prefix+".start", "is required")
	}
	if w.End.IsZero() {
		f.Add(prefix+".end", "is required")
	}
	if !w.Start.IsZero() && !w.End.IsZero() && !w.Start.Before(w.End) {
		f.Add(prefix+".end", "must be after the start")
	}
	// An empty zone means UTC; a named one must be an IANA zone so that the
	// calendar can show local times.
	if w.TimeZone != "" {
		if _, err := time.LoadLocation(w.TimeZone); err != nil {
			f.Add(prefix+".time_zone", "must be an IANA time zone such as Europe/Paris")
		}
	}
}

func cloneWindow(w *Window) *Window {
	if w == nil {
		return nil
	}
	c := *w
	return &c
}

// State is where an RFC is in its lifecycle.
type State string

// The RFC states (DESIGN §2).
const (
	StateDraft            State = "draft"
	StateSubmitted        State = "submitted"
	StateClassified       State = "classified"
	StateAwaitingApproval State = "awaiting_approval"
	StateApproved         State = "approved"
	StateRejected         State = "rejected"
	StateInDevelopment    State = "in_development"
	StateReadyForRelease  State = "ready_for_release"
	StateScheduled        State = "scheduled"
	StateImplementing     State = "implementing"
	StateImplemented      State = "implemented"
	StateFailed           State = "failed"
	StateBackedOut        State = "backed_out"
	StateInReview         State = "in_review"
	StateClosed           State = "closed"
	StateCancelled        State = "cancelled"
)

// States lists every state in lifecycle order.
func States() []State {
	return []State{
		StateDraft, StateSubmitted, StateClassified, StateAwaitingApproval,
		StateApproved, StateRejected, StateInDevelopment, StateReadyForRelease,
		StateScheduled, StateImplementing, StateImplemented, StateFailed,
		StateBackedOut, StateInReview, StateClosed, StateCancelled,
	}
}

// ParseState reads a state, for filters and for rows read back from storage.
func ParseState(s string) (State, error) { return workflow.ParseEnum("state", s, States()) }

// Final reports whether nothing can happen to an RFC in state s any more.
func (s State) Final() bool {
	return s == StateRejected || s == StateClosed || s == StateCancelled
}

// Event is a transition's name, as sent to POST /changes/{id}/transitions.
type Event string

// The RFC events. Votes are not events: the policy fires approve or reject
// from awaiting_approval once a board has decided.
const (
	EventSubmit           Event = "submit"
	EventReturn           Event = "return"
	EventClassify         Event = "classify"
	EventRequestApproval  Event = "request_approval"
	EventApprove          Event = "approve"
	EventReject           Event = "reject"
	EventStartDevelopment Event = "start_development"
	EventReady            Event = "ready"
	EventSchedule         Event = "schedule"
	EventReschedule       Event = "reschedule"
	EventStart            Event = "start"
	EventComplete         Event = "complete"
	EventFail             Event = "fail"
	EventBackOut          Event = "back_out"
	EventReview           Event = "review"
	EventClose            Event = "close"
	EventCancel           Event = "cancel"
)

// ParseEvent reads an event name.
func ParseEvent(s string) (Event, error) { return workflow.ParseEnum("event", s, Workflow().Events) }

// Category is the MOF change category; it decides the approval authority.
type Category string

// The categories.
const (
	CategoryStandard    Category = "standard"
	CategoryMinor       Category = "minor"
	CategorySignificant Category = "significant"
	CategoryMajor       Category = "major"
)

// Categories lists the categories from least to most far-reaching.
func Categories() []Category {
	return []Category{CategoryStandard, CategoryMinor, CategorySignificant, CategoryMajor}
}

// ParseCategory reads a category.
func ParseCategory(s string) (Category, error) {
	return workflow.ParseEnum("category", s, Categories())
}

// Priority is how urgent a change is; emergency changes take the ECAB path.
type Priority string

// The priorities.
const (
	PriorityLow       Priority = "low"
	PriorityMedium    Priority = "medium"
	PriorityHigh      Priority = "high"
	PriorityEmergency Priority = "emergency"
)

// Priorities lists the priorities from least to most urgent.
func Priorities() []Priority {
	return []Priority{PriorityLow, PriorityMedium, PriorityHigh, PriorityEmergency}
}

// ParsePriority reads a priority.
func ParsePriority(s string) (Priority, error) {
	return workflow.ParseEnum("priority", s, Priorities())
}

// CloseCode is the outcome recorded when an RFC closes.
type CloseCode string

// The close codes.
const (
	CloseSuccessful           CloseCode = "successful"
	CloseSuccessfulWithIssues CloseCode = "successful_with_issues"
	CloseUnsuccessful         CloseCode = "unsuccessful"
)

// CloseCodes lists the close codes.
func CloseCodes() []CloseCode {
	return []CloseCode{CloseSuccessful, CloseSuccessfulWithIssues, CloseUnsuccessful}
}

// ParseCloseCode reads a close code.
func ParseCloseCode(s string) (CloseCode, error) {
	return workflow.ParseEnum("close_code", s, CloseCodes())
}
