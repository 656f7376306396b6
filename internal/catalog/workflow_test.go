package catalog

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/workflow/workflowtest"
)

var update = flag.Bool("update", false, "rewrite the generated diagram in docs/state-machines.md")

// allowed is the transition table written out by hand, independently of
// the definition, so that a slip in either shows up.
var allowed = map[State]map[Event]State{
	StateNew:        {EventApprove: StateApproved, EventDecline: StateDeclined, EventSupersede: StateSuperseded, EventExpire: StateExpired},
	StateApproved:   {EventDecline: StateDeclined, EventSupersede: StateSuperseded, EventExpire: StateExpired},
	StateDeclined:   {EventApprove: StateApproved, EventSupersede: StateSuperseded, EventExpire: StateExpired},
	StateSuperseded: {EventExpire: StateExpired},
	StateExpired:    {},
}

func TestNextEveryStateAndEvent(t *testing.T) {
	d := Workflow()
	if len(d.States) != 5 || len(d.Events) != 4 || !slices.Equal(d.Final, []State{StateExpired}) {
		t.Fatalf("workflow: %+v", d)
	}
	workflowtest.AssertEveryPair(t, d.States, d.Events, Next, allowed)
	for _, s := range d.States {
		if n := len(Available(s)); n != len(allowed[s]) {
			t.Errorf("Available(%s) has %d events, want %d", s, n, len(allowed[s]))
		}
	}
	if _, err := Next(StateNew, "explode"); !errs.Is(err, errs.Invalid) {
		t.Errorf("unknown event: %v", err)
	}
	if _, err := Next("limbo", EventApprove); !errs.Is(err, errs.Internal) {
		t.Errorf("unknown state: %v", err)
	}
}

func TestCheckTransition(t *testing.T) {
	u := Update{ID: "u1", VendorID: "KB1", State: StateNew}
	cm := identity.Actor{UserID: "cm", Roles: []identity.Role{identity.ChangeManager}}
	rm := identity.Actor{UserID: "rm", Roles: []identity.Role{identity.ReleaseManager}}
	for _, c := range []struct {
		name  string
		actor identity.Actor
		ev    Event
		in    TransitionInput
		code  errs.Code
	}{
		{"OKApprove", cm, EventApprove, TransitionInput{}, ""},
		{"ErrForbidden", rm, EventApprove, TransitionInput{}, errs.Forbidden},
		{"ErrDeclineWithoutComment", cm, EventDecline, TransitionInput{}, errs.Invalid},
		{"ErrSupersedeItself", cm, EventSupersede, TransitionInput{SupersededBy: "KB1"}, errs.Invalid},
		{"ErrSupersedeNoSuccessor", cm, EventSupersede, TransitionInput{}, errs.Invalid},
		{"OKExpire", cm, EventExpire, TransitionInput{Comment: "withdrawn by the vendor"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := CheckTransition(u, c.actor, c.ev, c.in); errs.CodeOf(err) != c.code {
				t.Fatalf("CheckTransition = %v; want %q", err, c.code)
			}
		})
	}
	if got := Actions(u, cm); !slices.Equal(got, []Event{EventApprove, EventDecline, EventExpire, EventSupersede}) {
		t.Errorf("Actions(change manager) = %v", got)
	}
	if got := Actions(u, rm); len(got) != 0 {
		t.Errorf("Actions(release manager) = %v", got)
	}
}

func TestMermaid(t *testing.T) {
	got := Mermaid()
	for s, evs := range allowed {
		for ev, to := range evs {
			if line := fmt.Sprintf("    %s --> %s: %s\n", s, to, ev); !strings.Contains(got, line) {
				t.Errorf("diagram lacks %q", line)
			}
		}
	}
	t.Run("Docs", func(t *testing.T) {
		// The diagram in the docs is the generated one, byte for byte.
		workflowtest.AssertDocDiagram(t, "## Update (patch catalog)", got, *update)
	})
}
