package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"time"
)

const agentRunUsage = `usage: changeboard agent run [flags]

Polls the server for the deployment work of this agent's CIs, runs each
command (an argument vector, never through a shell), reports the result,
then sends a fresh inventory of the CI so that compliance is measured
again.

flags:
  --server URL        the Changeboard server (or CHANGEBOARD_SERVER)
  --token T           the agent's API token (or CHANGEBOARD_AGENT_TOKEN)
  --once              poll once, do the work found, and exit
  --dry-run           report success without running the commands
  --interval D        time between polls (default 30s)
  --dpkg-status PATH  dpkg's status file for the inventory (default /var/lib/dpkg/status)
  --rpm auto|always|never  query rpm for the inventory
`

// agentRunOptions are the flags of agent run.
type agentRunOptions struct {
	agentOptions
	once, dryRun bool
	interval     time.Duration
}

// assignment is one item of GET /api/v1/agents/work.
type assignment struct {
	DeploymentID   string   `json:"deployment_id"`
	CIID           string   `json:"ci_id"`
	CIName         string   `json:"ci_name"`
	Mode           string   `json:"mode"`
	Argv           []string `json:"argv"`
	TimeoutSeconds int      `json:"timeout_seconds"`
	ReportPath     string   `json:"report_path"`
}

// maxOutput is what the agent keeps of a command's output: the server
// takes 64 KiB and keeps the last 4 KiB.
const maxOutput = 64 << 10

func agentRun(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agent run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, agentRunUsage) }
	var o agentRunOptions
	fs.StringVar(&o.server, "server", getenv("CHANGEBOARD_SERVER"), "the Changeboard server")
	fs.StringVar(&o.token, "token", getenv("CHANGEBOARD_AGENT_TOKEN"), "the API token")
	fs.StringVar(&o.dpkgStatus, "dpkg-status", "/var/lib/dpkg/status", "dpkg's status file")
	fs.StringVar(&o.rpm, "rpm", "auto", "query rpm: auto, always or never")
	fs.BoolVar(&o.once, "once", false, "poll once and exit")
	fs.BoolVar(&o.dryRun, "dry-run", false, "report success without running the commands")
	fs.DurationVar(&o.interval, "interval", 30*time.Second, "time between polls")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	switch {
	case o.server == "" || o.token == "":
		return fmt.Errorf("%w: --server and --token are required", errUsage)
	case o.rpm != "auto" && o.rpm != "always" && o.rpm != "never":
		return fmt.Errorf("%w: --rpm must be auto, always or never", errUsage)
	case o.interval <= 0:
		return fmt.Errorf("%w: --interval must be positive", errUsage)
	}
	for {
		if err := agentPoll(ctx, o, stdout, stderr); err != nil {
			if o.once {
				return err
			}
			fmt.Fprintln(stderr, "changeboard agent:", err)
		}
		if o.once {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.interval):
		}
	}
}

// agentPoll does the work found in one poll, then reports the inventory
// of each CI it worked on.
func agentPoll(ctx context.Context, o agentRunOptions, stdout, stderr io.Writer) error {
	var work struct{ Items []assignment }
	if err := agentCall(ctx, o.agentOptions, http.MethodGet, "/api/v1/agents/work", nil, &work); err != nil {
		return fmt.Errorf("fetch work: %w", err)
	}
	done := map[string]bool{}
	var errs []error
	for _, a := range work.Items {
		if err := agentDo(ctx, o, a, stdout); err != nil {
			errs = append(errs, fmt.Errorf("%s on %s: %w", a.Mode, a.CIName, err))
			continue
		}
		done[a.CIName] = true
	}
	for ci := range done {
		inv := o.agentOptions
		inv.ci = ci
		pkgs, err := readPackages(ctx, inv, stderr)
		if err == nil {
			err = sendInventory(ctx, inv, pkgs, time.Now().UTC(), stdout)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("inventory of %s: %w", ci, err))
		}
	}
	return errors.Join(errs...)
}

// agentDo reports the start, runs the command with its timeout and
// reports the result.
func agentDo(ctx context.Context, o agentRunOptions, a assignment, stdout io.Writer) error {
	if len(a.Argv) == 0 {
		return errors.New("the server sent no command")
	}
	started := time.Now().UTC()
	if err := agentReport(ctx, o, a, map[string]any{"status": "in_progress", "started_at": started.Format(time.RFC3339)}); err != nil {
		return err
	}
	status, exit, output := "succeeded", 0, ""
	if o.dryRun {
		output = "dry run: " + strings.Join(a.Argv, " ")
	} else {
		exit, output = runCommand(ctx, a.Argv, time.Duration(a.TimeoutSeconds)*time.Second)
		if exit != 0 {
			status = "failed"
		}
	}
	fmt.Fprintf(stdout, "%s %s on %s: %s (exit %d)\n", a.Mode, a.DeploymentID, a.CIName, status, exit)
	return agentReport(ctx, o, a, map[string]any{"status": status, "exit_code": exit, "output": output,
		"started_at": started.Format(time.RFC3339), "finished_at": time.Now().UTC().Format(time.RFC3339)})
}

// runCommand runs argv directly (no shell reads the server's strings),
// killed at the timeout; a command that cannot start exits 127.
func runCommand(ctx context.Context, argv []string, timeout time.Duration) (int, string) {
	if timeout <= 0 {
		timeout = 30 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out tailBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case ctx.Err() != nil:
		return 124, out.String() + "\n[agent] killed after " + timeout.String()
	case errors.As(err, &exitErr) && exitErr.ExitCode() > 0:
		return exitErr.ExitCode(), out.String()
	}
	return 127, out.String() + "\n[agent] " + err.Error()
}

// tailBuffer keeps the last maxOutput bytes written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > maxOutput {
		t.b = t.b[len(t.b)-maxOutput:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return strings.ToValidUTF8(string(t.b), "") }

// agentReport sends one report with a fresh id; a retried POST with the
// same id would count once.
func agentReport(ctx context.Context, o agentRunOptions, a assignment, body map[string]any) error {
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	body["report_id"] = hex.EncodeToString(id)
	return agentCall(ctx, o.agentOptions, http.MethodPost, a.ReportPath, body, nil)
}

// agentCall sends one JSON request and decodes the answer into out.
func agentCall(ctx context.Context, o agentOptions, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(o.server, "/")+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+o.token)
	res, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return problemError(res.StatusCode, raw)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}
