package bench

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// BenchmarkAuditedWrite measures one audited use case — a domain row (a
// user) and its audit event in one transaction, through the real store
// with the background sealer running — against the same two rows
// inserted by bare database/sql in one transaction, into tables of the
// same shape and indexes but without the audit lock, gorm or sealer. A
// third side, bare+lock, is the bare statements plus the shared audit lock
// the store takes: it tells the lock's cost from gorm's and the sealer's.
// All run in the same invocation on a fresh schema, ordered bare, locked,
// audited, locked, bare so that any drift falls on every side alike.
// Writers are goroutines, each with a connection of its own.
//
// Reported: the three rates, audited/bare (the ratio DESIGN §7 sets a
// floor of 0.5 for), locked/bare, and sealed-% (the share of audited
// events the sealer had chained by the time the last write committed).
func BenchmarkAuditedWrite(b *testing.B) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		b.Skip("TEST_DATABASE_URL is not set: this benchmark measures PostgreSQL")
	}
	for _, writers := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			b.StopTimer()
			db := storetest.MustOpen(b, config.Postgres, store.Options{MaxOpenConns: writers + 8})
			mustExec(b, db.SQL(), bareTables...)
			ctx := context.Background()
			var next atomic.Int64
			bare, locked, audited := bareWrite(db.SQL(), db.Now, false), bareWrite(db.SQL(), db.Now, true), auditedWrite(db)
			n := int64(b.N)
			firstHalf := n / 2

			b.StartTimer()
			bareTime := mustChunk(b, ctx, writers, firstHalf, &next, bare)
			lockedTime := mustChunk(b, ctx, writers, firstHalf, &next, locked)
			sealCtx, stopSealer := context.WithCancel(ctx)
			sealerDone := make(chan struct{})
			go func() {
				defer close(sealerDone)
				audit.NewSealer(db, 500*time.Millisecond, slog.New(slog.DiscardHandler)).Run(sealCtx)
			}()
			auditedTime := mustChunk(b, ctx, writers, n, &next, audited)
			b.StopTimer()
			sealed := count(b, db.SQL(), "audit_seals")
			stopSealer()
			<-sealerDone
			b.StartTimer()
			lockedTime += mustChunk(b, ctx, writers, n-firstHalf, &next, locked)
			bareTime += mustChunk(b, ctx, writers, n-firstHalf, &next, bare)
			b.StopTimer()

			checkWritten(b, db, n)
			bareOps := float64(n) / bareTime.Seconds()
			lockedOps := float64(n) / lockedTime.Seconds()
			auditedOps := float64(n) / auditedTime.Seconds()
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(bareOps, "bare-ops/s")
			b.ReportMetric(lockedOps, "locked-ops/s")
			b.ReportMetric(auditedOps, "audited-ops/s")
			b.ReportMetric(auditedOps/bareOps, "audited/bare")
			b.ReportMetric(lockedOps/bareOps, "locked/bare")
			b.ReportMetric(100*float64(sealed)/float64(n), "sealed-%")
		})
	}
}

// bareTables are copies of users and audit_events with the same columns,
// defaults and indexes, and a sequence of their own.
var bareTables = []string{
	"CREATE TABLE bare_users (LIKE users INCLUDING ALL)",
	"CREATE TABLE bare_audit_events (LIKE audit_events INCLUDING ALL)",
	"CREATE SEQUENCE bare_audit_events_id_seq OWNED BY bare_audit_events.id",
	"ALTER TABLE bare_audit_events ALTER COLUMN id SET DEFAULT nextval('bare_audit_events_id_seq')",
}

// write performs operation i.
type write func(ctx context.Context, i int64) error

