package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// TestAppRoleCannotRewriteTheTrail grants a fresh role what the service
// needs and checks, as that role, that it can read and append to the audit
// tables but neither update, delete, truncate them nor disable their
// triggers, while it still writes other tables.
func TestAppRoleCannotRewriteTheTrail(t *testing.T) {
	if !contains(storetest.Dialects(t), config.Postgres) {
		t.Skip("PostgreSQL only: set TEST_DATABASE_URL")
	}
	db := storetest.MustOpen(t, config.Postgres, store.Options{})
	mustAppend(t, db, 3)
	mustSeal(t, db)
	role := fmt.Sprintf("cb_app_%d", time.Now().UnixNano())
	ctx := context.Background()
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string) error { _, err := conn.ExecContext(ctx, q); return err }
	if err := exec("CREATE ROLE " + role + " NOLOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec("RESET ROLE")
		_ = exec("DROP OWNED BY " + role)
		_ = exec("DROP ROLE " + role)
	})
	if err := db.GrantAppRole(ctx, role); err != nil {
		t.Fatal(err)
	}
	if err := exec("SET ROLE " + role); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SELECT count(*) FROM audit_events", "SELECT count(*) FROM audit_seals",
		"INSERT INTO audit_events (occurred_at, actor_id, action, outcome, content_hash) VALUES (now(), 'u', 'x', 'success', 'h')",
		"INSERT INTO settings (key, value, created_at) VALUES ('grant-test', 'ok', now())", "UPDATE settings SET value = 'ok2' WHERE key = 'grant-test'"} {
		if err := exec(q); err != nil {
			t.Errorf("%s: %v, want allowed", q, err)
		}
	}
	for _, q := range []string{"UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events",
		"UPDATE audit_seals SET hash = 'x'", "DELETE FROM audit_seals", "DELETE FROM audit_checkpoints",
		"ALTER TABLE audit_events DISABLE TRIGGER USER"} {
		err := exec(q)
		if err == nil || !(strings.Contains(err.Error(), "permission denied") || strings.Contains(err.Error(), "must be owner")) {
			t.Errorf("%s: %v, want permission denied", q, err)
		}
	}
}

func contains(ds []config.Dialect, d config.Dialect) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}
