package change

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/workflow/workflowtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// allowed is the transition table written out by hand, independently of
// the definition, so that a slip in either shows up.
var allowed = map[State]map[Event]State{
	StateDraft: {EventSubmit: StateSubmitted, EventCancel: StateCancelled},
	StateSubmitted: {EventReturn: StateDraft, EventClassify: StateClassified,
		EventCancel: StateCancelled},
	StateClassified: {EventReturn: StateDraft, EventRequestApproval: StateAwaitingApproval,
		EventApprove: StateApproved, EventReject: StateRejected, EventCancel: StateCancelled},
	StateAwaitingApproval: {EventReturn: StateDraft, EventApprove: StateApproved,
		EventReject: StateRejected, EventCancel: StateCancelled},
	StateApproved: {EventStartDevelopment: StateInDevelopment, EventSchedule: StateScheduled,
		EventStart: StateImplementing, EventCancel: StateCancelled},
	StateInDevelopment:   {EventReady: StateReadyForRelease, EventCancel: StateCancelled},
	StateReadyForRelease: {EventSchedule: StateScheduled, EventCancel: StateCancelled},
	StateScheduled: {EventReschedule: StateScheduled, EventStart: StateImplementing,
		EventCancel: StateCancelled},
	StateImplementing: {EventComplete: StateImplemented, EventFail: StateFailed,
		EventBackOut: StateBackedOut},
	StateImplemented: {EventReview: StateInReview},
	StateFailed:      {EventBackOut: StateBackedOut, EventReview: StateInReview},
	StateBackedOut:   {EventReview: StateInReview},
	StateInReview:    {EventClose: StateClosed},
	StateRejected:    {},
	StateClosed:      {},
	StateCancelled:   {},
}

func TestNextEveryStateAndEvent(t *testing.T) {
	d := Workflow()
	if len(d.States) != 16 || len(d.Events) != 17 {
		t.Fatalf("workflow has %d states and %d events, want 16 and 17", len(d.States), len(d.Events))
	}
	workflowtest.AssertEveryPair(t, d.States, d.Events, Next, allowed)
}

func TestNextUnknown(t *testing.T) {
	t.Run("ErrUnknownEvent", func(t *testing.T) {
		_, err := Next(StateDraft, "explode")
		wantFields(t, err, "event")
	})
	t.Run("ErrUnknownState", func(t *testing.T) {
		_, err := Next("limbo", EventSubmit)
		wantCode(t, err, errs.Internal)
	})
}

func TestAvailableMatchesTable(t *testing.T) {
	for _, s := range States() {
		var want []Event
		for ev := range allowed[s] {
			want = append(want, ev)
		}
		slices.Sort(want)
		if got := Available(s); !slices.Equal(got, want) {
			t.Errorf("Available(%s) = %v, want %v", s, got, want)
		}
	}
}

func TestFinalStatesHaveNoExit(t *testing.T) {
	d := Workflow()
	want := []State{StateCancelled, StateClosed, StateRejected}
	if !slices.Equal(d.Final, want) {
		t.Fatalf("Final = %v, want %v", d.Final, want)
	}
	for _, s := range States() {
		if s.Final() != slices.Contains(d.Final, s) {
			t.Errorf("State.Final(%s) = %v disagrees with the definition", s, s.Final())
		}
	}
	for _, s := range d.Final {
		if len(Available(s)) != 0 {
			t.Errorf("final state %s has events %v", s, Available(s))
		}
	}
}

func TestWorkflowSortedAndComplete(t *testing.T) {
	d := Workflow()
	if !slices.IsSorted(d.States) || !slices.IsSorted(d.Events) {
		t.Fatalf("states or events not sorted: %v %v", d.States, d.Events)
	}
	n := 0
	for _, evs := range allowed {
		n += len(evs)
	}
	if len(d.Transitions) != n {
		t.Fatalf("%d transitions, want %d", len(d.Transitions), n)
	}
	for i, tr := range d.Transitions {
		if allowed[tr.From][tr.Event] != tr.To {
			t.Errorf("transition %v is not in the table", tr)
		}
		if i > 0 {
			p := d.Transitions[i-1]
			if p.From > tr.From || (p.From == tr.From && p.Event >= tr.Event) {
				t.Errorf("transitions out of order at %v", tr)
			}
		}
	}
	for _, s := range States() {
		if _, err := ParseState(string(s)); err != nil {
			t.Errorf("ParseState(%s): %v", s, err)
		}
	}
}

func TestMermaid(t *testing.T) {
	got := Mermaid()
	t.Run("Deterministic", func(t *testing.T) {
		for range 20 {
			if Mermaid() != got {
				t.Fatal("Mermaid output changed between calls")
			}
		}
	})
	t.Run("EveryTransition", func(t *testing.T) {
		lines := strings.Split(strings.TrimSpace(got), "\n")
		if lines[0] != "stateDiagram-v2" || strings.TrimSpace(lines[1]) != "[*] --> draft" {
			t.Fatalf("unexpected head: %q", lines[:2])
		}
		for s, evs := range allowed {
			for ev, to := range evs {
				line := fmt.Sprintf("    %s --> %s: %s\n", s, to, ev)
				if !strings.Contains(got, line) {
					t.Errorf("diagram lacks %q", line)
				}
			}
		}
		edges := len(lines) - 2 - len(Workflow().Final)
		if edges != len(Workflow().Transitions) {
			t.Errorf("diagram has %d edges, want %d", edges, len(Workflow().Transitions))
		}
	})
	t.Run("Docs", func(t *testing.T) {
		// The diagram in the docs is the generated one, byte for byte.
		workflowtest.AssertDocDiagram(t, "## RFC (request for change)", got, *update)
	})
}
