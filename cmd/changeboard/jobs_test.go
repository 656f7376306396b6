package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/job"
	"github.com/changeboard/changeboard/internal/jobs"
	"github.com/changeboard/changeboard/internal/store"
)

// A job that failed its last attempt is listed by `jobs list` (dead by
// default) with its kind, attempts and last error.
func TestJobsList(t *testing.T) {
	eachDialect(t, func(t *testing.T, d config.Dialect, vars map[string]string) {
		mustRun(t, vars, "migrate", "up")
		db := openStore(t, vars)
		ctx := context.Background()
		for _, ci := range []string{"ci-dead", "ci-ok"} {
			if err := db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
				return tx.Enqueue(ctx, cmdb.InventoryReported{CIID: ci}, job.MaxAttempts(1))
			}); err != nil {
				t.Fatal(err)
			}
		}
		r := jobs.New(db, jobs.Config{Workers: 1, PollInterval: 20 * time.Millisecond}, slog.New(slog.DiscardHandler))
		jobs.Handle(r, func(ctx context.Context, a cmdb.InventoryReported) error {
			if a.CIID == "ci-dead" {
				return errors.New("recompute failed:\n  no such CI")
			}
			return nil
		})
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		dctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := r.Drain(dctx); err != nil {
			t.Fatal(err)
		}
		if err := r.Stop(ctx); err != nil {
			t.Fatal(err)
		}

		out := mustRun(t, vars, "jobs", "list")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "ID ") {
			t.Fatalf("jobs list:\n%s", out)
		}
		for _, want := range []string{"cmdb.inventory_reported", " dead ", " 1/1 ", "ci-dead", "recompute failed: no such CI"} {
			if !strings.Contains(lines[1], want) {
				t.Errorf("the dead job's line lacks %q:\n%s", want, out)
			}
		}
		if out := mustRun(t, vars, "jobs", "list", "--state", "completed"); !strings.Contains(out, "ci-ok") || strings.Contains(out, "ci-dead") {
			t.Errorf("completed jobs:\n%s", out)
		}
		if r := runCmd(t, vars, "", "jobs", "list", "--state", "lost"); r.err == nil || !strings.Contains(r.err.Error(), `state "lost"`) {
			t.Errorf("an unknown state: %v", r.err)
		}
		if r := runCmd(t, vars, "", "jobs", "list", "--limit", "0"); r.err == nil || !strings.Contains(r.err.Error(), "limit") {
			t.Errorf("limit 0: %v", r.err)
		}
	})
}
