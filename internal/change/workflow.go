package change

import "github.com/changeboard/changeboard/internal/workflow"

// definition is the one transition table of the RFC. The fsm, Workflow,
// Mermaid, the API and the UI all derive from it, so they cannot disagree.
var definition = []workflow.Def[State, Event]{
	{Event: EventSubmit, Src: []State{StateDraft}, Dst: StateSubmitted},
	// return asks the requester for more information; from awaiting_approval
	// it abandons the current approval round.
	{Event: EventReturn, Src: []State{StateSubmitted, StateClassified, StateAwaitingApproval}, Dst: StateDraft},
	{Event: EventClassify, Src: []State{StateSubmitted}, Dst: StateClassified},
	{Event: EventRequestApproval, Src: []State{StateClassified}, Dst: StateAwaitingApproval},
	// From classified: a standard change with a template, or a minor change
	// the change manager authorises. From awaiting_approval: the policy,
	// once the last board on the route has decided.
	{Event: EventApprove, Src: []State{StateClassified, StateAwaitingApproval}, Dst: StateApproved},
	{Event: EventReject, Src: []State{StateClassified, StateAwaitingApproval}, Dst: StateRejected},
	{Event: EventStartDevelopment, Src: []State{StateApproved}, Dst: StateInDevelopment},
	{Event: EventReady, Src: []State{StateInDevelopment}, Dst: StateReadyForRelease},
	{Event: EventSchedule, Src: []State{StateApproved, StateReadyForRelease}, Dst: StateScheduled},
	// reschedule moves a scheduled window without leaving scheduled; its own
	// name keeps the audit trail readable.
	{Event: EventReschedule, Src: []State{StateScheduled}, Dst: StateScheduled},
	// start from approved is the emergency path only (a guard enforces it).
	{Event: EventStart, Src: []State{StateApproved, StateScheduled}, Dst: StateImplementing},
	{Event: EventComplete, Src: []State{StateImplementing}, Dst: StateImplemented},
	{Event: EventFail, Src: []State{StateImplementing}, Dst: StateFailed},
	{Event: EventBackOut, Src: []State{StateImplementing, StateFailed}, Dst: StateBackedOut},
	{Event: EventReview, Src: []State{StateImplemented, StateFailed, StateBackedOut}, Dst: StateInReview},
	{Event: EventClose, Src: []State{StateInReview}, Dst: StateClosed},
	{Event: EventCancel, Src: []State{
		StateDraft, StateSubmitted, StateClassified, StateAwaitingApproval,
		StateApproved, StateInDevelopment, StateReadyForRelease, StateScheduled,
	}, Dst: StateCancelled},
}

// machine is the RFC state machine, built from its one table.
var machine = workflow.New("RFC", StateDraft, States(), definition)

// The RFC state machine's questions, answered by its one machine (see
// workflow.Machine): Workflow describes it, Mermaid draws it (compared with
// docs/state-machines.md by a test), Next says where an event leads (Invalid
// for an unknown event, Conflict when not allowed) and Available lists the
// events allowed in a state before any guard.
var (
	Workflow  = machine.Describe
	Mermaid   = machine.Mermaid
	Next      = machine.Next
	Available = machine.Available
)
