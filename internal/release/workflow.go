package release

import "github.com/changeboard/changeboard/internal/workflow"

// State is where a release package is in its lifecycle (DESIGN §2).
type State string

// The release states.
const (
	StatePlanning          State = "planning"
	StateBuilding          State = "building"
	StateTesting           State = "testing"
	StateReady             State = "ready"
	StateScheduled         State = "scheduled"
	StateDeploying         State = "deploying"
	StateDeployed          State = "deployed"
	StatePartiallyDeployed State = "partially_deployed"
	StateFailed            State = "failed"
	StateHalted            State = "halted"
	StateRolledBack        State = "rolled_back"
	StateClosed            State = "closed"
)

// States lists the release states.
func States() []State {
	return []State{StatePlanning, StateBuilding, StateTesting, StateReady, StateScheduled, StateDeploying,
		StateDeployed, StatePartiallyDeployed, StateFailed, StateHalted, StateRolledBack, StateClosed}
}

// Event moves a release from one state to another.
type Event string

// The release events. Those of ManualEvents are fired by the release
// manager through POST /releases/{id}/transitions; the others by the use
// cases that own them (a deployment's creation, its waves, the reviews).
const (
	EventBuild    Event = "build"
	EventTest     Event = "test"
	EventRework   Event = "rework"
	EventReady    Event = "ready"
	EventSchedule Event = "schedule"
	EventDeploy   Event = "deploy"
	EventComplete Event = "complete"
	EventPartial  Event = "complete_partially"
	EventFail     Event = "fail"
	EventHalt     Event = "halt"
	EventResume   Event = "resume"
	EventUnplan   Event = "unschedule"
	EventRollBack Event = "roll_back"
	EventClose    Event = "close"
	EventAbandon  Event = "abandon"
)

// ManualEvents are the events the transitions endpoint accepts; ready and
// close go through their reviews, the rest through deployments.
func ManualEvents() []Event { return []Event{EventAbandon, EventBuild, EventRework, EventTest} }

var definition = []workflow.Def[State, Event]{
	{Event: EventBuild, Src: []State{StatePlanning}, Dst: StateBuilding},
	{Event: EventTest, Src: []State{StateBuilding}, Dst: StateTesting},
	// rework sends a tested (or ready) package back to be rebuilt.
	{Event: EventRework, Src: []State{StateTesting, StateReady}, Dst: StateBuilding},
	// ready is fired by a passed release readiness review only.
	{Event: EventReady, Src: []State{StateTesting}, Dst: StateReady},
	// schedule: a deployment was created; unschedule: it was cancelled
	// before any wave opened.
	{Event: EventSchedule, Src: []State{StateReady}, Dst: StateScheduled},
	{Event: EventUnplan, Src: []State{StateScheduled}, Dst: StateReady},
	{Event: EventDeploy, Src: []State{StateScheduled}, Dst: StateDeploying},
	{Event: EventComplete, Src: []State{StateDeploying}, Dst: StateDeployed},
	{Event: EventPartial, Src: []State{StateDeploying}, Dst: StatePartiallyDeployed},
	{Event: EventFail, Src: []State{StateDeploying, StateHalted}, Dst: StateFailed},
	{Event: EventHalt, Src: []State{StateDeploying}, Dst: StateHalted},
	{Event: EventResume, Src: []State{StateHalted}, Dst: StateDeploying},
	{Event: EventRollBack, Src: []State{StateDeployed, StatePartiallyDeployed, StateFailed, StateHalted}, Dst: StateRolledBack},
	// close is fired by a passed deployment complete review only.
	{Event: EventClose, Src: []State{StateDeployed, StatePartiallyDeployed, StateFailed, StateRolledBack}, Dst: StateClosed},
	// abandon closes a package that never shipped.
	{Event: EventAbandon, Src: []State{StatePlanning, StateBuilding, StateTesting, StateReady}, Dst: StateClosed},
}

var machine = workflow.New("release", StatePlanning, States(), definition)

// The release machine's questions (see workflow.Machine): Workflow
// describes it, Mermaid draws it (compared with docs/state-machines.md),
// Next says where an event leads, Available lists the events of a state.
var (
	Workflow  = machine.Describe
	Mermaid   = machine.Mermaid
	Next      = machine.Next
	Available = machine.Available
)

// TargetState is where one CI of a deployment is.
type TargetState string

// The per-target states (DESIGN §2).
const (
	TargetPending    TargetState = "pending"
	TargetInProgress TargetState = "in_progress"
	TargetSucceeded  TargetState = "succeeded"
	TargetFailed     TargetState = "failed"
	TargetSkipped    TargetState = "skipped"
	TargetRolledBack TargetState = "rolled_back"
)

// TargetStates lists the per-target states.
func TargetStates() []TargetState {
	return []TargetState{TargetPending, TargetInProgress, TargetSucceeded, TargetFailed, TargetSkipped, TargetRolledBack}
}

// TargetEvent moves a target.
type TargetEvent string

// The per-target events: start, succeed and fail come from the agent's
// reports; skip from a wave that closes or a deployment halted or
// cancelled; retry from the release manager; roll_back from a backout run.
const (
	TargetStart    TargetEvent = "start"
	TargetSucceed  TargetEvent = "succeed"
	TargetFail     TargetEvent = "fail"
	TargetSkip     TargetEvent = "skip"
	TargetRetry    TargetEvent = "retry"
	TargetRollBack TargetEvent = "roll_back"
)

var targetDefinition = []workflow.Def[TargetState, TargetEvent]{
	{Event: TargetStart, Src: []TargetState{TargetPending}, Dst: TargetInProgress},
	// An agent may report the end without having reported the start.
	{Event: TargetSucceed, Src: []TargetState{TargetPending, TargetInProgress}, Dst: TargetSucceeded},
	{Event: TargetFail, Src: []TargetState{TargetPending, TargetInProgress}, Dst: TargetFailed},
	{Event: TargetSkip, Src: []TargetState{TargetPending}, Dst: TargetSkipped},
	{Event: TargetRetry, Src: []TargetState{TargetFailed}, Dst: TargetPending},
	{Event: TargetRollBack, Src: []TargetState{TargetSucceeded}, Dst: TargetRolledBack},
}

var targetMachine = workflow.New("deployment target", TargetPending, TargetStates(), targetDefinition)

// The per-target machine's questions, as for the release's.
var (
	TargetWorkflow  = targetMachine.Describe
	TargetMermaid   = targetMachine.Mermaid
	NextTarget      = targetMachine.Next
	AvailableTarget = targetMachine.Available
)

// Final reports whether a target has its result for this run.
func (s TargetState) Final() bool { return s != TargetPending && s != TargetInProgress }

// ParseState checks that s names a release state.
func ParseState(s string) (State, error) { return workflow.ParseEnum("state", s, States()) }

// ParseTargetState checks that s names a target state.
func ParseTargetState(s string) (TargetState, error) {
	return workflow.ParseEnum("status", s, TargetStates())
}

// JoinTargetStates lists the target states for a message.
func JoinTargetStates() string { return workflow.JoinEnum(TargetStates()) }
