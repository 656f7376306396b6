package bench

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// BenchmarkTransition measures "a state transition with its audit event"
// (DESIGN §7) through the real use case, change.Service.Transition — load
// the RFC, check the guards, fire the state machine, conditional UPDATE,
// audit event, one transaction — against the bare SQL of the same work
// (SELECT the row, UPDATE … WHERE version = ?, INSERT the event) run with
// database/sql in the same benchmark, on the same server. Each client
// reschedules its own scheduled RFC (scheduled → scheduled), so clients
// never conflict and every operation is a real transition.
func BenchmarkTransition(b *testing.B) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		b.Skip("TEST_DATABASE_URL is not set: this benchmark measures PostgreSQL")
	}
	for _, clients := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			b.StopTimer()
			db := storetest.MustOpen(b, config.Postgres, store.Options{MaxOpenConns: clients + 8})
			ctx := context.Background()
			ids := seedScheduled(b, db, clients)
			svc := changeService(db)
			rm := identity.Actor{UserID: "bench-rm", Roles: []identity.Role{identity.ReleaseManager}}
			real := func(ctx context.Context, client int64) error {
				_, err := svc.Transition(ctx, rm, ids[client], change.EventReschedule, change.TransitionInput{}, nil)
				return err
			}
			bare := bareTransition(db.SQL(), db.Now, ids)
			n := int64(b.N)
			sealCtx, stopSealer := context.WithCancel(ctx)
			defer stopSealer()
			go audit.NewSealer(db, 500*time.Millisecond, slog.New(slog.DiscardHandler)).Run(sealCtx)

			b.StartTimer()
			bareTime := perClient(b, ctx, clients, n/2, bare)
			realTime := perClient(b, ctx, clients, n, real)
			bareTime += perClient(b, ctx, clients, n-n/2, bare)
			b.StopTimer()

			bareOps, realOps := float64(n)/bareTime.Seconds(), float64(n)/realTime.Seconds()
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(bareOps, "bare-ops/s")
			b.ReportMetric(realOps, "usecase-ops/s")
			b.ReportMetric(realOps/bareOps, "usecase/bare")
		})
	}
}

// perClient runs n operations spread over clients goroutines; each passes
// its own client number, so each works on its own RFC.
func perClient(b *testing.B, ctx context.Context, clients int, n int64, op func(context.Context, int64) error) time.Duration {
	b.Helper()
	var claimed atomic.Int64
	var failed atomic.Value
	done := make(chan struct{}, clients)
	start := time.Now()
	for c := range clients {
		go func() {
			defer func() { done <- struct{}{} }()
			for claimed.Add(1) <= n {
				if err := op(ctx, int64(c)); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	for range clients {
		<-done
	}
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// seedScheduled inserts one scheduled RFC per client, with a window around
// now inside its approved window.
func seedScheduled(b *testing.B, db *store.DB, clients int) []string {
	b.Helper()
	now := db.Now()
	mustExec(b, db.SQL(), `INSERT INTO users (id, username, password_hash, roles, created_at, updated_at)
		VALUES ('bench-req', 'bench-req', 'x', 'requester', now(), now())`)
	ids := make([]string, clients)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-rfc-%03d", i)
		if _, err := db.SQL().Exec(`INSERT INTO rfcs (id, number, title, reason, category, priority, state, requester_id,
			affected_cis, window_start, window_end, window_tz, approved_start, approved_end, approved_tz,
			implementation_plan, backout_plan, test_plan, approval_round, created_at, updated_at)
			VALUES ($1, $2, 'bench', 'r', 'minor', 'low', 'scheduled', 'bench-req', '["ci-1","ci-2"]',
			$3, $4, 'UTC', $3, $4, 'UTC', 'p', 'b', 't', 1, $5, $5)`,
			ids[i], 5000+i, now.Add(-time.Hour), now.Add(240*time.Hour), now); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// bareTransition is the same work as the use case in plain SQL.
func bareTransition(db *sql.DB, now func() time.Time, ids []string) func(context.Context, int64) error {
	return func(ctx context.Context, client int64) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		var state string
		var version int64
		if err := tx.QueryRowContext(ctx, `SELECT state, version FROM rfcs WHERE id = $1`, ids[client]).Scan(&state, &version); err != nil {
			return err
		}
		at := now()
		res, err := tx.ExecContext(ctx, `UPDATE rfcs SET state = $1, version = version + 1, updated_at = $2
			WHERE id = $3 AND version = $4`, state, at, ids[client], version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("bare transition lost its row")
		}
		e := audit.New(ctx, at, audit.Record{Actor: identity.System, Action: "rfc.reschedule", EntityType: "rfc",
			EntityID: ids[client], Before: map[string]any{"state": state}, After: map[string]any{"state": state}})
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (occurred_at, actor_id, actor_role, action, outcome,
			entity_type, entity_id, before_json, after_json, reason, request_id, source_ip, content_hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, e.OccurredAt, e.ActorID, e.ActorRole,
			e.Action, string(e.Outcome), e.EntityType, e.EntityID, e.Before, e.After, e.Reason, e.RequestID,
			e.SourceIP, e.ContentHash); err != nil {
			return err
		}
		return tx.Commit()
	}
}
