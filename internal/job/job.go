// Package job is the neutral contract for work after commit: a capability
// declares its job payloads as Args and enqueues them through an Enqueuer
// (its Tx), so the job is inserted in the use case's own transaction — it
// runs only if that transaction commits, and is never lost once it has.
// The engine behind it (River) lives in internal/store and internal/jobs;
// this package imports nothing but the standard library.
package job

import (
	"context"
	"time"
)

// Args is a job's JSON-serialisable payload. Kind names the job type; it
// is stored with every job and must never change once jobs of it exist
// (the method set is river.JobArgs', so River takes Args as is).
type Args interface {
	Kind() string
}

// Enqueuer inserts a job in the caller's transaction.
type Enqueuer interface {
	// Enqueue inserts args as a job that becomes available once the
	// transaction commits; a rollback discards it with the rest.
	Enqueue(ctx context.Context, args Args, opts ...Opt) error
}

// Options are the resolved options of one Enqueue.
type Options struct {
	// RunAt, when not zero, is the earliest time the job may run.
	RunAt time.Time
	// Delay, when positive, postpones the job by that much from now.
	Delay time.Duration
	// UniqueByArgs makes a second job of the same kind and arguments a
	// no-op while the first waits, runs or waits to be retried (a finished
	// or dead one does not count). A job already running does not see what
	// its caller's transaction wrote: use it only where that is harmless.
	UniqueByArgs bool
	// MaxAttempts overrides the runner's default when positive.
	MaxAttempts int
}

// Opt sets one of the Options.
type Opt func(*Options)

// Apply resolves opts.
func Apply(opts []Opt) Options {
	var o Options
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// RunAt makes the job wait until t.
func RunAt(t time.Time) Opt { return func(o *Options) { o.RunAt = t } }

// Delay makes the job wait d after its transaction.
func Delay(d time.Duration) Opt { return func(o *Options) { o.Delay = d } }

// UniqueByArgs skips the insert when an unfinished job of the same kind
// and arguments exists (see Options.UniqueByArgs).
func UniqueByArgs() Opt { return func(o *Options) { o.UniqueByArgs = true } }

// MaxAttempts caps the job's attempts at n.
func MaxAttempts(n int) Opt { return func(o *Options) { o.MaxAttempts = n } }
