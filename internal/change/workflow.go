package change

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

// definition is the one transition table of the RFC. The fsm, Workflow,
// Mermaid, the API and the UI all derive from it, so they cannot disagree.
var definition = []struct {
	event Event
	src   []State
	dst   State
}{
	{EventSubmit, []State{StateDraft}, StateSubmitted},
	// return asks the requester for more information; from awaiting_approval
	// it abandons the current approval round.
	{EventReturn, []State{StateSubmitted, StateClassified, StateAwaitingApproval}, StateDraft},
	{EventClassify, []State{StateSubmitted}, StateClassified},
	{EventRequestApproval, []State{StateClassified}, StateAwaitingApproval},
	// From classified: a standard change with a template, or a minor change
	// the change manager authorises. From awaiting_approval: the policy,
	// once the last board on the route has decided.
	{EventApprove, []State{StateClassified, StateAwaitingApproval}, StateApproved},
	{EventReject, []State{StateClassified, StateAwaitingApproval}, StateRejected},
	{EventStartDevelopment, []State{StateApproved}, StateInDevelopment},
	{EventReady, []State{StateInDevelopment}, StateReadyForRelease},
	{EventSchedule, []State{StateApproved, StateReadyForRelease}, StateScheduled},
	// reschedule moves a scheduled window without leaving scheduled; its own
	// name keeps the audit trail readable.
	{EventReschedule, []State{StateScheduled}, StateScheduled},
	// start from approved is the emergency path only (a guard enforces it).
	{EventStart, []State{StateApproved, StateScheduled}, StateImplementing},
	{EventComplete, []State{StateImplementing}, StateImplemented},
	{EventFail, []State{StateImplementing}, StateFailed},
	{EventBackOut, []State{StateImplementing, StateFailed}, StateBackedOut},
	{EventReview, []State{StateImplemented, StateFailed, StateBackedOut}, StateInReview},
	{EventClose, []State{StateInReview}, StateClosed},
	{EventCancel, []State{
		StateDraft, StateSubmitted, StateClassified, StateAwaitingApproval,
		StateApproved, StateInDevelopment, StateReadyForRelease, StateScheduled,
	}, StateCancelled},
}

// Transition is one edge of the RFC state machine.
type Transition struct {
	From  State
	Event Event
	To    State
}

// Description is the RFC state machine as data, for GET /workflows/rfc.
type Description struct {
	// Initial is the state every RFC is created in.
	Initial State
	// States and Events are sorted by name.
	States []State
	Events []Event
	// Final lists the states no transition leaves, sorted by name.
	Final []State
	// Transitions are sorted by From, then Event.
	Transitions []Transition
}

// Workflow describes the RFC state machine from its one definition.
func Workflow() Description {
	d := Description{Initial: StateDraft, States: States()}
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

// Mermaid renders the state machine as a Mermaid stateDiagram-v2. The text
// is stable (sorted as Workflow is) so that the copy in the docs can be
// compared with it by a test.
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

// machine builds the fsm for one operation, starting from the stored state.
// It has no callbacks: guards are plain functions (rules.go) run before it.
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

// Next returns the state an RFC in state s reaches by ev. It answers Invalid
// for an unknown event and Conflict when ev is not allowed in s.
func Next(s State, ev Event) (State, error) {
	if !slices.Contains(States(), s) {
		return "", errs.E(errs.Internal, "unknown RFC state %q", s)
	}
	if !slices.Contains(Workflow().Events, ev) {
		return "", errs.Field("event", "must be one of "+joinEnum(Workflow().Events))
	}
	m := machine(s)
	err := m.Event(context.Background(), string(ev))
	// The fsm reports a self-loop (reschedule) as NoTransitionError even
	// though the event is allowed.
	var selfLoop fsm.NoTransitionError
	if err != nil && !errors.As(err, &selfLoop) {
		return "", errs.E(errs.Conflict, "%s is not possible in state %s", ev, s)
	}
	return State(m.Current()), nil
}

// Available lists the events the state machine allows in s, sorted, before
// any guard; Actions narrows them to what one actor may fire now.
func Available(s State) []Event {
	var out []Event
	for _, name := range machine(s).AvailableTransitions() {
		out = append(out, Event(name))
	}
	slices.Sort(out)
	return out
}
