package catalog

import "github.com/changeboard/changeboard/internal/workflow"

// Event is a transition's name, as sent to POST /updates/{id}/transitions.
type Event string

// The update events.
const (
	EventApprove   Event = "approve"
	EventDecline   Event = "decline"
	EventSupersede Event = "supersede"
	EventExpire    Event = "expire"
)

// ParseEvent reads an event name.
func ParseEvent(s string) (Event, error) { return parseEnum("event", s, Workflow().Events) }

// definition is the one transition table of the update. The fsm, Workflow,
// Mermaid, the API and the docs derive from it.
var definition = []workflow.Def[State, Event]{
	// A declined update may be approved after all, and an approved one
	// declined, as in WSUS; both are the change manager's decisions.
	{Event: EventApprove, Src: []State{StateNew, StateDeclined}, Dst: StateApproved},
	{Event: EventDecline, Src: []State{StateNew, StateApproved}, Dst: StateDeclined},
	// supersede is fired by the import or entry of a newer update that
	// names this one, or by a change manager naming the successor.
	{Event: EventSupersede, Src: []State{StateNew, StateApproved, StateDeclined}, Dst: StateSuperseded},
	// expire records that the vendor withdrew the update.
	{Event: EventExpire, Src: []State{StateNew, StateApproved, StateDeclined, StateSuperseded}, Dst: StateExpired},
}

// machine is the update state machine, built from its one table.
var machine = workflow.New("update", StateNew, States(), definition)

// Transition is one edge of the update state machine.
type Transition = workflow.Transition[State, Event]

// Description is the update state machine as data, for the workflow endpoint.
type Description = workflow.Description[State, Event]

// Workflow describes the update state machine from its one definition.
func Workflow() Description { return machine.Describe() }

// Mermaid renders the state machine as a stable Mermaid stateDiagram-v2,
// compared with the copy in docs/state-machines.md by a test.
func Mermaid() string { return machine.Mermaid() }

// Next returns the state a update in state s reaches by ev: Invalid for an
// unknown event, Conflict when ev is not allowed in s.
func Next(s State, ev Event) (State, error) { return machine.Next(s, ev) }

// Available lists the events the state machine allows in s, sorted, before
// any guard.
func Available(s State) []Event { return machine.Available(s) }
