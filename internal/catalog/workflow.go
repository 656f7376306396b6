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
func ParseEvent(s string) (Event, error) { return workflow.ParseEnum("event", s, Workflow().Events) }

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

// The update state machine's questions, answered by its one machine (see
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
