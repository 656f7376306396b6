package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// childEnv makes the test binary run the real command instead of the
// tests, so that a test can SIGKILL a real changeboard process.
const childEnv = "CHANGEBOARD_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startServe starts `changeboard serve` as a process of its own with vars
// and waits until it is ready.
func startServe(t *testing.T, vars map[string]string, logPath string) *exec.Cmd {
	t.Helper()
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close() })
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	waitReady(t, "http://"+vars["CHANGEBOARD_ADDR"], exited)
	return cmd
}

// TestCrashBetweenReportAndRecompute kills the process (SIGKILL) after an
// inventory report has committed and before its compliance recompute ran,
// starts it again, and finds the CI's compliance recomputed: the job was
// stored with the report and a fresh process works it.
func TestCrashBetweenReportAndRecompute(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { crashAndRecover(t, d) })
	}
}

func crashAndRecover(t *testing.T, d config.Dialect) {
	logPath := filepath.Join(t.TempDir(), "serve.log")
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("serve log:\n%s", b)
		}
	}()
	vars := map[string]string{
		"CHANGEBOARD_ADDR":               freeAddr(t),
		"CHANGEBOARD_DATABASE_URL":       storetest.MustURL(t, d),
		"CHANGEBOARD_AUDIT_KEY_FILE":     filepath.Join(t.TempDir(), "audit-ed25519.key"),
		"CHANGEBOARD_ADMIN_PASSWORD":     "crash-test-admin-password",
		"CHANGEBOARD_JOBS_POLL_INTERVAL": "50ms",
		// The first process runs no jobs: it dies with the job still queued.
		"CHANGEBOARD_JOBS_WORKERS": "0",
	}
	base := "http://" + vars["CHANGEBOARD_ADDR"]
	first := startServe(t, vars, logPath)
	token := httpLogin(t, base, "admin", vars["CHANGEBOARD_ADMIN_PASSWORD"])
	var u, ci struct{ ID string }
	mustCall(t, "POST", base+"/api/v1/updates", token, map[string]any{"vendor_id": "DSA-5764-1", "title": "openssl security update",
		"severity": "high", "fixed_packages": []map[string]any{{"kind": "deb", "name": "openssl", "version": "3.0.14-1~deb12u1"}}}, http.StatusCreated, &u)
	mustCall(t, "POST", base+"/api/v1/updates/"+u.ID+"/transitions", token, map[string]any{"event": "approve"}, http.StatusOK, nil)
	mustCall(t, "POST", base+"/api/v1/cis", token, map[string]any{"name": "web-01", "type": "server", "criticality": "high", "os": "Debian"},
		http.StatusCreated, &ci)
	mustCall(t, "PUT", base+"/api/v1/cis/"+ci.ID+"/inventory", token, map[string]any{
		"reported_at": time.Now().UTC().Add(-time.Minute).Format(time.RFC3339),
		"packages":    []map[string]any{{"kind": "deb", "name": "openssl", "version": "3.0.11-1~deb12u2", "architecture": "amd64"}}},
		http.StatusOK, nil)
	if got := verdicts(t, base, token, ci.ID); len(got) != 0 {
		t.Fatalf("compliance before any job ran: %v", got)
	}

	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for range 400 { // the port is free once the process is gone
		if _, err := http.Get(base + "/healthz"); err != nil {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}

	delete(vars, "CHANGEBOARD_JOBS_WORKERS")
	second := startServe(t, vars, logPath)
	token = httpLogin(t, base, "admin", vars["CHANGEBOARD_ADMIN_PASSWORD"])
	var got []string
	for range 1200 { // a bounded wait: the job is due at once
		if got = verdicts(t, base, token, ci.ID); len(got) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(got) != 1 || got[0] != "DSA-5764-1=required" {
		t.Fatalf("compliance after the restart: %v, want [DSA-5764-1=required]", got)
	}
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
}

// verdicts lists a CI's compliance as update=status.
func verdicts(t *testing.T, base, token, ciID string) []string {
	t.Helper()
	var out struct {
		Items []struct {
			VendorID string `json:"vendor_id"`
			Status   string `json:"status"`
		} `json:"items"`
	}
	getJSON(t, base+"/api/v1/cis/"+ciID+"/compliance", token, &out)
	var got []string
	for _, v := range out.Items {
		got = append(got, v.VendorID+"="+v.Status)
	}
	return got
}

// mustCall sends body as JSON and decodes the answer into v (if not nil),
// failing the test unless the status is want.
func mustCall(t *testing.T, method, url, token string, body any, want int, v any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s", method, url, res.StatusCode, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(fmt.Errorf("%s %s: %w", method, url, err))
		}
	}
}
