package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/schedule"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// BenchmarkSchedule measures the calendar on PostgreSQL over the issue's
// estate: 5,000 CIs (three relationships each), 1,000 RFCs scheduled in
// the quarter (three CIs each) and 50 recurring windows (weekly
// maintenance per environment-like slice of CIs, a few blackouts): the
// conflict check of one RFC (affected CIs and dependants to depth 2), the
// next slot, and the quarter's feed; each against the bare SQL of the same
// reads, run in the same benchmark. Reported: p50 and p99 in ms and the
// ratio to the baseline's p50.
func BenchmarkSchedule(b *testing.B) {
	requirePostgres(b)
	ctx := context.Background()
	db := storetest.MustOpen(b, config.Postgres, store.Options{})
	const nCIs, nRFCs, nWindows = 5000, 1000, 50
	generateCMDB(b, db, nCIs)
	start := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	mustExec(b, db.SQL(),
		`INSERT INTO users (id, username, password_hash, roles, created_at, updated_at) VALUES ('bench', 'bench', 'x', 'admin', now(), now())`,
		fmt.Sprintf(`INSERT INTO rfcs (id, number, title, state, requester_id, affected_cis, window_start, window_end, window_tz, created_at, updated_at)
		SELECT 'rfc-' || i, 1000 + i, 'bench ' || i, 'scheduled', 'bench',
			'["' || 'ci-' || lpad(((i * 5) %% %[1]d)::text, 7, '0') || '","' || 'ci-' || lpad(((i * 5 + 1) %% %[1]d)::text, 7, '0') || '","' || 'ci-' || lpad(((i * 5 + 2) %% %[1]d)::text, 7, '0') || '"]',
			TIMESTAMPTZ '2027-01-04 00:00:00+00' + (i %% 90) * interval '1 day' + (i %% 24) * interval '1 hour',
			TIMESTAMPTZ '2027-01-04 00:00:00+00' + (i %% 90) * interval '1 day' + (i %% 24) * interval '1 hour' + interval '2 hours',
			'UTC', now(), now()
		FROM generate_series(0, %[2]d) AS i`, nCIs, nRFCs-1),
		fmt.Sprintf(`INSERT INTO rfc_cis (rfc_id, ci_id)
		SELECT 'rfc-' || i, 'ci-' || lpad(((i * 5 + k) %% %d)::text, 7, '0') FROM generate_series(0, %d) AS i, generate_series(0, 2) AS k
		ON CONFLICT DO NOTHING`, nCIs, nRFCs-1),
		"ANALYZE rfcs", "ANALYZE rfc_cis")
	auditSvc := audit.NewService(db, db.Now)
	cis := cmdbService(db)
	changes := changeService(db)
	svc := schedule.NewService(store.Runner[schedule.Tx]{DB: db}, auditSvc, cis, changes, func() time.Time { return start })
	for i := range nWindows {
		ids := make([]string, 0, 100)
		for k := range 100 {
			ids = append(ids, ciID((i*100+k)%nCIs))
		}
		in := schedule.WindowInput{Name: fmt.Sprintf("window %02d", i), Kind: "maintenance", Scope: schedule.Scope{CIs: ids},
			TimeZone: "Europe/Berlin", Start: "2026-01-03T22:00:00", DurationMinutes: ptr(240 + 60*(i%3)), RRule: "FREQ=WEEKLY;BYDAY=SA,SU"}
		if i%10 == 9 {
			in.Kind, in.RRule, in.Scope = "blackout", "FREQ=MONTHLY;BYMONTHDAY=-1", schedule.Scope{CIs: ids[:10]}
		}
		if _, err := svc.CreateWindow(ctx, benchAdmin, in); err != nil {
			b.Fatal(err)
		}
	}
	rfc := change.RFC{ID: "rfc-check", AffectedCIs: []string{ciID(10), ciID(11), ciID(12)}}
	w := change.Window{Start: start.Add(5*24*time.Hour + 22*time.Hour), End: start.Add(5*24*time.Hour + 24*time.Hour)}
	user := identity.Actor{UserID: "bench", Roles: []identity.Role{identity.Admin}}
	_, secret, err := svc.CreateFeedToken(ctx, user, "bench")
	if err != nil {
		b.Fatal(err)
	}
	sqlDB := db.SQL()
	bare := func() error {
		// The same reads, bare: the windows, the CIs, the walk, the overlaps.
		rows, err := sqlDB.QueryContext(ctx, `SELECT id, name, kind, scope, time_zone, local_start, duration_minutes, rrule, exdates, rdates, first_start, last_end, version
			FROM schedule_windows WHERE (last_end IS NULL OR last_end > $1) ORDER BY name`, w.Start)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		rows, err = sqlDB.QueryContext(ctx, `WITH RECURSIVE walk(id, depth) AS (SELECT unnest($1::text[]), 0
			UNION SELECT r.dependent_id, w.depth + 1 FROM ci_relationships r JOIN walk w ON r.dependency_id = w.id WHERE w.depth < 2)
			SELECT c.id, c.name, c.environment FROM cis c WHERE c.id IN (SELECT id FROM walk)`, "{"+ciID(10)+","+ciID(11)+","+ciID(12)+"}")
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id, name, env string
			_ = rows.Scan(&id, &name, &env)
			ids = append(ids, id)
		}
		rows.Close()
		rows, err = sqlDB.QueryContext(ctx, `SELECT id, number, title, state, window_start, window_end, affected_cis FROM rfcs
			WHERE window_start < $1 AND window_end > $2 AND state IN ('approved','scheduled','implementing')
			AND id IN (SELECT rfc_id FROM rfc_cis WHERE ci_id = ANY($3::text[])) ORDER BY window_start, number`,
			w.End, w.Start, "{"+joinIDs(ids)+"}")
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		return nil
	}
	cases := []struct {
		name string
		fn   func() error
	}{
		{"bare_sql", bare},
		{"conflicts", func() error { _, err := svc.WindowConflicts(ctx, rfc, w); return err }},
		{"next_slot", func() error {
			_, _, err := svc.NextSlot(ctx, user, schedule.SlotQuery{CIs: rfc.AffectedCIs, Duration: 2 * time.Hour, After: start})
			return err
		}},
		{"feed_quarter", func() error { _, err := svc.Feed(ctx, secret); return err }},
	}
	var baseline time.Duration
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				t0 := time.Now()
				if err := c.fn(); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
			if c.name == "bare_sql" {
				baseline = p50
			}
			b.ReportMetric(ms(p50), "p50-ms")
			b.ReportMetric(ms(p99), "p99-ms")
			if baseline > 0 {
				b.ReportMetric(float64(p50)/float64(baseline), "x-bare-p50")
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func joinIDs(ids []string) string {
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += ","
		}
		out += id
	}
	return out
}
