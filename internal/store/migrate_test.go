package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3/lock"

	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// Readiness must not wait for goose's lock: it is a database-wide advisory
// lock on PostgreSQL, held while any other instance (or any other schema's
// test) migrates the same database.
func TestPendingTakesNoLock(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		if d != config.Postgres {
			continue
		}
		t.Run(string(d), func(t *testing.T) {
			db := storetest.MustOpen(t, d, store.Options{})
			ctx := context.Background()
			other, err := pgx.Connect(ctx, os.Getenv("TEST_DATABASE_URL"))
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close(ctx)
			if _, err := other.Exec(ctx, "SELECT pg_advisory_lock($1)", lock.DefaultLockID); err != nil {
				t.Fatal(err)
			}
			defer other.Exec(ctx, "SELECT pg_advisory_unlock($1)", lock.DefaultLockID) //nolint:errcheck
			short, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			n, err := db.Pending(short)
			if err != nil || n != 0 {
				t.Fatalf("Pending while another session holds the migration lock: %d, %v", n, err)
			}
		})
	}
}
