package change

import (
	"fmt"
	"math"
)

// riskImpactDepth is how far down the dependency graph the CIs that depend
// on an RFC's affected CIs are counted for its risk (ImpactGraphSize).
const riskImpactDepth = 3

// RiskInputs are the facts a risk score is computed from, kept on the RFC so
// that the score can be recomputed and explained later.
type RiskInputs struct {
	Category Category
	Priority Priority
	// AffectedCICount is the number of affected CIs.
	AffectedCICount int
	// CriticalityCounts counts the affected CIs by CMDB criticality:
	// "critical", "high", "medium", "low"; other keys score nothing.
	CriticalityCounts map[string]int
	// ImpactGraphSize is the number of CIs reachable from the affected ones
	// in the CMDB's dependency graph (0 until the CMDB knows).
	ImpactGraphSize int
	// OutsideMaintenanceWindow is true when the planned window is not
	// inside a maintenance window of the CIs.
	OutsideMaintenanceWindow bool
	// PriorChanges and PriorFailures are the record of earlier changes of
	// the same kind (closed, and closed unsuccessful or backed out).
	PriorChanges  int
	PriorFailures int
}

// Level is a risk score in words.
type Level string

// The levels: scores 0-24, 25-49, 50-74 and 75-100.
const (
	RiskLow      Level = "low"
	RiskMedium   Level = "medium"
	RiskHigh     Level = "high"
	RiskCritical Level = "critical"
)

// RiskFactor is one term of a risk score: what was looked at, what it was,
// how much it could weigh, how much it did, and why.
type RiskFactor struct {
	Name        string
	Value       string
	Weight      int
	Points      int
	Explanation string
}

// Risk is an explainable risk score: Score is the sum of the factors'
// points, and every factor is listed, even those that scored nothing.
type Risk struct {
	Score   int
	Level   Level
	Factors []RiskFactor
}

// The weights of the factors; they sum to 100, so a factor's weight is the
// share of the worst case it can account for.
const (
	WeightCategory          = 20
	WeightPriority          = 10
	WeightAffectedCIs       = 15
	WeightCICriticality     = 20
	WeightImpactGraph       = 15
	WeightMaintenanceWindow = 10
	WeightChangeHistory     = 10
)

// Assess computes the risk score of in. It is deterministic: the same
// inputs always give the same score, factors and explanations, in the order
// category, priority, affected_cis, ci_criticality, impact_graph,
// maintenance_window, change_history.
func Assess(in RiskInputs) Risk {
	factors := []RiskFactor{
		categoryFactor(in.Category),
		priorityFactor(in.Priority),
		affectedFactor(in.AffectedCICount),
		criticalityFactor(in.CriticalityCounts),
		impactFactor(in.ImpactGraphSize),
		windowFactor(in.OutsideMaintenanceWindow),
		historyFactor(in.PriorChanges, in.PriorFailures),
	}
	r := Risk{Factors: factors}
	for _, f := range factors {
		r.Score += f.Points
	}
	r.Level = levelOf(r.Score)
	return r
}

func levelOf(score int) Level {
	switch {
	case score >= 75:
		return RiskCritical
	case score >= 50:
		return RiskHigh
	case score >= 25:
		return RiskMedium
	}
	return RiskLow
}

func categoryFactor(c Category) RiskFactor {
	f := RiskFactor{Name: "category", Value: string(c), Weight: WeightCategory}
	switch c {
	case CategoryStandard:
		f.Explanation = "a standard change follows a pre-authorised, proven model"
	case CategoryMinor:
		f.Points, f.Explanation = 5, "a minor change is small and well understood"
	case CategoryMajor:
		f.Points, f.Explanation = 20, "a major change is far-reaching enough to need the executive board"
	case CategorySignificant:
		f.Points, f.Explanation = 12, "a significant change needs the CAB"
	default:
		// Unknown is not safe: counted as significant until classified.
		f.Value = "unclassified"
		f.Points, f.Explanation = 12, "not classified yet: counted as significant"
	}
	return f
}

