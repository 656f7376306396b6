package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

func mustAppend(tb testing.TB, db *store.DB, n int) {
	tb.Helper()
	ctx := audit.WithRequest(context.Background(), audit.RequestInfo{ID: "req", SourceIP: "192.0.2.1"})
	for i := 0; i < n; i++ {
		err := db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			return tx.AppendAudit(ctx, audit.New(ctx, time.Now(), audit.Record{
				Actor:  identity.Actor{UserID: "u1", Roles: []identity.Role{identity.Admin}},
				Action: "test.write", EntityType: "thing", EntityID: fmt.Sprint(i),
				After: map[string]int{"i": i},
			}))
		})
		if err != nil {
			tb.Fatalf("append %d: %v", i, err)
		}
	}
}

func mustSeal(tb testing.TB, db *store.DB) int {
	tb.Helper()
	n, err := audit.NewSealer(db, time.Second, slog.Default()).SealNow(context.Background())
	if err != nil {
		tb.Fatalf("seal: %v", err)
	}
	return n
}

func mustVerify(tb testing.TB, db *store.DB) audit.Report {
	tb.Helper()
	r, err := audit.VerifyStore(context.Background(), db, audit.VerifyOptions{})
	if err != nil {
		tb.Fatalf("verify: %v", err)
	}
	return r
}

// tamper runs statements with the append-only triggers out of the way, as
// someone with direct database access would.
func tamper(tb testing.TB, db *store.DB, stmts ...string) {
	tb.Helper()
	exec := func(q string) {
		if _, err := db.SQL().Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	if db.Dialect() == config.Postgres {
		exec("ALTER TABLE audit_events DISABLE TRIGGER USER")
		exec("ALTER TABLE audit_seals DISABLE TRIGGER USER")
		exec("ALTER TABLE audit_checkpoints DISABLE TRIGGER USER")
		defer exec("ALTER TABLE audit_events ENABLE TRIGGER USER")
		defer exec("ALTER TABLE audit_seals ENABLE TRIGGER USER")
		defer exec("ALTER TABLE audit_checkpoints ENABLE TRIGGER USER")
	} else {
		for _, trg := range []string{"audit_events_no_update", "audit_events_no_delete", "audit_seals_no_update", "audit_seals_no_delete",
			"audit_checkpoints_no_update", "audit_checkpoints_no_delete"} {
			exec("DROP TRIGGER " + trg)
		}
	}
	for _, q := range stmts {
		exec(q)
	}
}

func TestAuditChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("OK", func(t *testing.T) {
			mustAppend(t, db, 10)
			if r := mustVerify(t, db); !r.OK || r.Checked != 0 || r.Unsealed != 10 {
				t.Fatalf("before sealing: %+v", r)
			}
			if n := mustSeal(t, db); n != 10 {
				t.Fatalf("sealed %d, want 10", n)
			}
			mustAppend(t, db, 2)
			r := mustVerify(t, db)
			if !r.OK || r.Checked != 10 || r.Unsealed != 2 || r.HeadHash == "" {
				t.Fatalf("after sealing: %+v", r)
			}
		})
		t.Run("ErrAppendOnly", func(t *testing.T) {
			for _, q := range []string{"UPDATE audit_events SET reason = 'x' WHERE id = 1",
				"DELETE FROM audit_events WHERE id = 1", "UPDATE audit_seals SET hash = 'x' WHERE seq = 1",
				"DELETE FROM audit_seals WHERE seq = 1"} {
				if _, err := db.SQL().Exec(q); err == nil {
					t.Errorf("%s: succeeded, want the trigger to refuse", q)
				}
			}
		})
	})
}

func TestAuditConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		sealer := audit.NewSealer(db, 5*time.Millisecond, slog.Default())
		done := make(chan struct{})
		go func() { sealer.Run(ctx); close(done) }()
		var wg sync.WaitGroup
		for w := 0; w < 50; w++ {
			wg.Add(1)
			go func() { defer wg.Done(); mustAppend(t, db, 4) }()
		}
		wg.Wait()
		cancel()
		<-done
		r := mustVerify(t, db)
		if !r.OK || r.Checked != 200 || r.Unsealed != 0 {
			t.Fatalf("got %+v, want 200 sealed links", r)
		}
		var gaps sql.NullInt64
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)").Scan(&gaps); err != nil || gaps.Int64 != 0 {
			t.Fatalf("unsealed events: %v %v", gaps, err)
		}
	})
}
