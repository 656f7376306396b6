package bench

import (
	"bufio"
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// exportEvents is the trail size of BenchmarkAuditExport
// (BENCH_EXPORT_EVENTS overrides it).
const exportEvents = 1_000_000

// BenchmarkAuditExport streams a trail of a million sealed events on
// PostgreSQL through the real export use case (NDJSON and CSV, each row
// encoded, hashed into the manifest's digest, written to io.Discard)
// against bare database/sql reading the same rows and columns in the same
// order, in the same run. The trail is made by SQL on the server
// (generate_series), so the client's memory before the export is small;
// the process's peak RSS is reset (/proc/self/clear_refs) before each
// side and read after (VmHWM).
//
// Reported: rows/s of bare, ndjson and csv, the ratios ndjson/bare and
// csv/bare, and the peak RSS of each side in MB.
func BenchmarkAuditExport(b *testing.B) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		b.Skip("TEST_DATABASE_URL is not set: this benchmark measures PostgreSQL")
	}
	n := exportEvents
	if v, err := strconv.Atoi(os.Getenv("BENCH_EXPORT_EVENTS")); err == nil && v > 0 {
		n = v
	}
	db := storetest.MustOpen(b, config.Postgres, store.Options{})
	seedTrail(b, db, n)
	keys, err := audit.GenerateKeys()
	if err != nil {
		b.Fatal(err)
	}
	svc := audit.NewServiceWith(db, time.Now, audit.Options{Keys: keys})
	auditor := identity.Actor{UserID: "bench", Roles: []identity.Role{identity.Auditor}}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bareRate, bareRSS := measure(b, n, func() error { return bareRead(ctx, db) })
		ndRate, ndRSS := measure(b, n, func() error {
			_, err := svc.Export(ctx, auditor, audit.ExportFilter{Format: audit.FormatNDJSON}, io.Discard)
			return err
		})
		csvRate, csvRSS := measure(b, n, func() error {
			_, err := svc.Export(ctx, auditor, audit.ExportFilter{Format: audit.FormatCSV}, io.Discard)
			return err
		})
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(bareRate, "bare-rows/s")
		b.ReportMetric(ndRate, "ndjson-rows/s")
		b.ReportMetric(csvRate, "csv-rows/s")
		b.ReportMetric(ndRate/bareRate, "ndjson/bare")
		b.ReportMetric(csvRate/bareRate, "csv/bare")
		b.ReportMetric(bareRSS, "bare-peak-MB")
		b.ReportMetric(ndRSS, "ndjson-peak-MB")
		b.ReportMetric(csvRSS, "csv-peak-MB")
	}
}

// seedTrail inserts n events and their seals on the server. The export
// does not check hashes, so the rows carry fixed strings of the real
// length (64 hex digits).
func seedTrail(b *testing.B, db *store.DB, n int) {
	b.Helper()
	h := strings.Repeat("ab", 32)
	mustExec(b, db.SQL(),
		`INSERT INTO audit_events (id, occurred_at, actor_id, actor_role, action, outcome, entity_type, entity_id, after_json, request_id, source_ip, content_hash)
		 SELECT g, now() - make_interval(secs => `+strconv.Itoa(n)+` - g), 'user-' || (g % 50), 'change_manager', 'rfc.update', 'success', 'rfc',
		        'rfc-' || (g % 5000), '{"title":"patch window ' || g || '","state":"scheduled","version":' || g || '}', 'req-' || g, '192.0.2.1', '`+h+`'
		 FROM generate_series(1, `+strconv.Itoa(n)+`) g`,
		`INSERT INTO audit_seals (seq, event_id, prev_hash, hash, sealed_at) SELECT g, g, '`+h+`', '`+h+`', now() FROM generate_series(1, `+strconv.Itoa(n)+`) g`,
		`SELECT setval(pg_get_serial_sequence('audit_events', 'id'), `+strconv.Itoa(n)+`)`,
		`ANALYZE audit_events`, `ANALYZE audit_seals`)
}

// bareRead reads what the export reads, with nothing done per row.
func bareRead(ctx context.Context, db *store.DB) error {
	rows, err := db.SQL().QueryContext(ctx, `SELECT s.seq, s.prev_hash, s.hash, e.id, e.occurred_at, e.actor_id, e.actor_role, e.action,
		e.outcome, e.entity_type, e.entity_id, e.before_json, e.after_json, e.reason, e.request_id, e.source_ip, e.content_hash
		FROM audit_seals s JOIN audit_events e ON e.id = s.event_id WHERE s.seq > 0 ORDER BY s.seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var seq, id int64
	var at time.Time
	var s [14]string
	for rows.Next() {
		if err := rows.Scan(&seq, &s[0], &s[1], &id, &at, &s[2], &s[3], &s[4], &s[5], &s[6], &s[7], &s[8], &s[9], &s[10], &s[11], &s[12], &s[13]); err != nil {
			return err
		}
	}
	return rows.Err()
}

// measure runs fn once and returns its rows per second and the process's
// peak resident set during it, in MB.
func measure(b *testing.B, n int, fn func() error) (float64, float64) {
	b.Helper()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	start := time.Now()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	return float64(n) / time.Since(start).Seconds(), peakRSSMB()
}

func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
