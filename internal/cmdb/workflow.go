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
func ParseState(s string) (State, error) { return parseEnum("state", s, States()) }

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
func ParseEvent(s string) (Event, error) { return parseEnum("event", s, Workflow().Events) }

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

// Transition is one edge of the CI state machine.
type Transition = workflow.Transition[State, Event]

// Description is the CI state machine as data, for the workflow endpoint.
type Description = workflow.Description[State, Event]

// Workflow describes the CI state machine from its one definition.
func Workflow() Description { return machine.Describe() }

// Mermaid renders the state machine as a stable Mermaid stateDiagram-v2,
// compared with the copy in docs/state-machines.md by a test.
func Mermaid() string { return machine.Mermaid() }

// Next returns the state a CI in state s reaches by ev: Invalid for an
// unknown event, Conflict when ev is not allowed in s.
func Next(s State, ev Event) (State, error) { return machine.Next(s, ev) }

// Available lists the events the state machine allows in s, sorted, before
// any guard.
func Available(s State) []Event { return machine.Available(s) }

// parseEnum and joinEnum are the shared enum helpers, so that every enum
// answers bad input alike.
func parseEnum[T ~string](field, s string, all []T) (T, error) {
	return workflow.ParseEnum(field, s, all)
}

func joinEnum[T ~string](all []T) string { return workflow.JoinEnum(all) }

func itoa(n int) string { return strconv.Itoa(n) }

// fieldsOf returns the field errors an Invalid error carries.
func fieldsOf(err error) errs.Fields {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
