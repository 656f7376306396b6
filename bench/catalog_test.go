package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// The fleet of the compliance benchmarks (DESIGN §7: 10,000 CIs × 2,000
// updates).
const (
	fleetCIs     = 10000
	fleetUpdates = 2000
	// verdictsPerCI is how many updates apply to each CI in the summary's
	// fleet; 600,000 stored verdicts in all.
	verdictsPerCI = 60
)

var benchReader = identity.Actor{UserID: "bench-reader", Roles: []identity.Role{identity.Auditor}}

// changeService is the change service over db, with the CMDB it asks.
func changeService(db *store.DB) *change.Service {
	auditSvc := audit.NewService(db, db.Now)
	cis := cmdb.NewService(store.Runner[cmdb.Tx]{DB: db}, auditSvc, db.Now)
	return change.NewService(store.Runner[change.Tx]{DB: db}, auditSvc, db, cis, db.Now, change.Policy{})
}

func catalogService(db *store.DB) *catalog.Service {
	return catalog.NewService(store.Runner[catalog.Tx]{DB: db}, audit.NewService(db, db.Now), changeService(db), db.Now,
		catalog.Options{InventoryMaxAge: 7 * 24 * time.Hour})
}

func requirePostgres(b *testing.B) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		b.Skip("TEST_DATABASE_URL is not set: this benchmark measures PostgreSQL")
	}
}

