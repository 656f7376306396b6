package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

var cmdbAdmin = identity.Actor{UserID: "u-admin", Username: "admin", Roles: []identity.Role{identity.Admin}}

// MustCMDB returns the CMDB service over db.
func MustCMDB(tb testing.TB, db *store.DB) *cmdb.Service {
	tb.Helper()
	now := func() time.Time { return time.Now().UTC() }
	return cmdb.NewService(store.Runner[cmdb.Tx]{DB: db}, audit.NewService(db, now), now)
}

// graph creates the CIs named in edges ("source type target") and the
// relationships, and returns the ids by name.
func graph(t *testing.T, svc *cmdb.Service, crit map[string]cmdb.Criticality, edges ...string) map[string]string {
	t.Helper()
	ctx := context.Background()
	ids := map[string]string{}
	mustCI := func(name string) {
		if _, ok := ids[name]; ok {
			return
		}
		c, err := svc.CreateCI(ctx, cmdbAdmin, cmdb.CI{Name: name, Type: cmdb.TypeServer, Criticality: cmp(crit[name])})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = c.ID
	}
	for _, e := range edges {
		f := strings.Fields(e)
		mustCI(f[0])
		mustCI(f[2])
		if _, err := svc.Relate(ctx, cmdbAdmin, ids[f[0]], cmdb.RelationshipType(f[1]), ids[f[2]]); err != nil {
			t.Fatalf("%s: %v", e, err)
		}
	}
	return ids
}

func cmp(c cmdb.Criticality) cmdb.Criticality {
	if c == "" {
		return cmdb.CriticalityLow
	}
	return c
}

// estate is a small data centre: two hosts' worth of VMs, an application
// on them, services on top, a switch, and a dependency cycle a → b → c → a.
var estate = []string{
	"esx hosts vm1", "esx hosts vm2",
	"app runs_on vm1", "db runs_on vm2", "app depends_on db",
	"vm1 connects_to sw", "vm2 connects_to sw",
	"lb depends_on app", "svc depends_on lb",
	"node1 part_of cluster", "node2 part_of cluster", "app depends_on cluster",
	"a depends_on b", "b depends_on c", "c depends_on a",
}

// walk renders an impact as "direction name@depth" in its order.
func walk(im cmdb.Impact) []string {
	out := make([]string, len(im.Items))
	for i, it := range im.Items {
		out[i] = fmt.Sprintf("%s %s@%d", it.Direction[:1], it.CI.Name, it.Depth)
	}
	return out
}

