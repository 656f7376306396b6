package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Job is one stored job as the runner reports it.
type Job struct {
	ID          int64
	Kind        string
	State       string
	Attempt     int
	MaxAttempts int
	// Args is the job's payload as stored (JSON).
	Args        []byte
	Errors      []string
	CreatedAt   time.Time
	ScheduledAt time.Time
	FinalizedAt *time.Time
}

// States a job can be in: River's, but for StateDead.
const (
	StateAvailable = string(rivertype.JobStateAvailable)
	StatePending   = string(rivertype.JobStatePending)
	StateRunning   = string(rivertype.JobStateRunning)
	StateRetryable = string(rivertype.JobStateRetryable)
	StateScheduled = string(rivertype.JobStateScheduled)
	StateCompleted = string(rivertype.JobStateCompleted)
	StateCancelled = string(rivertype.JobStateCancelled)
	// StateDead is a job that failed its last attempt (River: discarded).
	StateDead = "dead"
)

// States lists every state, for validation and help texts.
var States = []string{StateAvailable, StatePending, StateRunning, StateRetryable, StateScheduled, StateCompleted, StateCancelled, StateDead}

func toRiverState(s string) rivertype.JobState {
	if s == StateDead {
		return rivertype.JobStateDiscarded
	}
	return rivertype.JobState(s)
}

func fromRiverState(s rivertype.JobState) string {
	if s == rivertype.JobStateDiscarded {
		return StateDead
	}
	return string(s)
}

// MaxListSize caps one List.
const MaxListSize = 200

// List returns up to limit jobs in state (all states when empty), newest
// first. It works whether or not this process runs workers.
func (r *Runner) List(ctx context.Context, state string, limit int) ([]Job, error) {
	if limit <= 0 || limit > MaxListSize {
		return nil, fmt.Errorf("jobs: limit must be 1 to %d", MaxListSize)
	}
	if state != "" && !slices.Contains(States, state) {
		return nil, fmt.Errorf("jobs: state %q: want one of %s", state, strings.Join(States, ", "))
	}
	c, err := r.reader()
	if err != nil {
		return nil, err
	}
	p := river.NewJobListParams().First(limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if state != "" {
		p = p.States(toRiverState(state))
	}
	res, err := c.JobList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	out := make([]Job, len(res.Jobs))
	for i, j := range res.Jobs {
		out[i] = Job{ID: j.ID, Kind: j.Kind, State: fromRiverState(j.State), Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
			Args: j.EncodedArgs, CreatedAt: j.CreatedAt, ScheduledAt: j.ScheduledAt, FinalizedAt: j.FinalizedAt}
		for _, e := range j.Errors {
			out[i].Errors = append(out[i].Errors, e.Error)
		}
	}
	return out, nil
}

// Dead lists the jobs that failed their last attempt, newest first.
func (r *Runner) Dead(ctx context.Context, limit int) ([]Job, error) {
	return r.List(ctx, StateDead, limit)
}

// reader is the started client, or an unstarted one for reading.
func (r *Runner) reader() (*river.Client[*sql.Tx], error) {
	r.mu.Lock()
	c := r.client
	r.mu.Unlock()
	if c != nil {
		return c, nil
	}
	return river.NewClient(r.db.RiverDriver(), &river.Config{})
}

// Drain waits until no job is available, pending or running: every job
// due now has been worked (retries due now included; jobs scheduled for
// later are not waited for). Tests use it instead of sleeping; the runner
// must be started. It waits on River's job events, and re-counts at the
// poll interval in case an event was missed.
func (r *Runner) Drain(ctx context.Context) error {
	r.mu.Lock()
	c := r.client
	r.mu.Unlock()
	if c == nil {
		return errors.New("jobs: drain needs a started runner")
	}
	events, cancel := c.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobCancelled, river.EventKindJobSnoozed)
	defer cancel()
	tick := time.NewTicker(r.cfg.PollInterval)
	defer tick.Stop()
	for {
		res, err := c.JobList(ctx, river.NewJobListParams().First(1).States(
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning))
		if err != nil {
			return fmt.Errorf("jobs: drain: %w", err)
		}
		if len(res.Jobs) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("jobs: drain: %w", ctx.Err())
		case <-events:
		case <-tick.C:
		}
	}
}