// BenchmarkCatalogImport measures the import of CSAF documents through the
// real use case (hash check when a hash file is published, parse, checks,
// mapping, one transaction with the index rows, the compliance
// recomputation and the audit event): the shared corpus repeated, each
// copy under a tracking id of its own, one document per operation, as
// the CLI imports a directory. Reported: advisories per second.
func BenchmarkCatalogImport(b *testing.B) {
	requirePostgres(b)
	b.StopTimer()
	db := storetest.MustOpen(b, config.Postgres, store.Options{})
	svc := catalogService(db)
	docs := corpusCopies(b, b.N)
	ctx := context.Background()
	b.StartTimer()
	start := time.Now()
	for i := range b.N {
		res, err := svc.Import(ctx, identity.System, docs[i])
		if err != nil || res.Outcome != catalog.OutcomeImported {
			b.Fatalf("import %d: %v %s", i, err, res.Outcome)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "advisories/s")
}

// corpusCopies returns n documents: the corpus round-robin, copy k of a
// document renamed "<tracking id>-BENCH-k". Renaming changes the bytes, so
// only the first round carries the published hash files.
func corpusCopies(b *testing.B, n int) []catalog.ImportInput {
	files, err := filepath.Glob("../testdata/csaf/*.json")
	if err != nil || len(files) == 0 {
		b.Fatalf("corpus: %v", err)
	}
	out := make([]catalog.ImportInput, 0, n)
	for i := 0; len(out) < n; i++ {
		f := files[i%len(files)]
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		in := catalog.ImportInput{Document: raw, Name: filepath.Base(f)}
		if copyNo := i / len(files); copyNo > 0 {
			in.Document = renamed(b, raw, copyNo)
		} else if hash, err := os.ReadFile(f + ".sha512"); err == nil {
			in.HashFile = hash
		}
		out = append(out, in)
	}
	return out
}

func renamed(b *testing.B, raw []byte, copyNo int) []byte {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		b.Fatal(err)
	}
	tr := doc["document"].(map[string]any)["tracking"].(map[string]any)
	tr["id"] = fmt.Sprintf("%s-BENCH-%d", tr["id"], copyNo)
	out, err := json.Marshal(doc)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkComplianceSummary measures GET /compliance/summary's use case
// over 10,000 CIs (1% retired, 2% with a stale inventory) and 2,000
// updates (two thirds open), 600,000 stored verdicts, 20 static and 4
// dynamic groups, all generated with bulk SQL. Target: under a second.
func BenchmarkComplianceSummary(b *testing.B) {
	requirePostgres(b)
	b.StopTimer()
	db := storetest.MustOpen(b, config.Postgres, store.Options{})
	seedFleet(b, db)
	seedVerdicts(b, db)
	svc := catalogService(db)
	ctx := context.Background()
	var s catalog.Summary
	b.StartTimer()
	for range b.N {
		var err error
		if s, err = svc.ComplianceSummary(ctx, benchReader); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if s.CIs != fleetCIs-fleetCIs/100 || len(s.ByUpdate) == 0 || len(s.ByGroup) != 24 {
		b.Fatalf("summary: %d CIs, %d updates, %d groups", s.CIs, len(s.ByUpdate), len(s.ByGroup))
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/summary")
}

// seedFleet writes the CIs, their inventories, the updates and the groups.
func seedFleet(b *testing.B, db *store.DB) {
	mustExec(b, db.SQL(),
		`INSERT INTO cis (id, name, type, environment, criticality, os, os_version, state, created_at, updated_at)
		 SELECT 'ci-' || lpad(g::text, 5, '0'), 'host-' || lpad(g::text, 5, '0'), 'server',
		   (ARRAY['production', 'staging', 'test', 'development'])[1 + g % 4],
		   (ARRAY['low', 'medium', 'high', 'critical'])[1 + g % 4], 'Debian', '12',
		   CASE WHEN g % 100 = 0 THEN 'retired' ELSE 'active' END, now(), now()
		 FROM generate_series(1, 10000) g`,
		`INSERT INTO ci_inventories (ci_id, reported_at, received_at, package_count, version)
		 SELECT id, now() - CASE WHEN substr(id, 4)::int % 50 = 7 THEN interval '30 days' ELSE interval '1 hour' END, now(), 0, 1
		 FROM cis`,
		`INSERT INTO updates (id, vendor_id, title, source, severity, released_at, revised_at, state, created_at, updated_at)
		 SELECT 'up-' || lpad(g::text, 5, '0'), 'DSA-' || g, 'update ' || g, 'manual',
		   (ARRAY['critical', 'high', 'medium', 'low'])[1 + g % 4], now() - g * interval '1 hour', now() - g * interval '1 hour',
		   CASE WHEN g % 3 = 0 THEN 'declined' WHEN g % 3 = 1 THEN 'approved' ELSE 'new' END, now(), now()
		 FROM generate_series(1, 2000) g`,
		`INSERT INTO ci_groups (id, name, kind, filter, created_at, updated_at)
		 SELECT 'grp-' || g, 'ring ' || g, 'static', '{}', now(), now() FROM generate_series(0, 19) g`,
		`INSERT INTO ci_group_members (group_id, ci_id) SELECT 'grp-' || (substr(id, 4)::int % 20), id FROM cis`,
		`INSERT INTO ci_groups (id, name, kind, filter, created_at, updated_at)
		 SELECT 'dyn-' || e, 'env ' || e, 'dynamic', '{"environment":"' || e || '"}', now(), now()
		 FROM unnest(ARRAY['production', 'staging', 'test', 'development']) e`,
		`ANALYZE`)
}

// seedVerdicts writes 60 verdicts per CI (9% required, 1% unknown) and
// the counts kept with them, as the recomputations would have.
func seedVerdicts(b *testing.B, db *store.DB) {
	mustExec(b, db.SQL(),
		fmt.Sprintf(`INSERT INTO compliance_results (ci_id, update_id, status, reason, evidence, evaluated_at)
		 SELECT c.id, 'up-' || lpad((1 + (c.n * 7 + k * 31) %% 2000)::text, 5, '0'),
		   CASE WHEN (c.n + k) %% 100 < 9 THEN 'required' WHEN (c.n + k) %% 100 = 99 THEN 'unknown' ELSE 'installed' END,
		   'deb pkg 1.0-1 (amd64) is older than the fixed 2.0-1', '[]', now()
		 FROM (SELECT id, substr(id, 4)::int AS n FROM cis) c, generate_series(0, %d) k`, verdictsPerCI-1),
		`INSERT INTO compliance_updates (update_id, installed, required, unknown)
		 SELECT update_id, count(*) FILTER (WHERE status = 'installed'), count(*) FILTER (WHERE status = 'required'),
		   count(*) FILTER (WHERE status = 'unknown') FROM compliance_results GROUP BY update_id`,
		`INSERT INTO compliance_cis (ci_id, installed, required, unknown, evaluated_at)
		 SELECT r.ci_id, count(*) FILTER (WHERE status = 'installed'), count(*) FILTER (WHERE status = 'required'),
		   count(*) FILTER (WHERE status = 'unknown'), now()
		 FROM compliance_results r JOIN updates u ON u.id = r.update_id WHERE u.state IN ('new', 'approved') GROUP BY r.ci_id`,
		`ANALYZE`)
}

// BenchmarkRecomputeCI measures RecomputeCI, the incremental recompute
// that follows one inventory report, for one CI of 1,500 Debian packages
// in the fleet of 10,000 CIs (1,000 of them with full inventories, 1.5M
// installed packages) and 2,000 updates of three fixed packages each, of
// which ~40% apply to the CI. Each operation follows a report in which
// five packages changed version (the timer covers the recompute only);
// the first, full computation of the CI is reported as first-ms. Target:
// under 50 ms.
func BenchmarkRecomputeCI(b *testing.B) {
	requirePostgres(b)
	b.StopTimer()
	db := storetest.MustOpen(b, config.Postgres, store.Options{})
	seedFleet(b, db)
	seedPackages(b, db)
	svc := catalogService(db)
	ctx := context.Background()
	const ci = "ci-00001"
	start := time.Now()
	if err := svc.RecomputeCI(ctx, ci); err != nil {
		b.Fatal(err)
	}
	first := time.Since(start)
	verdicts := count(b, db.SQL(), "compliance_results")
	for i := range b.N {
		mustExec(b, db.SQL(), fmt.Sprintf(`UPDATE ci_packages SET version = CASE WHEN version = '1.0-1' THEN '3.0-1' ELSE '1.0-1' END
			WHERE ci_id = '%s' AND name IN (SELECT name FROM ci_packages WHERE ci_id = '%s' ORDER BY name OFFSET %d LIMIT 5)`,
			ci, ci, (i*5)%1495))
		b.StartTimer()
		if err := svc.RecomputeCI(ctx, ci); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
	}
	b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
	b.ReportMetric(float64(verdicts), "verdicts")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/recompute")
}

// seedPackages gives the updates three fixed packages each out of 10,000
// names, and 1,000 CIs 1,500 installed packages each, a tenth of them
// older than the fixed versions.
func seedPackages(b *testing.B, db *store.DB) {
	mustExec(b, db.SQL(),
		`INSERT INTO update_packages (update_id, kind, name, architecture, platform, version)
		 SELECT u.id, 'deb', 'pkg-' || lpad(((substr(u.id, 4)::int * 3 + j) * 7 % 10000)::text, 5, '0'), '', '', '2.0-1'
		 FROM updates u, generate_series(0, 2) j`,
		`INSERT INTO ci_packages (ci_id, kind, name, architecture, version)
		 SELECT c.id, 'deb', 'pkg-' || lpad(((c.n * 13 + i * 3) % 10000)::text, 5, '0'), 'amd64',
		   CASE WHEN (c.n + i) % 10 = 0 THEN '1.0-1' ELSE '3.0-1' END
		 FROM (SELECT id, substr(id, 4)::int AS n FROM cis WHERE substr(id, 4)::int <= 1000) c, generate_series(0, 1499) i`,
		`ANALYZE`)
}
