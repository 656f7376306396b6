package cmdb

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/looplab/fsm"

	"github.com/changeboard/changeboard/internal/errs"
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
var definition = []struct {
	event Event
	src   []State
	dst   State
}{
	{EventActivate, []State{StatePlanned}, StateActive},
	{EventStartMaintenance, []State{StateActive}, StateMaintenance},
	{EventEndMaintenance, []State{StateMaintenance}, StateActive},
	{EventRetire, []State{StatePlanned, StateActive, StateMaintenance}, StateRetired},
}

// Transition is one edge of the CI state machine.
type Transition struct {
	From  State
	Event Event
	To    State
}

// Description is the CI state machine as data, for GET /workflows/ci.
type Description struct {
	Initial State
	// States, Events and Final are sorted by name.
	States []State
	Events []Event
	Final  []State
	// Transitions are sorted by From, then Event.
	Transitions []Transition
}

// Workflow describes the CI state machine from its one definition.
func Workflow() Description {
	d := Description{Initial: StatePlanned, States: States()}
	exits := map[State]bool{}
	for _, def := range definition {
		d.Events = append(d.Events, def.event)
		for _, src := range def.src {
			d.Transitions = append(d.Transitions, Transition{From: src, Event: def.event, To: def.dst})
			exits[src] = true
		}
	}
	slices.Sort(d.States)
	for _, s := range d.States {
		if !exits[s] {
			d.Final = append(d.Final, s)
		}
	}
	slices.Sort(d.Events)
	slices.SortFunc(d.Transitions, func(a, b Transition) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.Event, b.Event))
	})
	return d
}

// Mermaid renders the state machine as a stable Mermaid stateDiagram-v2,
// compared with the copy in docs/state-machines.md by a test.
func Mermaid() string {
	d := Workflow()
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	fmt.Fprintf(&b, "    [*] --> %s\n", d.Initial)
	for _, t := range d.Transitions {
		fmt.Fprintf(&b, "    %s --> %s: %s\n", t.From, t.To, t.Event)
	}
	for _, s := range d.Final {
		fmt.Fprintf(&b, "    %s --> [*]\n", s)
	}
	return b.String()
}

// machine builds the fsm for one operation from the stored state; no
// callbacks, no I/O.
func machine(s State) *fsm.FSM {
	events := make(fsm.Events, 0, len(definition))
	for _, def := range definition {
		src := make([]string, len(def.src))
		for i, s := range def.src {
			src[i] = string(s)
		}
		events = append(events, fsm.EventDesc{Name: string(def.event), Src: src, Dst: string(def.dst)})
	}
	return fsm.NewFSM(string(s), events, nil)
}

// Next returns the state a CI in state s reaches by ev: Invalid for an
// unknown event, Conflict when ev is not allowed in s.
func Next(s State, ev Event) (State, error) {
	if !slices.Contains(States(), s) {
		return "", errs.E(errs.Internal, "unknown CI state %q", s)
	}
	if !slices.Contains(Workflow().Events, ev) {
		return "", errs.Field("event", "must be one of "+joinEnum(Workflow().Events))
	}
	m := machine(s)
	err := m.Event(context.Background(), string(ev))
	var same fsm.NoTransitionError
	if err != nil && !errors.As(err, &same) {
		return "", errs.E(errs.Conflict, "%s is not possible in state %s", ev, s)
	}
	return State(m.Current()), nil
}

// Available lists the events allowed in s, sorted.
func Available(s State) []Event {
	var out []Event
	for _, name := range machine(s).AvailableTransitions() {
		out = append(out, Event(name))
	}
	slices.Sort(out)
	return out
}

func parseEnum[T ~string](field, s string, all []T) (T, error) {
	if s == "" {
		return "", errs.Field(field, "is required")
	}
	for _, v := range all {
		if string(v) == s {
			return v, nil
		}
	}
	return "", errs.Field(field, "must be one of "+joinEnum(all))
}

func joinEnum[T ~string](all []T) string {
	parts := make([]string, len(all))
	for i, v := range all {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

func itoa(n int) string { return strconv.Itoa(n) }

// fieldsOf returns the field errors an Invalid error carries.
func fieldsOf(err error) errs.Fields {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
