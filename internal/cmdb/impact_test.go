package cmdb

import (
	"reflect"
	"testing"
)

func hit(id string, crit Criticality, depth int, parent string, via RelationshipType) ImpactHit {
	return ImpactHit{CI: CIRef{ID: id, Name: "n-" + id, Type: TypeServer, Criticality: crit, State: StateActive},
		Depth: depth, ParentID: parent, Via: via}
}

func TestImpactedPaths(t *testing.T) {
	// root → a → b → c, and a cycle c → root that the walk met at depth 4.
	hits := []ImpactHit{
		hit("a", CriticalityLow, 1, "root", RunsOn),
		hit("b", CriticalityCritical, 2, "a", DependsOn),
		hit("c", CriticalityMedium, 3, "b", Hosts),
		hit("root", CriticalityHigh, 4, "c", PartOf),
	}
	items := impacted(Downstream, hits, setOf("root"))
	if len(items) != 3 {
		t.Fatalf("%d items, want 3 (the root is left out)", len(items))
	}
	c := items[2]
	want := []PathStep{{ID: "a", Name: "n-a", Via: RunsOn}, {ID: "b", Name: "n-b", Via: DependsOn}, {ID: "c", Name: "n-c", Via: Hosts}}
	if c.CI.ID != "c" || !reflect.DeepEqual(c.Path, want) {
		t.Fatalf("path to c: %+v", c.Path)
	}
	sortImpacted(items)
	sum := summarize(append(items, Impacted{CI: items[0].CI, Direction: Upstream}))
	if sum.Total != 3 || sum.Highest != CriticalityCritical || sum.ByCriticality[CriticalityLow] != 1 || sum.ByType[TypeServer] != 3 {
		t.Fatalf("summary: %+v", sum)
	}
}

func TestRelationshipDependency(t *testing.T) {
	for typ, want := range map[RelationshipType][2]string{
		RunsOn: {"s", "t"}, DependsOn: {"s", "t"}, ConnectsTo: {"s", "t"}, Hosts: {"t", "s"}, PartOf: {"t", "s"},
	} {
		dependent, dependency := typ.Dependency("s", "t")
		if [2]string{dependent, dependency} != want {
			t.Errorf("%s: dependent %s, dependency %s", typ, dependent, dependency)
		}
	}
}

func TestGroupValidate(t *testing.T) {
	cases := map[string]struct {
		g     Group
		field string
	}{
		"ErrKind":          {Group{Name: "g", Kind: "smart"}, "kind"},
		"ErrStaticFilter":  {Group{Name: "g", Kind: GroupStatic, Filter: GroupFilter{Owner: "x"}}, "filter"},
		"ErrDynamicMember": {Group{Name: "g", Kind: GroupDynamic, Members: []string{"a"}, Filter: GroupFilter{Owner: "x"}}, "members"},
		"ErrEmptyFilter":   {Group{Name: "g", Kind: GroupDynamic}, "filter"},
		"ErrFilterState":   {Group{Name: "g", Kind: GroupDynamic, Filter: GroupFilter{State: "gone"}}, "filter.state"},
		"ErrFilterCrit":    {Group{Name: "g", Kind: GroupDynamic, Filter: GroupFilter{Criticality: "x"}}, "filter.criticality"},
		"ErrRepeatMember":  {Group{Name: "g", Kind: GroupStatic, Members: []string{"a", "a"}}, "members[1]"},
		"ErrNoName":        {Group{Kind: GroupStatic}, "name"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) { wantFields(t, tc.g.Validate(), tc.field) })
	}
	ok := Group{Name: "prod web", Kind: GroupDynamic, Filter: GroupFilter{Environment: "production",
		Attributes: map[string]string{"role": "web"}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
}