func TestImpactExactSets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := MustCMDB(t, db)
		ids := graph(t, svc, map[string]cmdb.Criticality{"svc": cmdb.CriticalityCritical, "db": cmdb.CriticalityHigh}, estate...)
		cases := []struct {
			from  string
			dir   cmdb.Direction
			depth int
			want  []string
		}{
			{"esx", cmdb.Downstream, 1, []string{"d vm1@1", "d vm2@1"}},
			// Within a depth, the most critical first (db is high), then by name.
			{"esx", cmdb.Downstream, 2, []string{"d vm1@1", "d vm2@1", "d db@2", "d app@2"}},
			// app is reached at 2 via vm1 and at 3 via db: listed once, at 2.
			{"esx", cmdb.Downstream, 3, []string{"d vm1@1", "d vm2@1", "d db@2", "d app@2", "d lb@3"}},
			{"esx", cmdb.Downstream, 6, []string{"d vm1@1", "d vm2@1", "d db@2", "d app@2", "d lb@3", "d svc@4"}},
			{"svc", cmdb.Upstream, 2, []string{"u lb@1", "u app@2"}},
			{"svc", cmdb.Upstream, 10, []string{"u lb@1", "u app@2", "u db@3", "u cluster@3", "u vm1@3",
				"u esx@4", "u node1@4", "u node2@4", "u sw@4", "u vm2@4"}},
			{"node1", cmdb.Downstream, 3, []string{"d cluster@1", "d app@2", "d lb@3"}},
			{"db", cmdb.Both, 1, []string{"d app@1", "u vm2@1"}},
			{"sw", cmdb.Upstream, 5, nil},
			// The cycle ends: the root is never listed, each CI once.
			{"a", cmdb.Downstream, 10, []string{"d c@1", "d b@2"}},
			{"a", cmdb.Both, 10, []string{"d c@1", "d b@2", "u b@1", "u c@2"}},
			{"b", cmdb.Upstream, 1, []string{"u c@1"}},
		}
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s-%s-%d", tc.from, tc.dir, tc.depth), func(t *testing.T) {
				im, err := svc.Impact(context.Background(), cmdbAdmin, tc.from, tc.dir, tc.depth)
				if err != nil {
					t.Fatal(err)
				}
				if got := walk(im); !slices.Equal(got, tc.want) {
					t.Fatalf("impact = %v\nwant %v", got, tc.want)
				}
				if im.Root.ID != ids[tc.from] {
					t.Fatalf("root %+v", im.Root)
				}
			})
		}
		t.Run("OKPathsAndSummary", func(t *testing.T) {
			im, err := svc.Impact(context.Background(), cmdbAdmin, "esx", cmdb.Downstream, 6)
			if err != nil {
				t.Fatal(err)
			}
			last := im.Items[len(im.Items)-1]
			var path []string
			for _, p := range last.Path {
				path = append(path, string(p.Via)+">"+p.Name)
			}
			if want := []string{"hosts>vm1", "runs_on>app", "depends_on>lb", "depends_on>svc"}; !slices.Equal(path, want) {
				t.Fatalf("path to svc: %v", path)
			}
			s := im.Summary
			if s.Total != 6 || s.Highest != cmdb.CriticalityCritical || s.ByCriticality[cmdb.CriticalityHigh] != 1 {
				t.Fatalf("summary: %+v", s)
			}
		})
		t.Run("OKImpactSize", func(t *testing.T) {
			sum, err := svc.ImpactSize(context.Background(), cmdbAdmin, []string{ids["vm1"], ids["vm2"], "nope"}, cmdb.Downstream, 2)
			if err != nil {
				t.Fatal(err)
			}
			// app, db (from vm2) and lb; never vm1 or vm2 themselves.
			if sum.Total != 3 || sum.Highest != cmdb.CriticalityHigh {
				t.Fatalf("size: %+v", sum)
			}
		})
		t.Run("OKFindCIs", func(t *testing.T) {
			got, err := svc.FindCIs(context.Background(), cmdbAdmin, []string{ids["sw"], "nope", ids["a"], ids["sw"]})
			if err != nil || len(got) != 2 || got[0].Name != "sw" || got[1].Name != "a" {
				t.Fatalf("FindCIs: %v %v", got, err)
			}
		})
	})
}

// TestImpactDenseCycles: a complete graph of 12 CIs, every one depending
// on every other, walked to the deepest depth: the query stays bounded
// (rows are distinct per depth) and answers each CI once.
func TestImpactDenseCycles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := MustCMDB(t, db)
		var edges []string
		for i := range 12 {
			for j := range 12 {
				if i != j {
					edges = append(edges, fmt.Sprintf("k%02d depends_on k%02d", i, j))
				}
			}
		}
		graph(t, svc, nil, edges...)
		start := time.Now()
		im, err := svc.Impact(context.Background(), cmdbAdmin, "k00", cmdb.Both, cmdb.MaxImpactDepth)
		if err != nil {
			t.Fatal(err)
		}
		if len(im.Items) != 22 || im.Summary.Total != 11 {
			t.Fatalf("%d items, %d CIs", len(im.Items), im.Summary.Total)
		}
		for _, it := range im.Items {
			if it.Depth != 1 || len(it.Path) != 1 {
				t.Fatalf("item %+v", it)
			}
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("took %v", d)
		}
	})
}
