// Package storetest gives tests fresh, migrated databases: SQLite in a
// temporary folder always, and PostgreSQL (a schema of its own per test)
// when TEST_DATABASE_URL is set. In CI PostgreSQL is required.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver, for schema set-up

	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/store"
)

// Dialects lists the databases under test in this run.
func Dialects(tb testing.TB) []config.Dialect {
	tb.Helper()
	out := []config.Dialect{config.SQLite}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		out = append(out, config.Postgres)
	} else if os.Getenv("CI") != "" {
		tb.Fatal("CI is set but TEST_DATABASE_URL is not: the PostgreSQL half of the suite cannot be skipped in CI")
	}
	return out
}

// Each runs fn as a subtest once per database under test, each with a
// fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Dialects(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, MustOpen(t, d, store.Options{})) })
	}
}

// MustOpen returns a fresh, migrated database of dialect d, closed and
// dropped when the test ends.
func MustOpen(tb testing.TB, d config.Dialect, opt store.Options) *store.DB {
	tb.Helper()
	ctx := context.Background()
	url := MustURL(tb, d)
	db, err := store.Open(ctx, url, opt)
	if err != nil {
		tb.Fatalf("open %s: %v", d, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// MustURL returns the URL of a fresh, empty database of dialect d.
func MustURL(tb testing.TB, d config.Dialect) string {
	tb.Helper()
	if d == config.SQLite {
		return "sqlite:" + filepath.Join(tb.TempDir(), "test.db")
	}
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		tb.Fatal("TEST_DATABASE_URL is not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		tb.Fatalf("postgres unreachable or unusable at TEST_DATABASE_URL: %v", err)
	}
	tb.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		_ = admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
