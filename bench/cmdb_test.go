package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

var benchAdmin = identity.Actor{UserID: "bench", Username: "bench", Roles: []identity.Role{identity.Admin}}

func cmdbService(db *store.DB) *cmdb.Service {
	return cmdb.NewService(store.Runner[cmdb.Tx]{DB: db}, audit.NewService(db, db.Now), db.Now)
}

// ciID is the id of generated CI i, the same in SQL and in Go.
func ciID(i int) string { return fmt.Sprintf("ci-%07d", i) }

// generateCMDB fills cis with n CIs and ci_relationships with three
// relationships out of each, to pseudo-random targets (a hash of the CI
// and the edge, so the graph is the same on every run) of random types;
// self-loops and repeats are dropped. All in bulk SQL.
func generateCMDB(b *testing.B, db *store.DB, n int) int64 {
	b.Helper()
	mustExec(b, db.SQL(),
		fmt.Sprintf(`INSERT INTO cis (id, name, type, criticality, state, attributes, version, created_at, updated_at)
		SELECT 'ci-' || lpad(i::text, 7, '0'), 'host-' || lpad(i::text, 7, '0'),
			(ARRAY['server','application','database','service','network_device'])[1 + i %% 5],
			(ARRAY['low','medium','high','critical'])[1 + (i * 7) %% 4], 'active', '{}', 1, now(), now()
		FROM generate_series(0, %d) AS i`, n-1),
		fmt.Sprintf(`INSERT INTO ci_relationships (id, source_id, type, target_id, dependent_id, dependency_id, created_by, created_at)
		SELECT 'r-' || i || '-' || k, src, t, dst,
			CASE WHEN t IN ('hosts', 'part_of') THEN dst ELSE src END,
			CASE WHEN t IN ('hosts', 'part_of') THEN src ELSE dst END, 'bench', now()
		FROM (SELECT i, k, 'ci-' || lpad(i::text, 7, '0') AS src,
				'ci-' || lpad((abs(('x' || substr(md5(i || '-' || k), 1, 8))::bit(32)::int) %% %d)::text, 7, '0') AS dst,
				(ARRAY['runs_on','depends_on','hosts','connects_to','part_of'])[1 + abs(('x' || substr(md5(k || '/' || i), 1, 8))::bit(32)::int) %% 5] AS t
			FROM generate_series(0, %d) AS i, generate_series(1, 3) AS k) AS e
		WHERE src <> dst
		ON CONFLICT DO NOTHING`, n, n-1),
		// The steady state autovacuum keeps: statistics, and the
		// visibility map that lets the walk use index-only scans.
		"VACUUM ANALYZE cis", "VACUUM ANALYZE ci_relationships")
	return count(b, db.SQL(), "ci_relationships")
}

// BenchmarkImpact measures impact analysis (GET /cis/{id}/impact's use
// case: the CI looked up, one recursive query per direction, paths built)
// to depth 6 from random CIs of a generated CMDB of 10k and 100k CIs with
// about three relationships each, on PostgreSQL. Reported: p50 and p99 in
// milliseconds and the mean number of CIs reached.
func BenchmarkImpact(b *testing.B) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		b.Skip("TEST_DATABASE_URL is not set: this benchmark measures PostgreSQL")
	}
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("cis=%dk", n/1000), func(b *testing.B) {
			db := storetest.MustOpen(b, config.Postgres, store.Options{})
			start := time.Now()
			rels := generateCMDB(b, db, n)
			b.Logf("generated %d CIs and %d relationships in %v", n, rels, time.Since(start).Round(time.Millisecond))
			svc := cmdbService(db)
			for _, dir := range []cmdb.Direction{cmdb.Downstream, cmdb.Both} {
				b.Run("dir="+string(dir), func(b *testing.B) { benchImpact(b, svc, n, dir, 6) })
			}
		})
	}
}

func benchImpact(b *testing.B, svc *cmdb.Service, n int, dir cmdb.Direction, depth int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	times := make([]time.Duration, 0, b.N)
	reached := 0
	b.ResetTimer()
	for range b.N {
		id := ciID(rng.IntN(n))
		t0 := time.Now()
		im, err := svc.Impact(ctx, benchAdmin, id, dir, depth)
		times = append(times, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		reached += im.Summary.Total
	}
	b.StopTimer()
	slices.Sort(times)
	ms := func(q float64) float64 {
		return float64(times[int(q*float64(len(times)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	b.ReportMetric(float64(reached)/float64(b.N), "CIs-reached")
}

// BenchmarkInventoryReport measures one inventory report of 2,000
// packages through the use case (validation, diff against the stored
// report, package rows, audit event), on PostgreSQL: first reports
// (2,000 rows inserted) and follow-up reports where 100 packages changed
// version, 20 were removed and 20 added.
func BenchmarkInventoryReport(b *testing.B) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		b.Skip("TEST_DATABASE_URL is not set: this benchmark measures PostgreSQL")
	}
	db := storetest.MustOpen(b, config.Postgres, store.Options{})
	svc := cmdbService(db)
	ctx := context.Background()
	base := make([]cmdb.Package, 2000)
	for i := range base {
		base[i] = cmdb.Package{Kind: cmdb.KindDeb, Name: fmt.Sprintf("package-%04d", i), Version: "1.0-1", Architecture: "amd64"}
	}
	mustCI := func(name string) {
		if _, err := svc.CreateCI(ctx, benchAdmin, cmdb.CI{Name: name, Type: cmdb.TypeServer, Criticality: cmdb.CriticalityLow}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("first", func(b *testing.B) {
		for i := range b.N {
			b.StopTimer()
			name := fmt.Sprintf("first-%d-%d", b.N, i)
			mustCI(name)
			b.StartTimer()
			if _, err := svc.ReportInventory(ctx, benchAdmin, name, cmdb.Report{ReportedAt: time.Now(), Packages: base}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("changed", func(b *testing.B) {
		name := fmt.Sprintf("changed-%d", b.N)
		mustCI(name)
		t0 := time.Now().Add(-time.Hour)
		if _, err := svc.ReportInventory(ctx, benchAdmin, name, cmdb.Report{ReportedAt: t0, Packages: base}); err != nil {
			b.Fatal(err)
		}
		prev := base
		b.ResetTimer()
		for i := range b.N {
			next := churn(prev, i)
			if _, err := svc.ReportInventory(ctx, benchAdmin, name, cmdb.Report{ReportedAt: t0.Add(time.Duration(i+1) * time.Millisecond), Packages: next}); err != nil {
				b.Fatal(err)
			}
			prev = next
		}
	})
}

// churn is report round+1: 100 packages upgraded, 20 removed, 20 new.
func churn(prev []cmdb.Package, round int) []cmdb.Package {
	next := slices.Clone(prev[20:])
	for j := range 100 {
		next[j*10].Version = fmt.Sprintf("1.0-%d", round+2)
	}
	for j := range 20 {
		next = append(next, cmdb.Package{Kind: cmdb.KindDeb, Name: fmt.Sprintf("new-%d-%d", round, j), Version: "1", Architecture: "amd64"})
	}
	return next
}
