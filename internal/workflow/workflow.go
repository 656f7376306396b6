// Package workflow turns one transition table into everything a stateful
// record needs: the next state and the events allowed, looked up in a
// table a looplab/fsm machine builds once, the description served by the API, and the Mermaid diagram kept
// in the docs. RFCs, CIs and updates each declare their table and share
// this code.
package workflow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/looplab/fsm"

	"github.com/changeboard/changeboard/internal/errs"
)

// Def is one row of a transition table: ev leads from any of Src to Dst.
type Def[S, E ~string] struct {
	Event E
	Src   []S
	Dst   S
}

// Transition is one edge of a state machine.
type Transition[S, E ~string] struct {
	From  S
	Event E
	To    S
}

// Description is a state machine as data.
type Description[S, E ~string] struct {
	// Initial is the state every record is created in.
	Initial S
	// States, Events and Final (the states no transition leaves) are
	// sorted by name.
	States []S
	Events []E
	Final  []S
	// Transitions are sorted by From, then Event.
	Transitions []Transition[S, E]
}

// Machine is a record kind's state machine. Its transition table is
// built once, in New, by a looplab/fsm machine over the definition; Next
// and Available are then lookups in it. (Rebuilding a looplab machine per
// question cost ~60 % of the server's CPU on a list of 50 RFCs, whose
// actions ask it once per event of every row.)
type Machine[S, E ~string] struct {
	noun    string
	initial S
	states  []S
	defs    []Def[S, E]
	// events are every event of the table, sorted.
	events []E
	// next[s][ev] is where ev leads from s; available[s] the events
	// allowed in s, sorted.
	next      map[S]map[E]S
	available map[S][]E
}

// New returns the machine of records called noun (in messages), created in
// initial, with every state and the transition table.
func New[S, E ~string](noun string, initial S, states []S, defs []Def[S, E]) *Machine[S, E] {
	m := &Machine[S, E]{noun: noun, initial: initial, states: states, defs: defs,
		next: map[S]map[E]S{}, available: map[S][]E{}}
	m.events = m.Describe().Events
	for _, s := range states {
		m.next[s] = map[E]S{}
		for _, ev := range m.events {
			if dst, ok := m.fire(s, ev); ok {
				m.next[s][ev] = dst
				m.available[s] = append(m.available[s], ev)
			}
		}
	}
	return m
}

// fire asks a looplab machine set to s where ev leads, at construction
// only.
func (m *Machine[S, E]) fire(s S, ev E) (S, bool) {
	f := m.fsm(s)
	err := f.Event(context.Background(), string(ev))
	// The fsm reports a self-loop (an RFC's reschedule) as
	// NoTransitionError although the event is allowed.
	var selfLoop fsm.NoTransitionError
	if err != nil && !errors.As(err, &selfLoop) {
		return "", false
	}
	return S(f.Current()), true
}

// Describe returns the machine as data, derived from its one table.
func (m *Machine[S, E]) Describe() Description[S, E] {
	d := Description[S, E]{Initial: m.initial, States: slices.Clone(m.states)}
	exits := map[S]bool{}
	for _, def := range m.defs {
		d.Events = append(d.Events, def.Event)
		for _, src := range def.Src {
			d.Transitions = append(d.Transitions, Transition[S, E]{From: src, Event: def.Event, To: def.Dst})
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
	d.Events = slices.Compact(d.Events)
	slices.SortFunc(d.Transitions, func(a, b Transition[S, E]) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.Event, b.Event))
	})
	return d
}

// Mermaid renders the machine as a stateDiagram-v2. The text is stable
// (sorted as Describe is) so that the copy in the docs can be compared
// with it by a test.
func (m *Machine[S, E]) Mermaid() string {
	d := m.Describe()
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

// fsm builds a looplab machine in state s, for New.
// It has no callbacks: guards are plain functions run before it, with the
// data already loaded.
func (m *Machine[S, E]) fsm(s S) *fsm.FSM {
	events := make(fsm.Events, 0, len(m.defs))
	for _, def := range m.defs {
		src := make([]string, len(def.Src))
		for i, s := range def.Src {
			src[i] = string(s)
		}
		events = append(events, fsm.EventDesc{Name: string(def.Event), Src: src, Dst: string(def.Dst)})
	}
	return fsm.NewFSM(string(s), events, nil)
}

// Next returns the state a record in s reaches by ev: Invalid (naming the
// field "event") for an unknown event, Conflict when ev is not allowed in
// s, Internal for a state the machine does not know.
func (m *Machine[S, E]) Next(s S, ev E) (S, error) {
	next, ok := m.next[s]
	if !ok {
		return "", errs.E(errs.Internal, "unknown %s state %q", m.noun, s)
	}
	if dst, ok := next[ev]; ok {
		return dst, nil
	}
	if !slices.Contains(m.events, ev) {
		return "", errs.Field("event", "must be one of "+JoinEnum(m.events))
	}
	return "", errs.E(errs.Conflict, "%s is not possible in state %s", ev, s)
}

// Available lists the events the machine allows in s, sorted, before any
// guard.
func (m *Machine[S, E]) Available(s S) []E {
	return slices.Clone(m.available[s])
}

// ParseEnum is the one parser behind every enum: bad input gets an Invalid
// error naming the field and the choices.
func ParseEnum[T ~string](field, s string, all []T) (T, error) {
	if s == "" {
		return "", errs.Field(field, "is required")
	}
	for _, v := range all {
		if string(v) == s {
			return v, nil
		}
	}
	return "", errs.Field(field, "must be one of "+JoinEnum(all))
}

// JoinEnum lists values for a message.
func JoinEnum[T ~string](all []T) string {
	s := make([]string, len(all))
	for i, v := range all {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
