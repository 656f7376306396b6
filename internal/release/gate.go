package release

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/change"
)

// GateKind names one of the MOF release gates.
type GateKind string

// The gates: the release readiness review before ready, the deployment
// complete review before closed.
const (
	GateReadiness          GateKind = "readiness"
	GateDeploymentComplete GateKind = "deployment_complete"
)

// GateKinds lists the gates.
func GateKinds() []GateKind { return []GateKind{GateDeploymentComplete, GateReadiness} }

// CheckItem is one line of a gate's checklist.
type CheckItem struct {
	Name   string
	Passed bool
	Detail string
}

// Gate is one review held: its checklist as evaluated, who signed it and
// when. A failed review is kept too, saying which item failed.
type Gate struct {
	ID        string
	ReleaseID string
	Kind      GateKind
	Passed    bool
	Items     []CheckItem
	Notes     string
	SignedBy  string
	SignedAt  time.Time
}

// The checklist items.
const (
	ItemTestEvidence   = "test_evidence"
	ItemBackoutPlan    = "backout_plan"
	ItemContents       = "contents"
	ItemInstall        = "install_commands"
	ItemRFCsApproved   = "rfcs_approved"
	ItemNoConflicts    = "no_blocking_conflicts"
	ItemDeployFinished = "deployment_finished"
	ItemTargetsDone    = "targets_resolved"
	ItemRFCsReviewed   = "rfcs_in_review"
)

func newGate(kind GateKind, items []CheckItem) Gate {
	g := Gate{Kind: kind, Items: items, Passed: true}
	for _, it := range items {
		g.Passed = g.Passed && it.Passed
	}
	return g
}

// Failed lists the names of the items that failed.
func (g Gate) Failed() []string {
	var out []string
	for _, it := range g.Items {
		if !it.Passed {
			out = append(out, it.Name)
		}
	}
	return out
}

// ReadinessReview is the release readiness checklist: test evidence and a
// backout plan present, something to install and how, every linked RFC
// approved, and no window conflict blocking the RFCs' planned windows.
func ReadinessReview(r Release, rfcs []change.RFC, conflicts []WindowConflict) Gate {
	items := []CheckItem{
		check(ItemTestEvidence, strings.TrimSpace(r.TestEvidence) != "", "the release records no test evidence"),
		check(ItemBackoutPlan, hasBackout(r), "no backout plan and no backout command for every platform"),
		check(ItemContents, len(r.UpdateIDs)+len(r.Items) > 0, "the release contains no update and no software item"),
		check(ItemInstall, len(r.Commands) > 0, "the release has no install command template"),
	}
	var notApproved []string
	found := map[string]bool{}
	for _, c := range rfcs {
		found[c.ID] = true
		if !approvedForDeployment(string(c.State)) {
			notApproved = append(notApproved, fmt.Sprintf("%s is %s", c.Ref(), c.State))
		}
	}
	for _, id := range r.RFCIDs {
		if !found[id] {
			notApproved = append(notApproved, id+" names no RFC")
		}
	}
	items = append(items, check(ItemRFCsApproved, len(notApproved) == 0, strings.Join(notApproved, "; ")))
	var blocking []string
	for _, c := range conflicts {
		blocking = append(blocking, c.CIID+": "+c.Reason)
	}
	items = append(items, check(ItemNoConflicts, len(blocking) == 0, strings.Join(blocking, "; ")))
	return newGate(GateReadiness, items)
}

// CompleteReview is the deployment complete checklist: the deployment
// finished (or its backout run did), every target has its result, and
// every linked RFC reached its post-implementation review.
func CompleteReview(r Release, d *Deployment, counts Counts, rfcs []change.RFC) Gate {
	finished := d != nil && d.State == DeploymentFinished
	detail := "the release has no finished deployment"
	if d != nil && !finished {
		detail = "deployment " + d.ID + " is " + string(d.State)
	}
	items := []CheckItem{check(ItemDeployFinished, finished, detail)}
	open := counts[TargetPending] + counts[TargetInProgress]
	items = append(items, check(ItemTargetsDone, d != nil && open == 0, fmt.Sprintf("%d targets have no result", open)))
	var waiting []string
	for _, c := range rfcs {
		if !slices.Contains([]change.State{change.StateInReview, change.StateClosed}, c.State) {
			waiting = append(waiting, fmt.Sprintf("%s is %s", c.Ref(), c.State))
		}
	}
	items = append(items, check(ItemRFCsReviewed, len(waiting) == 0, strings.Join(waiting, "; ")))
	return newGate(GateDeploymentComplete, items)
}

func check(name string, ok bool, failure string) CheckItem {
	if ok {
		return CheckItem{Name: name, Passed: true}
	}
	return CheckItem{Name: name, Detail: failure}
}

func hasBackout(r Release) bool {
	if strings.TrimSpace(r.BackoutPlan) != "" {
		return true
	}
	if len(r.Commands) == 0 {
		return false
	}
	for _, c := range r.Commands {
		if strings.TrimSpace(c.Backout) == "" {
			return false
		}
	}
	return true
}
