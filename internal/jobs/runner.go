// Package jobs runs the work that use cases enqueue after commit (see
// internal/job and docs/jobs.md): River workers over the same database as
// the store, one typed handler per job kind, periodic jobs on the leader,
// exponential retries up to a maximum, and dead jobs kept for a list.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/changeboard/changeboard/internal/job"
	"github.com/changeboard/changeboard/internal/store"
)

// Config tunes a Runner.
type Config struct {
	// Workers is how many jobs this process runs at once; 0 runs none (an
	// API-only replica: its use cases still enqueue, others work them).
	Workers int
	// PollInterval is how often idle workers look for new jobs.
	PollInterval time.Duration
	// MaxAttempts is how often a job is tried before it is dead.
	MaxAttempts int
	// RetryBase is the wait before the first retry; each further retry
	// waits twice as long, up to RetryMax.
	RetryBase time.Duration
	// RetryMax caps the wait between two attempts.
	RetryMax time.Duration
	// Now is the clock handed to periodic jobs; time.Now if nil.
	Now func() time.Time
}

// Runner registers the handlers and periodic jobs, then runs them.
type Runner struct {
	db      *store.DB
	cfg     Config
	log     *slog.Logger
	workers *river.Workers

	mu       sync.Mutex
	periodic map[string]periodicFunc
	jobs     []*river.PeriodicJob
	client   *river.Client[*sql.Tx]
}

type periodicFunc struct {
	interval time.Duration
	fn       func(ctx context.Context, now time.Time) error
}

// New returns a Runner over db; register handlers before Start.
func New(db *store.DB, cfg Config, log *slog.Logger) *Runner {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = time.Second
	}
	if cfg.RetryMax < cfg.RetryBase {
		cfg.RetryMax = max(cfg.RetryBase, time.Hour)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Runner{db: db, cfg: cfg, log: log, workers: river.NewWorkers(), periodic: map[string]periodicFunc{}}
	river.AddWorker(r.workers, river.WorkFunc(r.runPeriodic))
	return r
}

// Handle registers fn as the handler of every job of T's kind. A handler
// returning an error is retried (see Config); after the last attempt the
// job is dead. Register each kind once, before Start.
func Handle[T job.Args](r *Runner, fn func(ctx context.Context, args T) error) {
	river.AddWorker(r.workers, river.WorkFunc(func(ctx context.Context, j *river.Job[T]) error {
		return fn(ctx, j.Args)
	}))
}

// periodicArgs is the job a periodic task's schedule inserts.
type periodicArgs struct {
	Name string `json:"name"`
}

// Kind implements job.Args.
func (periodicArgs) Kind() string { return "jobs.periodic" }

// Every runs fn once per interval across all replicas (on River's elected
// leader, which inserts one job per interval; any replica may work it),
// and once when a leader starts. fn is handed the injected clock's time.
// Register before Start; names are unique.
func (r *Runner) Every(name string, interval time.Duration, fn func(ctx context.Context, now time.Time) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.periodic[name]; dup {
		panic("jobs: periodic job " + name + " registered twice")
	}
	r.periodic[name] = periodicFunc{interval: interval, fn: fn}
	r.jobs = append(r.jobs, river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) {
			// Unique per interval, so that a new leader does not run it twice.
			return periodicArgs{Name: name}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: interval}}
		}, &river.PeriodicJobOpts{ID: name, RunOnStart: true}))
}

func (r *Runner) runPeriodic(ctx context.Context, j *river.Job[periodicArgs]) error {
	r.mu.Lock()
	p, ok := r.periodic[j.Args.Name]
	r.mu.Unlock()
	if !ok {
		// A job of a task this version no longer has: drop it.
		return river.JobCancel(fmt.Errorf("no periodic job %q", j.Args.Name))
	}
	return p.fn(ctx, r.cfg.Now().UTC())
}

// Start starts the workers; with Config.Workers 0 it does nothing.
func (r *Runner) Start(ctx context.Context) error {
	if r.cfg.Workers == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.client != nil {
		return errors.New("jobs: runner already started")
	}
	c, err := river.NewClient(r.db.RiverDriver(), &river.Config{
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: r.cfg.Workers}},
		Workers:      r.workers,
		PeriodicJobs: r.jobs,
		MaxAttempts:  r.cfg.MaxAttempts,
		RetryPolicy:  retryPolicy{base: r.cfg.RetryBase, max: r.cfg.RetryMax},
		// database/sql (both our drivers) has no LISTEN: poll.
		PollOnly:          true,
		FetchPollInterval: r.cfg.PollInterval,
		FetchCooldown:     min(r.cfg.PollInterval, river.FetchCooldownDefault),
		ErrorHandler:      errorLogger{r.log},
		Logger:            r.log,
	})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	r.client = c
	return nil
}

// Stop stops fetching jobs and waits for the running ones to finish;
// when ctx ends first, it cancels them (they are retried later) and
// returns ctx's error.
func (r *Runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	c := r.client
	r.client = nil
	r.mu.Unlock()
	if c == nil {
		return nil
	}
	err := c.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = c.StopAndCancel(cctx)
	}
	return err
}

// retryPolicy waits base·2^(attempt−1) between attempts, up to max.
// River's default (attempt⁴ seconds) cannot be tuned, and tests need a
// short base to retry without waiting.
type retryPolicy struct{ base, max time.Duration }

// NextRetry implements river.ClientRetryPolicy.
func (p retryPolicy) NextRetry(j *rivertype.JobRow) time.Time {
	return time.Now().Add(Backoff(p.base, p.max, j.Attempt))
}

// Backoff is the wait after a job's attempt-th failed attempt.
func Backoff(base, limit time.Duration, attempt int) time.Duration {
	wait := float64(base) * math.Pow(2, float64(max(attempt, 1)-1))
	if wait >= float64(limit) {
		return limit
	}
	return time.Duration(wait)
}

// errorLogger logs every failed attempt; River records it on the job.
type errorLogger struct{ log *slog.Logger }

// HandleError implements river.ErrorHandler.
func (l errorLogger) HandleError(ctx context.Context, j *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	l.log.ErrorContext(ctx, "job failed", "job_id", j.ID, "kind", j.Kind, "attempt", j.Attempt, "max_attempts", j.MaxAttempts, "err", err.Error())
	return nil
}

// HandlePanic implements river.ErrorHandler.
func (l errorLogger) HandlePanic(ctx context.Context, j *rivertype.JobRow, v any, trace string) *river.ErrorHandlerResult {
	l.log.ErrorContext(ctx, "job panicked", "job_id", j.ID, "kind", j.Kind, "attempt", j.Attempt, "panic", fmt.Sprint(v), "trace", trace)
	return nil
}