// newUser is the domain row of operation i, and its audit event.
func newUser(ctx context.Context, i int64, now time.Time) (auth.User, *audit.Event) {
	u := auth.User{
		ID: fmt.Sprintf("bench-user-%012d", i), Username: fmt.Sprintf("bench%d", i),
		DisplayName: "Bench User", Email: "bench@example.com", Roles: []identity.Role{identity.Requester},
		PasswordHash: "$2a$10$abcdefghijklmnopqrstuuN0tARealHashJustTheRightLength012", Version: 1,
		CreatedAt: now, UpdatedAt: now,
	}
	e := audit.New(ctx, now, audit.Record{
		Actor: identity.System, Action: "user.create", EntityType: "user", EntityID: u.ID,
		After: map[string]any{"username": u.Username, "roles": u.Roles, "disabled": false},
	})
	return u, e
}

// auditedWrite is the real path: store.InTx, the domain row, AppendAudit
// (which takes the shared audit lock first).
func auditedWrite(db *store.DB) write {
	return func(ctx context.Context, i int64) error {
		u, e := newUser(ctx, i, db.Now())
		return db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, e)
		})
	}
}

const (
	insertUser = `INSERT INTO bare_users (id, username, display_name, email, roles, password_hash, disabled, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	insertEvent = `INSERT INTO bare_audit_events (occurred_at, actor_id, actor_role, action, outcome, entity_type, entity_id,
		before_json, after_json, reason, request_id, source_ip, content_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`
	// sharedAuditLock is the statement store.Tx.AppendAudit runs first.
	sharedAuditLock = "SELECT pg_advisory_xact_lock_shared(hashtext('changeboard.audit.' || current_schema()))"
)

// bareWrite inserts the same two rows with database/sql in one
// transaction; with lock, it first takes the shared audit lock as the
// store does, and nothing else.
func bareWrite(db *sql.DB, now func() time.Time, lock bool) write {
	return func(ctx context.Context, i int64) error {
		u, e := newUser(ctx, i, now())
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		if lock {
			if _, err := tx.ExecContext(ctx, sharedAuditLock); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, insertUser, u.ID, u.Username, u.DisplayName, u.Email, string(identity.Requester),
			u.PasswordHash, u.Disabled, u.Version, u.CreatedAt, u.UpdatedAt); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, insertEvent, e.OccurredAt, e.ActorID, e.ActorRole, e.Action, string(e.Outcome),
			e.EntityType, e.EntityID, e.Before, e.After, e.Reason, e.RequestID, e.SourceIP, e.ContentHash).Scan(&e.ID); err != nil {
			return err
		}
		return tx.Commit()
	}
}

// mustChunk runs n operations on writers goroutines and returns the wall
// time they took.
func mustChunk(b *testing.B, ctx context.Context, writers int, n int64, next *atomic.Int64, w write) time.Duration {
	b.Helper()
	var claimed atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	start := time.Now()
	for range writers {
		wg.Go(func() {
			for claimed.Add(1) <= n {
				if err := w(ctx, next.Add(1)); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errc)
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	return elapsed
}

// checkWritten proves the benchmark did what it claims: n rows on the
// audited side, 2n on the bare tables (bare and bare+lock), and every
// audited event chained into a chain that verifies.
func checkWritten(b *testing.B, db *store.DB, n int64) {
	b.Helper()
	for table, want := range map[string]int64{"users": n, "audit_events": n, "bare_users": 2 * n, "bare_audit_events": 2 * n} {
		if got := count(b, db.SQL(), table); got != want {
			b.Fatalf("%s has %d rows, want %d", table, got, want)
		}
	}
	r, err := audit.VerifyStore(context.Background(), db, audit.VerifyOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if !r.OK || r.Checked != n || r.Unsealed != 0 {
		b.Fatalf("chain after the benchmark: %+v, want ok with %d checked and none unsealed", r, n)
	}
}

func count(b *testing.B, db *sql.DB, table string) int64 {
	b.Helper()
	var n int64
	if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

func mustExec(b *testing.B, db *sql.DB, stmts ...string) {
	b.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			b.Fatalf("%s: %v", s, err)
		}
	}
}