func priorityFactor(p Priority) RiskFactor {
	f := RiskFactor{Name: "priority", Value: string(p), Weight: WeightPriority}
	switch p {
	case PriorityLow:
		f.Explanation = "low priority leaves time to prepare and test"
	case PriorityHigh:
		f.Points, f.Explanation = 6, "high priority shortens preparation and testing"
	case PriorityEmergency:
		f.Points, f.Explanation = 10, "an emergency skips the usual preparation and the CAB"
	case PriorityMedium:
		f.Points, f.Explanation = 3, "medium priority leaves the usual time to prepare"
	default:
		f.Value = "unclassified"
		f.Points, f.Explanation = 3, "not classified yet: counted as medium"
	}
	return f
}

// step is one band of a count: up to upTo (inclusive) scores points.
type step struct{ upTo, points int }

// countSteps bands CI counts: every band multiplies the blast radius by
// about four, and each scores a fifth of the weight more.
var countSteps = []step{{0, 0}, {1, 3}, {5, 6}, {20, 9}, {100, 12}, {math.MaxInt, 15}}

func stepPoints(n int) int {
	for _, s := range countSteps {
		if n <= s.upTo {
			return s.points
		}
	}
	return 0
}

func affectedFactor(n int) RiskFactor {
	n = max(n, 0)
	return RiskFactor{
		Name: "affected_cis", Value: fmt.Sprint(n), Weight: WeightAffectedCIs, Points: stepPoints(n),
		Explanation: fmt.Sprintf("%d configuration items are changed directly (bands: 1, 2-5, 6-20, 21-100, more)", n),
	}
}

func impactFactor(n int) RiskFactor {
	n = max(n, 0)
	return RiskFactor{
		Name: "impact_graph", Value: fmt.Sprint(n), Weight: WeightImpactGraph, Points: stepPoints(n),
		Explanation: fmt.Sprintf("%d configuration items depend on the changed ones (bands: 1, 2-5, 6-20, 21-100, more)", n),
	}
}

// criticalityPoints is what one affected CI of each criticality adds: a
// few critical CIs should weigh as much as many ordinary ones.
var criticalityPoints = []struct {
	level  string
	points int
}{{"critical", 8}, {"high", 3}, {"medium", 1}, {"low", 0}}

func criticalityFactor(counts map[string]int) RiskFactor {
	f := RiskFactor{Name: "ci_criticality", Weight: WeightCICriticality}
	raw := 0
	for i, c := range criticalityPoints {
		n := max(counts[c.level], 0)
		raw += n * c.points
		if i > 0 {
			f.Value += ", "
		}
		f.Value += fmt.Sprintf("%d %s", n, c.level)
	}
	f.Points = min(raw, WeightCICriticality)
	f.Explanation = fmt.Sprintf("8 per critical, 3 per high, 1 per medium CI: %d, capped at %d", raw, WeightCICriticality)
	return f
}

func windowFactor(outside bool) RiskFactor {
	if outside {
		return RiskFactor{Name: "maintenance_window", Value: "outside", Weight: WeightMaintenanceWindow,
			Points: WeightMaintenanceWindow, Explanation: "the planned window is outside the CIs' maintenance windows"}
	}
	return RiskFactor{Name: "maintenance_window", Value: "inside", Weight: WeightMaintenanceWindow,
		Explanation: "the planned window is inside the CIs' maintenance windows"}
}

func historyFactor(changes, failures int) RiskFactor {
	f := RiskFactor{Name: "change_history", Weight: WeightChangeHistory}
	changes = max(changes, 0)
	failures = min(max(failures, 0), changes)
	if changes == 0 {
		// No record is a risk of its own, half as bad as all failures.
		f.Value, f.Points = "none", WeightChangeHistory/2
		f.Explanation = "no earlier change of this kind to learn from"
		return f
	}
	f.Value = fmt.Sprintf("%d of %d failed", failures, changes)
	// The failure rate times the weight, rounded half up in integers so the
	// score is the same on every platform.
	f.Points = (2*WeightChangeHistory*failures + changes) / (2 * changes)
	f.Explanation = fmt.Sprintf("%d of the %d earlier changes of this kind failed", failures, changes)
	return f
}
