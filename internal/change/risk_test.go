package change

import (
	"slices"
	"testing"
)

func points(r Risk) map[string]int {
	out := map[string]int{}
	for _, f := range r.Factors {
		out[f.Name] = f.Points
	}
	return out
}

func TestAssessExactScores(t *testing.T) {
	cases := []struct {
		name   string
		in     RiskInputs
		score  int
		level  Level
		points map[string]int
	}{
		{"NothingKnown", RiskInputs{}, 20, RiskLow, map[string]int{
			"category": 12, "priority": 3, "affected_cis": 0, "ci_criticality": 0,
			"impact_graph": 0, "maintenance_window": 0, "change_history": 5}},
		{"RoutineStandard", RiskInputs{
			Category: CategoryStandard, Priority: PriorityLow, AffectedCICount: 1,
			CriticalityCounts: map[string]int{"low": 1}, PriorChanges: 10,
		}, 3, RiskLow, map[string]int{
			"category": 0, "priority": 0, "affected_cis": 3, "ci_criticality": 0,
			"impact_graph": 0, "maintenance_window": 0, "change_history": 0}},
		{"SignificantWebTier", RiskInputs{
			Category: CategorySignificant, Priority: PriorityHigh, AffectedCICount: 4,
			CriticalityCounts: map[string]int{"critical": 1, "high": 2, "low": 1},
			ImpactGraphSize:   30, PriorChanges: 8, PriorFailures: 1,
		}, 51, RiskHigh, map[string]int{
			"category": 12, "priority": 6, "affected_cis": 6, "ci_criticality": 14,
			"impact_graph": 12, "maintenance_window": 0, "change_history": 1}},
		{"WorstCase", RiskInputs{
			Category: CategoryMajor, Priority: PriorityEmergency, AffectedCICount: 150,
			CriticalityCounts: map[string]int{"critical": 3, "high": 2, "medium": 5},
			ImpactGraphSize:   600, OutsideMaintenanceWindow: true, PriorChanges: 4, PriorFailures: 4,
		}, 100, RiskCritical, map[string]int{
			"category": 20, "priority": 10, "affected_cis": 15, "ci_criticality": 20,
			"impact_graph": 15, "maintenance_window": 10, "change_history": 10}},
		{"MinorOutsideWindowHalfUp", RiskInputs{
			Category: CategoryMinor, Priority: PriorityMedium, AffectedCICount: 21,
			CriticalityCounts: map[string]int{"medium": 21, "unknown": 9},
			ImpactGraphSize:   6, OutsideMaintenanceWindow: true, PriorChanges: 4, PriorFailures: 1,
		}, 62, RiskHigh, map[string]int{
			"category": 5, "priority": 3, "affected_cis": 12, "ci_criticality": 20,
			"impact_graph": 9, "maintenance_window": 10, "change_history": 3}},
		{"NegativeAndImpossibleCountsClamped", RiskInputs{
			Category: CategoryMinor, Priority: PriorityLow, AffectedCICount: -3,
			CriticalityCounts: map[string]int{"critical": -1}, ImpactGraphSize: -1,
			PriorChanges: 2, PriorFailures: 5,
		}, 15, RiskLow, map[string]int{
			"category": 5, "priority": 0, "affected_cis": 0, "ci_criticality": 0,
			"impact_graph": 0, "maintenance_window": 0, "change_history": 10}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Assess(c.in)
			if r.Score != c.score || r.Level != c.level {
				t.Errorf("score %d %s, want %d %s", r.Score, r.Level, c.score, c.level)
			}
			for name, want := range c.points {
				if got := points(r)[name]; got != want {
					t.Errorf("%s = %d points, want %d", name, got, want)
				}
			}
		})
	}
}

func TestAssessExplains(t *testing.T) {
	r := Assess(RiskInputs{
		Category: CategoryMajor, AffectedCICount: 3,
		CriticalityCounts: map[string]int{"critical": 2, "high": 1}, PriorChanges: 8, PriorFailures: 1,
	})
	names, weights := []string{}, 0
	for _, f := range r.Factors {
		names = append(names, f.Name)
		weights += f.Weight
		if f.Points < 0 || f.Points > f.Weight || f.Explanation == "" {
			t.Errorf("factor %+v is out of range or unexplained", f)
		}
	}
	want := []string{"category", "priority", "affected_cis", "ci_criticality", "impact_graph", "maintenance_window", "change_history"}
	if !slices.Equal(names, want) || weights != 100 {
		t.Fatalf("factors %v weigh %d", names, weights)
	}
	crit := r.Factors[3]
	if crit.Value != "2 critical, 1 high, 0 medium, 0 low" || crit.Points != 19 {
		t.Fatalf("criticality %+v", crit)
	}
	if r.Factors[6].Value != "1 of 8 failed" || r.Factors[1].Value != "unclassified" {
		t.Fatalf("values %q %q", r.Factors[6].Value, r.Factors[1].Value)
	}
	for range 10 {
		if again := Assess(RiskInputs{Category: CategoryMajor, AffectedCICount: 3,
			CriticalityCounts: map[string]int{"critical": 2, "high": 1}, PriorChanges: 8, PriorFailures: 1}); !slices.Equal(again.Factors, r.Factors) {
			t.Fatal("Assess is not deterministic")
		}
	}
}

func TestRiskLevels(t *testing.T) {
	for score, want := range map[int]Level{0: RiskLow, 24: RiskLow, 25: RiskMedium, 49: RiskMedium,
		50: RiskHigh, 74: RiskHigh, 75: RiskCritical, 100: RiskCritical} {
		if got := levelOf(score); got != want {
			t.Errorf("levelOf(%d) = %s, want %s", score, got, want)
		}
	}
}
