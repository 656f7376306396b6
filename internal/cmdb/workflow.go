package cmdb

import (
	"errors"
	"strconv"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/workflow"
)

// State is where a CI is in its lifecycle.
type State string

// The CI states (DESIGN §2).
const (
	StatePlanned     State = "planned"
	StateActive      State = "active"
	StateMaintenance State = "maintenance"
	StateRetired     State = "retired"
)

// States lists the states in lifecycle order.
func States() []State { return []State{StatePlanned, StateActive, StateMaintenance, StateRetired} }

// ParseState reads a state, for filters and for rows read back.
func ParseState(s string) (State, error) { return workflow.ParseEnum("state", s, States()) }

// Event names a CI transition, as sent to POST /cis/{id}/transitions.
type Event string

// The CI events.
const (
	EventActivate         Event = "activate"
	EventStartMaintenance Event = "start_maintenance"
	EventEndMaintenance   Event = "end_maintenance"
	EventRetire           Event = "retire"
)

// ParseEvent reads an event name.
func ParseEvent(s string) (Event, error) { return workflow.ParseEnum("event", s, Workflow().Events) }

// definition is the one transition table of the CI. Retiring is allowed
// from every live state, not only from maintenance: a planned CI may be
// abandoned and a server may be switched off without a maintenance
// period; what retiring needs is the writer's role, checked in the use case.
var definition = []workflow.Def[State, Event]{
	{Event: EventActivate, Src: []State{StatePlanned}, Dst: StateActive},
	{Event: EventStartMaintenance, Src: []State{StateActive}, Dst: StateMaintenance},
	{Event: EventEndMaintenance, Src: []State{StateMaintenance}, Dst: StateActive},
	{Event: EventRetire, Src: []State{StatePlanned, StateActive, StateMaintenance}, Dst: StateRetired},
}

// machine is the CI state machine, built from its one table.
var machine = workflow.New("CI", StatePlanned, States(), definition)

// The CI state machine's questions, answered by its one machine (see
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

func itoa(n int) string { return strconv.Itoa(n) }

// fieldsOf returns the field errors an Invalid error carries.
func fieldsOf(err error) errs.Fields {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
