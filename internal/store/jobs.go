package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/job"
)

// Work after commit is River's on both databases (internal/jobs runs the
// workers; docs/jobs.md says why):
//   - PostgreSQL: riverdatabasesql over the same *sql.DB as gorm, so that
//     a job is inserted in gorm's own *sql.Tx (its Statement.ConnPool). The
//     pgx driver (riverpgxv5) needs a pgx.Tx, which gorm's database/sql
//     transaction does not expose; a second pgx pool could not insert in
//     the use case's transaction, which is the point (a transactional
//     outbox). database/sql has no LISTEN, so River polls.
//   - SQLite: River's riversqlite driver. River asks for one open
//     connection, as we have, and holds none while a worker runs its job
//     (the worker's own InTx takes it; tested in internal/jobs), so River
//     fits and no home-made queue is needed.

// riverDriver returns the River driver for db's dialect.
func riverDriver(db *sql.DB, d config.Dialect) riverdriver.Driver[*sql.Tx] {
	if d == config.Postgres {
		return riverdatabasesql.New(db)
	}
	return riversqlite.New(db)
}

// RiverDriver is the River driver over this database, for the job runner.
func (db *DB) RiverDriver() riverdriver.Driver[*sql.Tx] { return riverDriver(db.sql, db.dialect) }

// inserter is an insert-only River client: no queues, never started.
func (db *DB) inserter() (*river.Client[*sql.Tx], error) {
	db.insOnce.Do(func() {
		db.ins, db.insErr = river.NewClient(db.RiverDriver(), &river.Config{MaxAttempts: db.jobMaxAttempts})
	})
	return db.ins, db.insErr
}

var _ job.Enqueuer = (*Tx)(nil)

// Enqueue inserts args as a job in this transaction (see job.Enqueuer).
func (tx *Tx) Enqueue(ctx context.Context, args job.Args, opts ...job.Opt) error {
	sqlTx, ok := tx.g.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return errors.New("enqueue: the transaction is not a database/sql transaction")
	}
	ins, err := tx.db.inserter()
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	if _, err := ins.InsertTx(ctx, sqlTx, args, insertOpts(opts, tx.db.now)); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// insertOpts turns job options into River's; a delay counts from now.
func insertOpts(opts []job.Opt, now func() time.Time) *river.InsertOpts {
	o := job.Apply(opts)
	ro := &river.InsertOpts{MaxAttempts: o.MaxAttempts, ScheduledAt: o.RunAt}
	if o.Delay > 0 && o.RunAt.IsZero() {
		ro.ScheduledAt = now().Add(o.Delay)
	}
	if o.UniqueByArgs {
		// River's default states count completed jobs too.
		ro.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
			rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}
	}
	return ro
}

// migrateRiver brings River's own tables up to date with River's
// migrator, right after our goose migrations. River's schema is River's:
// copying its SQL into our folders would freeze it at one River version
// and need hand-made upgrades; rivermigrate is versioned (river_migration)
// and idempotent. Replicas starting together take an advisory lock around
// it on PostgreSQL, as goose does for ours; SQLite's single writer needs
// none.
func (db *DB) migrateRiver(ctx context.Context) ([]string, error) {
	if db.dialect == config.Postgres {
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", riverMigrateLock); err != nil {
			return nil, fmt.Errorf("lock river migrations: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", riverMigrateLock)
		}()
	}
	m, err := rivermigrate.New(db.RiverDriver(), &rivermigrate.Config{Logger: discardLogger()})
	if err != nil {
		return nil, err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("migrate river: %w", err)
	}
	db.riverMigrated.Store(true)
	var applied []string
	for _, v := range res.Versions {
		applied = append(applied, fmt.Sprintf("river/%03d_%s", v.Version, strings.ReplaceAll(v.Name, " ", "_")))
	}
	return applied, nil
}

// riverPending counts River migrations not applied yet (0 or 1). River's
// schema only moves forward, so once it is found complete it is not asked
// again: /readyz stays one query cheaper.
func (db *DB) riverPending(ctx context.Context) (int, error) {
	if db.riverMigrated.Load() {
		return 0, nil
	}
	m, err := rivermigrate.New(db.RiverDriver(), &rivermigrate.Config{Logger: discardLogger()})
	if err != nil {
		return 0, err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return 0, err
	}
	if !res.OK {
		return 1, nil
	}
	db.riverMigrated.Store(true)
	return 0, nil
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// riverMigrateLock is the advisory lock key of River's migrations.
var riverMigrateLock = func() int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("changeboard river migrations"))
	return int64(h.Sum64() >> 1)
}()
