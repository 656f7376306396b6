package cmdb

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/workflow/workflowtest"
)

var update = flag.Bool("update", false, "rewrite the CI diagram in docs/state-machines.md")

// allowed is the CI transition table written out by hand, independently
// of the definition, so that a slip in either shows up.
var allowed = map[State]map[Event]State{
	StatePlanned:     {EventActivate: StateActive, EventRetire: StateRetired},
	StateActive:      {EventStartMaintenance: StateMaintenance, EventRetire: StateRetired},
	StateMaintenance: {EventEndMaintenance: StateActive, EventRetire: StateRetired},
	StateRetired:     {},
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("err = %v, want code %s", err, code)
	}
}

func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Invalid {
		t.Fatalf("err = %v, want invalid naming %v", err, fields)
	}
	for _, want := range fields {
		if !slices.ContainsFunc(e.Fields, func(f errs.FieldError) bool { return f.Field == want }) {
			t.Errorf("fields %+v do not name %s", e.Fields, want)
		}
	}
}

func TestNextEveryStateAndEvent(t *testing.T) {
	d := Workflow()
	if len(d.States) != 4 || len(d.Events) != 4 {
		t.Fatalf("workflow has %d states and %d events, want 4 and 4", len(d.States), len(d.Events))
	}
	workflowtest.AssertEveryPair(t, d.States, d.Events, Next, allowed)
}

func TestNextUnknown(t *testing.T) {
	t.Run("ErrUnknownEvent", func(t *testing.T) {
		_, err := Next(StatePlanned, "explode")
		wantFields(t, err, "event")
	})
	t.Run("ErrUnknownState", func(t *testing.T) {
		_, err := Next("limbo", EventActivate)
		wantCode(t, err, errs.Internal)
	})
}

func TestAvailableAndActions(t *testing.T) {
	writer := identity.Actor{UserID: "u", Roles: []identity.Role{identity.ChangeManager}}
	reader := identity.Actor{UserID: "r", Roles: []identity.Role{identity.Auditor}}
	for _, s := range States() {
		var want []Event
		for ev := range allowed[s] {
			want = append(want, ev)
		}
		slices.Sort(want)
		if got := Available(s); !slices.Equal(got, want) {
			t.Errorf("Available(%s) = %v, want %v", s, got, want)
		}
		if got := Actions(CI{State: s}, writer); !slices.Equal(got, want) {
			t.Errorf("Actions(%s, writer) = %v, want %v", s, got, want)
		}
		if got := Actions(CI{State: s}, reader); len(got) != 0 {
			t.Errorf("Actions(%s, reader) = %v, want none", s, got)
		}
	}
}

func TestWorkflowDescription(t *testing.T) {
	d := Workflow()
	if d.Initial != StatePlanned || !slices.Equal(d.Final, []State{StateRetired}) {
		t.Fatalf("initial %s, final %v", d.Initial, d.Final)
	}
	n := 0
	for _, evs := range allowed {
		n += len(evs)
	}
	if len(d.Transitions) != n {
		t.Fatalf("%d transitions, want %d", len(d.Transitions), n)
	}
	for _, tr := range d.Transitions {
		if allowed[tr.From][tr.Event] != tr.To {
			t.Errorf("transition %v is not in the table", tr)
		}
	}
	if !slices.IsSorted(d.States) || !slices.IsSorted(d.Events) {
		t.Errorf("states or events unsorted: %v %v", d.States, d.Events)
	}
}

func TestMermaid(t *testing.T) {
	got := Mermaid()
	t.Run("EveryTransition", func(t *testing.T) {
		if !strings.HasPrefix(got, "stateDiagram-v2\n    [*] --> planned\n") {
			t.Fatalf("unexpected head: %q", got)
		}
		for s, evs := range allowed {
			for ev, to := range evs {
				if line := fmt.Sprintf("    %s --> %s: %s\n", s, to, ev); !strings.Contains(got, line) {
					t.Errorf("diagram lacks %q", line)
				}
			}
		}
		if !strings.HasSuffix(got, "    retired --> [*]\n") {
			t.Errorf("diagram lacks the final state: %q", got)
		}
	})
	t.Run("Docs", func(t *testing.T) {
		// The diagram in the docs is the generated one, byte for byte.
		workflowtest.AssertDocDiagram(t, "## Configuration item", got, *update)
	})
}
