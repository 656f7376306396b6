package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/job"
	"github.com/changeboard/changeboard/internal/jobs"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

type pingArgs struct {
	N int `json:"n"`
}

func (pingArgs) Kind() string { return "test.ping" }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func testConfig() jobs.Config {
	return jobs.Config{Workers: 2, PollInterval: 20 * time.Millisecond, MaxAttempts: 3, RetryBase: time.Millisecond, RetryMax: 5 * time.Millisecond}
}

// eachDB runs fn once per database under test, with jobs tried 3 times.
func eachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, storetest.MustOpen(t, d, store.Options{JobMaxAttempts: 3})) })
	}
}

func mustEnqueue(t *testing.T, db *store.DB, args job.Args, opts ...job.Opt) {
	t.Helper()
	if err := db.InTx(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		return tx.Enqueue(ctx, args, opts...)
	}); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
}

func argsAre[T any](j jobs.Job, want T) bool {
	var got T
	return json.Unmarshal(j.Args, &got) == nil && reflect.DeepEqual(got, want)
}

func mustStart(t *testing.T, r *jobs.Runner) {
	t.Helper()
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
}

func mustDrain(t *testing.T, r *jobs.Runner) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

func mustList(t *testing.T, r *jobs.Runner, state string) []jobs.Job {
	t.Helper()
	js, err := r.List(context.Background(), state, jobs.MaxListSize)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// A job enqueued in a transaction exists only if that transaction
// commits; a committed one is worked by a handler that itself opens a
// transaction (on SQLite's single connection: River holds none meanwhile).
func TestEnqueueIsTransactional(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := jobs.New(db, testConfig(), quiet)
		var mu sync.Mutex
		var seen []int
		jobs.Handle(r, func(ctx context.Context, a pingArgs) error {
			mu.Lock()
			seen = append(seen, a.N)
			mu.Unlock()
			// The handler's own transaction must not wait on River.
			_, err := db.EnsureSetting(ctx, "ping", func() string { return "x" })
			return err
		})
		errRollback := errors.New("roll back")
		err := db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			if err := tx.Enqueue(ctx, pingArgs{N: 1}); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("rollback: %v", err)
		}
		if js := mustList(t, r, ""); len(js) != 0 {
			t.Fatalf("a rolled back enqueue left %d jobs", len(js))
		}
		mustEnqueue(t, db, pingArgs{N: 2})
		js := mustList(t, r, jobs.StateAvailable)
		if len(js) != 1 || js[0].Kind != "test.ping" || !argsAre(js[0], pingArgs{N: 2}) || js[0].MaxAttempts != 3 {
			t.Fatalf("committed enqueue: %+v", js)
		}
		mustStart(t, r)
		mustDrain(t, r)
		if len(seen) != 1 || seen[0] != 2 {
			t.Fatalf("handled %v, want [2]", seen)
		}
		if done := mustList(t, r, jobs.StateCompleted); len(done) != 1 || done[0].ID != js[0].ID {
			t.Fatalf("completed: %+v", done)
		}
	})
}

// A failing job is retried with backoff; one that fails its last attempt
// is dead, listed with every attempt's error; a job that recovers is
// completed.
func TestRetriesThenDead(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		r := jobs.New(db, testConfig(), quiet)
		var mu sync.Mutex
		attempts := map[int]int{}
		jobs.Handle(r, func(ctx context.Context, a pingArgs) error {
			mu.Lock()
			defer mu.Unlock()
			attempts[a.N]++
			if a.N == 1 || attempts[a.N] == 1 {
				return fmt.Errorf("attempt %d of %d fails", attempts[a.N], a.N)
			}
			return nil
		})
		mustEnqueue(t, db, pingArgs{N: 1})
		mustEnqueue(t, db, pingArgs{N: 2})
		mustEnqueue(t, db, pingArgs{N: 3}, job.MaxAttempts(1))
		mustStart(t, r)
		mustDrain(t, r)
		if attempts[1] != 3 || attempts[2] != 2 || attempts[3] != 1 {
			t.Fatalf("attempts %v, want 1:3 2:2 3:1", attempts)
		}
		dead, err := r.Dead(context.Background(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(dead) != 2 {
			t.Fatalf("dead: %+v", dead)
		}
		// Newest first: job 3 (one attempt), then job 1 (three).
		if !argsAre(dead[0], pingArgs{N: 3}) || len(dead[0].Errors) != 1 || dead[0].FinalizedAt == nil {
			t.Fatalf("dead[0]: %+v", dead[0])
		}
		want := []string{"attempt 1 of 1 fails", "attempt 2 of 1 fails", "attempt 3 of 1 fails"}
		if !argsAre(dead[1], pingArgs{N: 1}) || dead[1].Attempt != 3 || !reflect.DeepEqual(dead[1].Errors, want) {
			t.Fatalf("dead[1]: %+v", dead[1])
		}
		done := mustList(t, r, jobs.StateCompleted)
		if len(done) != 1 || !argsAre(done[0], pingArgs{N: 2}) || done[0].Attempt != 2 {
			t.Fatalf("completed: %+v", done)
		}
	})
}

