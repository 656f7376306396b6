package release

import (
	"flag"
	"slices"
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/workflow/workflowtest"
)

var update = flag.Bool("update", false, "rewrite the diagrams in docs/state-machines.md")

// allowed is the release table written out by hand: every (state, event)
// pair not listed here must be refused.
var allowed = map[State]map[Event]State{
	StatePlanning:          {EventBuild: StateBuilding, EventAbandon: StateClosed},
	StateBuilding:          {EventTest: StateTesting, EventAbandon: StateClosed},
	StateTesting:           {EventReady: StateReady, EventRework: StateBuilding, EventAbandon: StateClosed},
	StateReady:             {EventSchedule: StateScheduled, EventRework: StateBuilding, EventAbandon: StateClosed},
	StateScheduled:         {EventDeploy: StateDeploying, EventUnplan: StateReady},
	StateDeploying:         {EventComplete: StateDeployed, EventPartial: StatePartiallyDeployed, EventFail: StateFailed, EventHalt: StateHalted},
	StateHalted:            {EventResume: StateDeploying, EventFail: StateFailed, EventRollBack: StateRolledBack},
	StateDeployed:          {EventRollBack: StateRolledBack, EventClose: StateClosed},
	StatePartiallyDeployed: {EventRollBack: StateRolledBack, EventClose: StateClosed},
	StateFailed:            {EventRollBack: StateRolledBack, EventClose: StateClosed},
	StateRolledBack:        {EventClose: StateClosed},
	StateClosed:            {},
}

var targetAllowed = map[TargetState]map[TargetEvent]TargetState{
	TargetPending:    {TargetStart: TargetInProgress, TargetSucceed: TargetSucceeded, TargetFail: TargetFailed, TargetSkip: TargetSkipped},
	TargetInProgress: {TargetSucceed: TargetSucceeded, TargetFail: TargetFailed},
	TargetSucceeded:  {TargetRollBack: TargetRolledBack},
	TargetFailed:     {TargetRetry: TargetPending},
	TargetSkipped:    {},
	TargetRolledBack: {},
}

func TestEveryReleasePair(t *testing.T) {
	workflowtest.AssertEveryPair(t, States(), Workflow().Events, Next, allowed)
}

func TestEveryTargetPair(t *testing.T) {
	workflowtest.AssertEveryPair(t, TargetStates(), TargetWorkflow().Events, NextTarget, targetAllowed)
}

func TestUnknownEventAndState(t *testing.T) {
	if _, err := Next(StatePlanning, "launch"); !errs.Is(err, errs.Invalid) {
		t.Errorf("unknown event: %v, want invalid", err)
	}
	if _, err := Next("limbo", EventBuild); !errs.Is(err, errs.Internal) {
		t.Errorf("unknown state: %v, want internal", err)
	}
	if _, err := NextTarget(TargetPending, "explode"); !errs.Is(err, errs.Invalid) {
		t.Errorf("unknown target event: %v, want invalid", err)
	}
}

func TestAvailable(t *testing.T) {
	for s, evs := range allowed {
		var want []Event
		for ev := range evs {
			want = append(want, ev)
		}
		slices.Sort(want)
		if got := Available(s); !slices.Equal(got, want) {
			t.Errorf("Available(%s) = %v, want %v", s, got, want)
		}
	}
	d := Workflow()
	if d.Initial != StatePlanning || !slices.Equal(d.Final, []State{StateClosed}) {
		t.Errorf("initial %s, final %v", d.Initial, d.Final)
	}
	td := TargetWorkflow()
	if !slices.Equal(td.Final, []TargetState{TargetRolledBack, TargetSkipped}) {
		t.Errorf("target final states %v", td.Final)
	}
}

func TestMermaidDocs(t *testing.T) {
	workflowtest.AssertDocDiagram(t, "## Release package", Mermaid(), *update)
	workflowtest.AssertDocDiagram(t, "## Deployment target", TargetMermaid(), *update)
}
