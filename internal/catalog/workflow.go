package catalog

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/looplab/fsm"

	"github.com/changeboard/changeboard/internal/errs"
)

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
var definition = []struct {
	event Event
	src   []State
	dst   State
}{
	// A declined update may be approved after all, and an approved one
	// declined, as in WSUS; both are the change manager's decisions.
	{EventApprove, []State{StateNew, StateDeclined}, StateApproved},
	{EventDecline, []State{StateNew, StateApproved}, StateDeclined},
	// supersede is fired by the import or entry of a newer update that
	// names this one, or by a change manager naming the successor.
	{EventSupersede, []State{StateNew, StateApproved, StateDeclined}, StateSuperseded},
	// expire records that the vendor withdrew the update.
	{EventExpire, []State{StateNew, StateApproved, StateDeclined, StateSuperseded}, StateExpired},
}

// Transition is one edge of the update state machine.
type Transition struct {
	From  State
	Event Event
	To    State
}

// Description is the update state machine as data, for GET /workflows/update.
type Description struct {
	Initial     State
	States      []State
	Events      []Event
	Final       []State
	Transitions []Transition
}

// Workflow describes the update state machine from its one definition,
// sorted like change.Workflow.
func Workflow() Description {
	d := Description{Initial: StateNew, States: States()}
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
// the text docs/state-machines.md holds.
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

// machine builds the fsm for one operation from the stored state; it has no
// callbacks, the guards run before it.
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

// Next returns the state an update in state s reaches by ev: Invalid for an
// unknown event, Conflict when ev is not allowed in s.
func Next(s State, ev Event) (State, error) {
	if !slices.Contains(States(), s) {
		return "", errs.E(errs.Internal, "unknown update state %q", s)
	}
	if !slices.Contains(Workflow().Events, ev) {
		return "", errs.Field("event", "must be one of "+joinEnum(Workflow().Events))
	}
	m := machine(s)
	if err := m.Event(context.Background(), string(ev)); err != nil {
		return "", errs.E(errs.Conflict, "%s is not possible in state %s", ev, s)
	}
	return State(m.Current()), nil
}

// Available lists the events the state machine allows in s, sorted.
func Available(s State) []Event {
	var out []Event
	for _, name := range machine(s).AvailableTransitions() {
		out = append(out, Event(name))
	}
	slices.Sort(out)
	return out
}