// The backoff doubles from the base up to the maximum.
func TestRetryBackoff(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 5: 16 * time.Second, 7: 30 * time.Second, 80: 30 * time.Second} {
		got := jobs.Backoff(time.Second, 30*time.Second, attempt)
		if got != want {
			t.Errorf("attempt %d: %s, want %s", attempt, got, want)
		}
	}
}

// A periodic job runs on the leader when it starts, with the injected
// clock's time, and its name is unique.
func TestEvery(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		cfg := testConfig()
		cfg.Now = func() time.Time { return at }
		r := jobs.New(db, cfg, quiet)
		ran := make(chan time.Time, 1)
		r.Every("tick", time.Hour, func(ctx context.Context, now time.Time) error {
			select {
			case ran <- now:
			default:
			}
			return nil
		})
		mustStart(t, r)
		select {
		case now := <-ran:
			if !now.Equal(at) {
				t.Fatalf("periodic job saw %s, want the injected %s", now, at)
			}
		case <-time.After(time.Minute):
			t.Fatal("the periodic job did not run on start")
		}
		defer func() {
			if recover() == nil {
				t.Error("a second periodic job of the same name was accepted")
			}
		}()
		r.Every("tick", time.Minute, func(context.Context, time.Time) error { return nil })
	})
}

// Stop waits for a running job to finish; when its deadline passes first
// it cancels the job, which stays in the queue to be worked again.
func TestStop(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		r := jobs.New(db, testConfig(), quiet)
		started := make(chan int, 2)
		release := make(chan struct{})
		jobs.Handle(r, func(ctx context.Context, a pingArgs) error {
			started <- a.N
			if a.N == 1 {
				<-release
				return nil
			}
			<-ctx.Done() // job 2 never finishes by itself
			return ctx.Err()
		})
		mustEnqueue(t, db, pingArgs{N: 1})
		if err := r.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		<-started
		stopped := make(chan error, 1)
		go func() { stopped <- r.Stop(context.Background()) }()
		close(release)
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		if done := mustList(t, r, jobs.StateCompleted); len(done) != 1 {
			t.Fatalf("stop did not wait for the running job: completed %+v", done)
		}

		mustEnqueue(t, db, pingArgs{N: 2})
		if err := r.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		<-started
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := r.Stop(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("stop past its deadline: %v", err)
		}
		left, err := r.List(context.Background(), "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 2 || left[0].State == jobs.StateCompleted || left[0].State == jobs.StateDead {
			t.Fatalf("the cancelled job is not left to retry: %+v", left)
		}
	})
}

// UniqueByArgs skips a second job of the same kind and arguments while
// the first waits, but not once the first has finished.
func TestUniqueByArgs(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		r := jobs.New(db, testConfig(), quiet)
		var mu sync.Mutex
		runs := 0
		jobs.Handle(r, func(ctx context.Context, a pingArgs) error { mu.Lock(); runs++; mu.Unlock(); return nil })
		mustEnqueue(t, db, pingArgs{N: 7}, job.UniqueByArgs())
		mustEnqueue(t, db, pingArgs{N: 7}, job.UniqueByArgs())
		mustEnqueue(t, db, pingArgs{N: 8}, job.UniqueByArgs())
		if js := mustList(t, r, jobs.StateAvailable); len(js) != 2 {
			t.Fatalf("waiting: %+v, want one job per argument", js)
		}
		mustStart(t, r)
		mustDrain(t, r)
		mustEnqueue(t, db, pingArgs{N: 7}, job.UniqueByArgs())
		mustDrain(t, r)
		if runs != 3 {
			t.Fatalf("%d runs, want 3 (7, 8, and 7 again after the first finished)", runs)
		}
	})
}

// Delay and RunAt schedule a job for later: it is not due, so Drain does
// not wait for it and no handler runs it yet.
func TestScheduledLater(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		r := jobs.New(db, testConfig(), quiet)
		jobs.Handle(r, func(ctx context.Context, a pingArgs) error { return fmt.Errorf("job %d ran early", a.N) })
		mustEnqueue(t, db, pingArgs{N: 1}, job.Delay(time.Hour))
		mustEnqueue(t, db, pingArgs{N: 2}, job.RunAt(time.Now().Add(24*time.Hour)))
		mustStart(t, r)
		mustDrain(t, r)
		js := mustList(t, r, jobs.StateScheduled)
		if len(js) != 2 || js[0].Attempt != 0 || js[1].Attempt != 0 || !js[1].ScheduledAt.After(time.Now().Add(50*time.Minute)) {
			t.Fatalf("scheduled: %+v", js)
		}
	})
}
