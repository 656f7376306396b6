package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/changeboard/changeboard/internal/config"
)

// appRole is a plain lower-case SQL identifier, safe to splice (GRANT
// takes no bind parameters).
var appRole = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// auditTables are append-only for the application: it may read and insert
// into them, never update, delete or truncate.
var auditTables = []string{"audit_events", "audit_seals", "audit_checkpoints"}

// GrantAppRole gives the PostgreSQL role the service connects as (when it
// is not the owner that migrates) what it needs on the current schema, and
// revokes UPDATE, DELETE and TRUNCATE on the audit tables: the privileges,
// not only the triggers, keep the trail append-only, and a role without
// ownership cannot disable the triggers either. `changeboard migrate up`
// runs it after every migration when CHANGEBOARD_DATABASE_APP_ROLE is set,
// so tables added later are covered. The role must exist.
func (db *DB) GrantAppRole(ctx context.Context, role string) error {
	if db.dialect != config.Postgres {
		return errors.New("database roles: PostgreSQL only")
	}
	if !appRole.MatchString(role) {
		return fmt.Errorf("database role %q: want a lower-case SQL identifier", role)
	}
	stmts := []string{
		`DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO ` + role + `', current_schema()); END $$`,
		`DO $$ BEGIN EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO ` + role + `', current_schema()); END $$`,
		`DO $$ BEGIN EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO ` + role + `', current_schema()); END $$`,
	}
	for _, t := range auditTables {
		stmts = append(stmts, "REVOKE UPDATE, DELETE, TRUNCATE ON "+t+" FROM "+role)
	}
	for _, q := range stmts {
		if _, err := db.sql.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("grant %s: %w", role, err)
		}
	}
	return nil
}
