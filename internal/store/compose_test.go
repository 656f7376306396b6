package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

func composeEvent(ctx context.Context, id string) *audit.Event {
	return audit.New(ctx, time.Now(), audit.Record{
		Actor:  identity.Actor{UserID: "u1", Roles: []identity.Role{identity.Admin}},
		Action: "test.compose", EntityType: "thing", EntityID: id,
	})
}

func countEvents(t *testing.T, db *store.DB, id string) int {
	t.Helper()
	evs, err := db.FindAuditEvents(context.Background(), audit.Filter{EntityType: "thing", EntityID: id, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

// TestInTxComposes: a nested InTx with the ctx its outer one handed out
// joins that transaction (one commit, one rollback for both), and a
// refusal recorded inside it survives the rollback.
func TestInTxComposes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t.Run("OK", func(t *testing.T) {
			err := db.InTx(ctx, func(ctx context.Context, outer *store.Tx) error {
				if err := outer.AppendAudit(ctx, composeEvent(ctx, "ok")); err != nil {
					return err
				}
				return db.InTx(ctx, func(ctx context.Context, inner *store.Tx) error {
					if inner != outer {
						t.Error("the nested InTx opened a second transaction")
					}
					return inner.AppendAudit(ctx, composeEvent(ctx, "ok"))
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := countEvents(t, db, "ok"); n != 2 {
				t.Fatalf("events after commit: %d, want 2", n)
			}
		})
		t.Run("ErrRollsBackBoth", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.InTx(ctx, func(ctx context.Context, outer *store.Tx) error {
				if err := outer.AppendAudit(ctx, composeEvent(ctx, "rb")); err != nil {
					return err
				}
				if err := db.InTx(ctx, func(ctx context.Context, inner *store.Tx) error {
					return inner.AppendAudit(ctx, composeEvent(ctx, "rb"))
				}); err != nil {
					return err
				}
				if err := db.AppendStandalone(ctx, composeEvent(ctx, "denied")); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want boom", err)
			}
			if n := countEvents(t, db, "rb"); n != 0 {
				t.Fatalf("events after rollback: %d, want 0", n)
			}
			if n := countEvents(t, db, "denied"); n != 1 {
				t.Fatalf("standalone events after rollback: %d, want 1", n)
			}
		})
	})
}
