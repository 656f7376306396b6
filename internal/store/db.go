// Package store is Changeboard's persistence: gorm over SQLite (embedded,
// pure Go) or PostgreSQL, one transaction per use case, and the repository
// methods that the capabilities' Tx interfaces declare.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/riverqueue/river"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/config"
)

// DB is an open database.
type DB struct {
	gorm *gorm.DB
	sql  *sql.DB
	// reader serves Read: on SQLite a pool of read-only connections
	// beside the single writer (WAL lets them read while it writes), on
	// PostgreSQL the same pool as gorm.
	reader    *gorm.DB
	readerSQL *sql.DB
	dialect   config.Dialect
	now       func() time.Time
	// jobMaxAttempts is Options.JobMaxAttempts.
	jobMaxAttempts int
	// ins is the insert-only River client of Tx.Enqueue, made on first use.
	insOnce sync.Once
	ins     *river.Client[*sql.Tx]
	insErr  error
	// riverMigrated is set once River's schema is known to be complete.
	riverMigrated atomic.Bool
}

// Options tune Open.
type Options struct {
	// Now is the clock for timestamps; time.Now if nil.
	Now func() time.Time
	// MaxOpenConns for PostgreSQL; SQLite always uses one connection.
	MaxOpenConns int
	Log          *slog.Logger
	// JobMaxAttempts is how often an enqueued job is tried (River's
	// default, 25, if 0); job.MaxAttempts overrides it per job.
	JobMaxAttempts int
}

