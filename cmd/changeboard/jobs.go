package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/changeboard/changeboard/internal/jobs"
)

// jobsCmd lists the stored jobs, dead ones by default: what an operator
// looks at when work after commit fails.
func jobsCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "list" {
		return fmt.Errorf("%w: changeboard jobs list [--state STATE] [--limit N]", errUsage)
	}
	fs := flag.NewFlagSet("jobs list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	state := fs.String("state", jobs.StateDead, "one of "+strings.Join(jobs.States, ", ")+", or empty for all")
	limit := fs.Int("limit", 50, fmt.Sprintf("at most this many, newest first (1 to %d)", jobs.MaxListSize))
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	db, _, err := openDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := jobs.New(db, jobs.Config{}, slog.New(slog.DiscardHandler)).List(ctx, *state, *limit)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tKIND\tSTATE\tATTEMPTS\tCREATED\tARGS\tLAST ERROR")
	for _, j := range list {
		last := ""
		if len(j.Errors) > 0 {
			last = j.Errors[len(j.Errors)-1]
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%d/%d\t%s\t%s\t%s\n", j.ID, j.Kind, j.State, j.Attempt, j.MaxAttempts,
			j.CreatedAt.UTC().Format(time.RFC3339), oneLine(string(j.Args)), oneLine(last))
	}
	return w.Flush()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
