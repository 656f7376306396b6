// Package app is the composition root: it turns a Config into an opened,
// migrated database, the capabilities' services and the HTTP handler. The
// command and the end-to-end tests build the service the same way.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/api"
	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/evidence"
	"github.com/changeboard/changeboard/internal/httpapi"
	"github.com/changeboard/changeboard/internal/jobs"
	"github.com/changeboard/changeboard/internal/release"
	"github.com/changeboard/changeboard/internal/schedule"
	"github.com/changeboard/changeboard/internal/session"
	"github.com/changeboard/changeboard/internal/store"
)

// App is one running instance's parts.
type App struct {
	DB      *store.DB
	Audit   *audit.Service
	Auth    *auth.Service
	Change  *change.Service
	CMDB    *cmdb.Service
	Catalog *catalog.Service
	Release *release.Service
	// Schedule is the calendar: windows, forward schedule, conflicts.
	Schedule *schedule.Service
	Sealer   *audit.Sealer
	Jobs     *jobs.Runner
	HTTP     *echo.Echo
	Config   config.Config
	// Sessions are the web UI's browser sessions (internal/app/webui.go).
	Sessions *session.Service
}

// Options are what tests change beyond the Config.
type Options struct {
	Now        func() time.Time
	BcryptCost int
}

// New opens and migrates the database and builds the services.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options) (*App, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	now := func() time.Time { return opt.Now().UTC() }
	db, err := store.Open(ctx, cfg.DatabaseURL, store.Options{Now: now, Log: log, JobMaxAttempts: cfg.Jobs.MaxAttempts})
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, db, cfg, log, opt, now)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, db *store.DB, cfg config.Config, log *slog.Logger, opt Options, now func() time.Time) (*App, error) {
	applied, err := db.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrated", "applied", applied)
	}
	key := cfg.SigningKey
	if len(key) == 0 {
		log.Warn("CHANGEBOARD_SIGNING_KEY is not set: the token signing key is kept in the database, so anyone with a backup of it can sign tokens; set it (or CHANGEBOARD_SIGNING_KEY_FILE) in production")
		stored, err := db.EnsureSetting(ctx, "jwt_signing_key", randomKey)
		if err != nil {
			return nil, err
		}
		if key, err = base64.StdEncoding.DecodeString(stored); err != nil {
			return nil, fmt.Errorf("stored signing key: %w", err)
		}
	}
	auditOpt, err := AuditOptions(cfg, log, true)
	if err != nil {
		return nil, err
	}
	auditSvc := audit.NewServiceWith(db, now, auditOpt)
	authSvc := auth.NewService(store.Runner[auth.Tx]{DB: db}, auditSvc,
		auth.NewSigner(key, cfg.Issuer, cfg.Audience), now,
		auth.Options{TokenTTL: cfg.TokenTTL, BcryptCost: opt.BcryptCost})
	cmdbSvc := cmdb.NewService(store.Runner[cmdb.Tx]{DB: db}, auditSvc, now)
	changeSvc := change.NewService(store.Runner[change.Tx]{DB: db}, auditSvc, db, cmdbSvc, now,
		change.Policy{RetroReviewWindow: cfg.RetroReviewWindow})
	scheduleSvc := newSchedule(db, auditSvc, cmdbSvc, changeSvc, now)
	catalogSvc := catalog.NewService(store.Runner[catalog.Tx]{DB: db}, auditSvc, changeSvc, now, catalog.Options{InventoryMaxAge: cfg.InventoryMaxAge})
	// Complete and close look at the compliance of an RFC's linked updates.
	changeSvc.UseCompliance(catalogSvc)
	runner := jobs.New(db, jobs.Config{Workers: cfg.Jobs.Workers, PollInterval: cfg.Jobs.PollInterval, MaxAttempts: cfg.Jobs.MaxAttempts,
		RetryBase: cfg.Jobs.RetryBase, RetryMax: cfg.Jobs.RetryMax, Now: now}, log)
	// An inventory report enqueues the recompute of that CI's compliance in
	// its own transaction; a failed recompute is retried.
	jobs.Handle(runner, func(ctx context.Context, j cmdb.InventoryReported) error { return catalogSvc.RecomputeCI(ctx, j.CIID) })
	a := &App{DB: db, Audit: auditSvc, Auth: authSvc, Change: changeSvc, CMDB: cmdbSvc, Catalog: catalogSvc, Schedule: scheduleSvc, Config: cfg,
		Sealer: audit.NewSealer(db, cfg.SealInterval, log).WithKeys(auditOpt.Keys), Jobs: runner}
	// The chain's head is signed and published at an interval (and at
	// shutdown, by serve), so that deleting the tail is detected.
	runner.Every("audit-checkpoint", cfg.Audit.CheckpointInterval, func(ctx context.Context, _ time.Time) error {
		_, err := a.CheckpointNow(ctx)
		return err
	})
	a.Release = newRelease(db, a, runner, now, changeSvc, cmdbSvc, catalogSvc)
	a.HTTP = httpapi.New(httpapi.Deps{
		Auth: authSvc, Audit: auditSvc, Evidence: evidence.NewService(changeSvc, auditSvc, scheduleSvc, now), Change: changeSvc, CMDB: cmdbSvc, Catalog: catalogSvc, Release: a.Release, Schedule: scheduleSvc, Idempotency: db, Ready: a.ready, Log: log,
		PublicMetrics: cfg.PublicMetrics, OpenAPI: api.OpenAPI, TokenTTL: cfg.TokenTTL,
		Edge: cfg.Edge,
	})
	if err := a.mountUI(log, now); err != nil {
		return nil, err
	}
	return a, nil
}

func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// ready is /readyz: the database answers and nothing is left to migrate.
func (a *App) ready(ctx context.Context) error {
	if err := a.DB.Ping(ctx); err != nil {
		return err
	}
	n, err := a.DB.Pending(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return errors.New("migrations pending")
	}
	return nil
}

// Start starts the background work: the job runner's workers (none when
// CHANGEBOARD_JOBS_WORKERS is 0).
func (a *App) Start(ctx context.Context) error { return a.Jobs.Start(ctx) }

// Stop stops the job runner, letting running jobs finish within ctx.
func (a *App) Stop(ctx context.Context) error { return a.Jobs.Stop(ctx) }

// Close stops what still runs and closes the database.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	return errors.Join(a.Stop(ctx), a.DB.Close())
}