// Open connects to the database that url names (see config.ParseDatabaseURL)
// without migrating it.
func Open(ctx context.Context, url string, opt Options) (*DB, error) {
	dbc, err := config.ParseDatabaseURL(url)
	if err != nil {
		return nil, err
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	now := func() time.Time { return opt.Now().UTC() }
	gcfg := &gorm.Config{
		TranslateError:         true,
		NowFunc:                now,
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
	}
	var g *gorm.DB
	switch dbc.Dialect {
	case config.SQLite:
		if err := os.MkdirAll(filepath.Dir(dbc.DSN), 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
		// WAL for readers beside the writer, foreign keys on, and a busy
		// timeout for other processes (the CLI) touching the same file.
		dsn := dbc.DSN + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"
		g, err = gorm.Open(sqlite.Open(dsn), gcfg)
	case config.Postgres:
		g, err = gorm.Open(postgres.Open(withStatementTimeout(dbc.DSN)), gcfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dbc.Dialect, err)
	}
	if err := registerStatementCounter(g); err != nil {
		return nil, err
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if dbc.Dialect == config.SQLite {
		// One connection: SQLite has one writer anyway, and a transaction
		// must never wait on a second connection of its own process.
		sqlDB.SetMaxOpenConns(1)
	} else {
		if opt.MaxOpenConns == 0 {
			opt.MaxOpenConns = 40
		}
		sqlDB.SetMaxOpenConns(opt.MaxOpenConns)
		sqlDB.SetMaxIdleConns(opt.MaxOpenConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dbc.Dialect, err)
	}
	db := &DB{gorm: g, sql: sqlDB, reader: g, readerSQL: sqlDB, dialect: dbc.Dialect, now: now, jobMaxAttempts: opt.JobMaxAttempts}
	if dbc.Dialect == config.SQLite {
		if err := db.openSQLiteReaders(dbc.DSN, gcfg); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
	}
	return db, nil
}

// sqliteReaders is the size of SQLite's reader pool: a few connections
// per core keep the cores busy while one waits on the file.
const sqliteReaders = 4

// openSQLiteReaders opens the read-only pool that Read uses. It is opened
// after the writer, which has set WAL mode on the file.
func (db *DB) openSQLiteReaders(path string, gcfg *gorm.Config) error {
	dsn := path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=query_only(1)"
	r, err := gorm.Open(sqlite.Open(dsn), gcfg)
	if err != nil {
		return fmt.Errorf("open sqlite readers: %w", err)
	}
	if err := registerStatementCounter(r); err != nil {
		return err
	}
	rs, err := r.DB()
	if err != nil {
		return err
	}
	rs.SetMaxOpenConns(sqliteReaders)
	rs.SetMaxIdleConns(sqliteReaders)
	db.reader, db.readerSQL = r, rs
	return nil
}

// Dialect says which database this is.
func (db *DB) Dialect() config.Dialect { return db.dialect }

// SQL is the underlying handle, for migrations and benchmarks.
func (db *DB) SQL() *sql.DB { return db.sql }

// Close closes the database.
func (db *DB) Close() error {
	if db.readerSQL != db.sql {
		_ = db.readerSQL.Close()
	}
	return db.sql.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Tx is one transaction; it implements the Tx interfaces of every
// capability. It must only be used inside the InTx call that made it.
type Tx struct {
	g  *gorm.DB
	db *DB
	// auditLocked records that this transaction holds the shared audit
	// lock (PostgreSQL), taken before its first audit event.
	auditLocked bool
	// readOnly marks a Tx made by Read, which is no transaction: it
	// refuses to append audit events.
	readOnly bool
	// standalone are events that must survive this transaction whatever
	// its outcome (refusals recorded by a use case running inside it);
	// the outermost InTx writes them in a transaction of their own once
	// this one has ended.
	standalone []*audit.Event
}

type txKey struct{}

// txFrom returns the transaction of db that ctx carries, if any.
func (db *DB) txFrom(ctx context.Context) (*Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(*Tx)
	return tx, ok && tx.db == db
}

// InTx runs fn in one transaction, committed when fn returns nil. The ctx
// handed to fn carries the transaction: a use case that calls another
// capability's use case with it composes with that use case in this one
// transaction (a nested InTx joins the running transaction instead of
// opening a second, which on SQLite's single connection would deadlock).
// Whoever started the transaction commits or rolls it back.
func (db *DB) InTx(ctx context.Context, fn func(context.Context, *Tx) error) error {
	if tx, ok := db.txFrom(ctx); ok {
		return fn(ctx, tx)
	}
	var root *Tx
	countStatements(ctx, 2) // BEGIN, and COMMIT or ROLLBACK
	err := db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		root = &Tx{g: g, db: db}
		return fn(context.WithValue(ctx, txKey{}, root), root)
	})
	if root != nil && len(root.standalone) > 0 {
		if serr := db.appendStandalone(ctx, root.standalone); serr != nil {
			return errors.Join(err, serr)
		}
	}
	return err
}

// Read runs fn outside any transaction, on the reader pool: for use cases
// that ask the database one question (one statement, or statements that
// need no common snapshot), it saves the BEGIN and COMMIT round trips and,
// on SQLite, the single writer connection. Inside a running transaction
// (ctx carries one) fn joins it, as InTx does. fn must not write.
func (db *DB) Read(ctx context.Context, fn func(context.Context, *Tx) error) error {
	if tx, ok := db.txFrom(ctx); ok {
		return fn(ctx, tx)
	}
	return fn(ctx, &Tx{g: db.reader.WithContext(ctx), db: db, readOnly: true})
}

// Runner adapts DB to a capability's Store interface, whose InTx hands out
// that capability's Tx interface (which *Tx implements).
type Runner[T any] struct{ DB *DB }

// InTx runs fn in one transaction, or in the one ctx carries (see DB.InTx).
func (r Runner[T]) InTx(ctx context.Context, fn func(context.Context, T) error) error {
	return r.DB.InTx(ctx, func(ctx context.Context, tx *Tx) error {
		t, ok := any(tx).(T)
		if !ok {
			return errors.New("store.Tx does not implement the capability's Tx")
		}
		return fn(ctx, t)
	})
}

// Read runs fn outside a transaction, or in the one ctx carries (see
// DB.Read).
func (r Runner[T]) Read(ctx context.Context, fn func(context.Context, T) error) error {
	return r.DB.Read(ctx, func(ctx context.Context, tx *Tx) error {
		t, ok := any(tx).(T)
		if !ok {
			return errors.New("store.Tx does not implement the capability's Tx")
		}
		return fn(ctx, t)
	})
}

// Now is the store's clock, in UTC.
func (db *DB) Now() time.Time { return db.now() }
