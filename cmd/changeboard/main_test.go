package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
	"github.com/changeboard/changeboard/migrations"
)

// env returns a getenv over vars; anything else reads as unset, so the
// tests never see the machine's CHANGEBOARD_* variables.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// syncBuffer is a bytes.Buffer that serve's goroutines and the test can
// share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// result is what one run of the program did.
type result struct {
	err            error
	stdout, stderr string
}

// runCmd runs the program once with vars as its environment.
func runCmd(t *testing.T, vars map[string]string, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr syncBuffer
	err := run(context.Background(), args, env(vars), strings.NewReader(stdin), &stdout, &stderr)
	return result{err: err, stdout: stdout.String(), stderr: stderr.String()}
}

// mustRun runs the program and fails the test if it returns an error.
func mustRun(t *testing.T, vars map[string]string, args ...string) string {
	t.Helper()
	r := runCmd(t, vars, "", args...)
	if r.err != nil {
		t.Fatalf("changeboard %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r.stdout
}

func TestVersion(t *testing.T) {
	r := runCmd(t, nil, "", "version")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if want := "changeboard " + version + "\n"; r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
}

func TestUsage(t *testing.T) {
	t.Run("ErrUnknownCommand", func(t *testing.T) {
		r := runCmd(t, nil, "", "frobnicate")
		if !errors.Is(r.err, errUsage) {
			t.Fatalf("err = %v, want errUsage", r.err)
		}
		if !strings.Contains(r.stderr, `unknown command "frobnicate"`) || !strings.Contains(r.stderr, "usage: changeboard") {
			t.Errorf("stderr does not name the command and show the usage:\n%s", r.stderr)
		}
	})
	t.Run("ErrNoCommand", func(t *testing.T) {
		r := runCmd(t, nil, "")
		if !errors.Is(r.err, errUsage) || !strings.Contains(r.stderr, "usage: changeboard") {
			t.Fatalf("err = %v, stderr = %q; want errUsage and the usage", r.err, r.stderr)
		}
	})
	t.Run("Help", func(t *testing.T) {
		r := runCmd(t, nil, "", "help")
		if r.err != nil || !strings.Contains(r.stdout, "migrate up|status") {
			t.Fatalf("err = %v, stdout = %q; want the usage on stdout", r.err, r.stdout)
		}
	})
	for _, args := range [][]string{{"migrate"}, {"migrate", "down"}, {"user"}, {"user", "delete"}, {"audit"}, {"audit", "nonsense"}, {"audit", "verify-export"}} {
		t.Run("Err_"+strings.Join(args, "_"), func(t *testing.T) {
			r := runCmd(t, nil, "", args...)
			if !errors.Is(r.err, errUsage) {
				t.Fatalf("err = %v, want errUsage", r.err)
			}
		})
	}
}

func TestBadConfiguration(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "never.db")
	for _, tc := range []struct {
		name, variable, value string
	}{
		{"ErrAddr", "CHANGEBOARD_ADDR", "nonsense"},
		{"ErrTokenTTLTooLong", "CHANGEBOARD_TOKEN_TTL", "1h"},
		{"ErrTokenTTLNotADuration", "CHANGEBOARD_TOKEN_TTL", "soon"},
		{"ErrDatabaseURL", "CHANGEBOARD_DATABASE_URL", "mysql://x"},
		{"ErrSigningKeyShort", "CHANGEBOARD_SIGNING_KEY", "short"},
		{"ErrAdminPasswordShort", "CHANGEBOARD_ADMIN_PASSWORD", "short"},
		{"ErrLogLevel", "CHANGEBOARD_LOG_LEVEL", "loud"},
		{"ErrPublicMetrics", "CHANGEBOARD_PUBLIC_METRICS", "sometimes"},
		{"ErrSealInterval", "CHANGEBOARD_AUDIT_SEAL_INTERVAL", "1ms"},
		{"ErrSecretFileMissing", "CHANGEBOARD_ADMIN_PASSWORD_FILE", filepath.Join(t.TempDir(), "missing")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"CHANGEBOARD_DATABASE_URL": db, tc.variable: tc.value}
			for _, args := range [][]string{{"serve"}, {"migrate", "status"}} {
				r := runCmd(t, vars, "", args...)
				if r.err == nil {
					t.Fatalf("%v with %s=%q: no error", args, tc.variable, tc.value)
				}
				if !strings.Contains(r.err.Error(), tc.variable) {
					t.Errorf("%v: error %q does not name %s", args, r.err, tc.variable)
				}
			}
		})
	}
	if _, err := os.Stat(strings.TrimPrefix(db, "sqlite:")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a bad configuration still created the database file (stat: %v)", err)
	}
}

// migrationCount is how many migrations the binary embeds for d.
func migrationCount(t *testing.T, d config.Dialect) int {
	t.Helper()
	files, err := fs.Glob(migrations.FS, string(d)+"/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded migrations for %s: %v", d, err)
	}
	return len(files)
}

// eachDialect runs fn once per database under test with the URL of a
// fresh, empty database.
func eachDialect(t *testing.T, fn func(t *testing.T, d config.Dialect, vars map[string]string)) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			fn(t, d, map[string]string{"CHANGEBOARD_DATABASE_URL": storetest.MustURL(t, d),
				"CHANGEBOARD_AUDIT_KEY_FILE": filepath.Join(t.TempDir(), "audit-ed25519.key")})
		})
	}
}

func TestMigrate(t *testing.T) {
	eachDialect(t, func(t *testing.T, d config.Dialect, vars map[string]string) {
		n := migrationCount(t, d)
		before := mustRun(t, vars, "migrate", "status")
		if got := strings.Count(before, " pending "); got != n {
			t.Errorf("status on an empty database: %d pending, want %d:\n%s", got, n, before)
		}
		up := mustRun(t, vars, "migrate", "up")
		if got := strings.Count(up, "applied 0"); got != n {
			t.Errorf("migrate up applied %d, want %d:\n%s", got, n, up)
		}
		// River's own migrator runs after ours (docs/jobs.md).
		if !strings.Contains(up, "applied river/001_create_river_migration\n") {
			t.Errorf("migrate up did not apply River's migrations:\n%s", up)
		}
		if again := mustRun(t, vars, "migrate", "up"); again != "up to date\n" {
			t.Errorf("second migrate up = %q, want %q", again, "up to date\n")
		}
		after := mustRun(t, vars, "migrate", "status")
		if got := strings.Count(after, " applied "); got != n || strings.Contains(after, "pending") {
			t.Errorf("status after up: %d applied, want %d and none pending:\n%s", got, n, after)
		}
		if !strings.Contains(after, "00001  applied  00001_foundation.sql") {
			t.Errorf("status does not list the foundation migration as applied:\n%s", after)
		}
	})
}

// openStore opens the database the CLI used, for checking what it wrote.
func openStore(t *testing.T, vars map[string]string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), vars["CHANGEBOARD_DATABASE_URL"], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// login checks username's password against the database in vars.
func login(t *testing.T, vars map[string]string, username, password string) error {
	t.Helper()
	db := openStore(t, vars)
	key := bytes.Repeat([]byte("k"), 32)
	svc := auth.NewService(store.Runner[auth.Tx]{DB: db}, audit.NewService(db, db.Now),
		auth.NewSigner(key, "changeboard", "changeboard-api"), db.Now, auth.Options{})
	_, err := svc.Login(context.Background(), username, password)
	return err
}

func TestUserCreate(t *testing.T) {
	eachDialect(t, func(t *testing.T, d config.Dialect, vars map[string]string) {
		t.Run("OKPasswordFromEnvironment", func(t *testing.T) {
			vars := withVar(vars, "CHANGEBOARD_USER_PASSWORD", "alice-password-1")
			out := mustRun(t, vars, "user", "create", "--username", "alice", "--roles", "requester, auditor", "--email", "alice@example.com")
			if !strings.HasPrefix(out, "created user alice (") || !strings.Contains(out, "auditor") || !strings.Contains(out, "requester") {
				t.Errorf("stdout = %q", out)
			}
			if err := login(t, vars, "alice", "alice-password-1"); err != nil {
				t.Errorf("alice cannot log in with her password: %v", err)
			}
			var email, roles string
			if err := openStore(t, vars).SQL().QueryRow("SELECT email, roles FROM users WHERE username = 'alice'").Scan(&email, &roles); err != nil {
				t.Fatal(err)
			}
			if email != "alice@example.com" || !strings.Contains(roles, "requester") || !strings.Contains(roles, "auditor") {
				t.Errorf("stored email %q, roles %q", email, roles)
			}
		})
		t.Run("OKPasswordFromStdin", func(t *testing.T) {
			r := runCmd(t, vars, "bob-password-from-stdin\n", "user", "create", "--username", "bob", "--roles", "cab_member")
			if r.err != nil {
				t.Fatal(r.err)
			}
			if err := login(t, vars, "bob", "bob-password-from-stdin"); err != nil {
				t.Errorf("bob cannot log in with the password read from stdin: %v", err)
			}
		})
		t.Run("ErrDuplicate", func(t *testing.T) {
			r := runCmd(t, withVar(vars, "CHANGEBOARD_USER_PASSWORD", "alice-password-2"), "", "user", "create", "--username", "alice", "--roles", "requester")
			if r.err == nil {
				t.Fatal("a second alice was created")
			}
			if err := login(t, vars, "alice", "alice-password-2"); err == nil {
				t.Error("the refused duplicate changed alice's password")
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			for _, tc := range []struct {
				name, password string
				args           []string
			}{
				{"unknown role", "carol-password-1", []string{"--username", "carol", "--roles", "overlord"}},
				{"no username", "carol-password-1", []string{"--roles", "requester"}},
				{"unknown flag", "carol-password-1", []string{"--username", "carol", "--roles", "requester", "--shoe-size", "44"}},
				{"short password", "short", []string{"--username", "carol", "--roles", "requester"}},
			} {
				r := runCmd(t, withVar(vars, "CHANGEBOARD_USER_PASSWORD", tc.password), "", append([]string{"user", "create"}, tc.args...)...)
				if r.err == nil {
					t.Errorf("%s: no error", tc.name)
				}
				if tc.name == "unknown flag" && !strings.Contains(r.stderr, "-shoe-size") {
					t.Errorf("the flag error is not on run's stderr: %q", r.stderr)
				}
			}
			var n int
			if err := openStore(t, vars).SQL().QueryRow("SELECT COUNT(*) FROM users WHERE username = 'carol'").Scan(&n); err != nil || n != 0 {
				t.Errorf("carol rows = %d (err %v), want 0", n, err)
			}
		})
	})
}

func withVar(vars map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, val := range vars {
		if key != k {
			out[key] = val
		}
	}
	return out
}

// verifyOutput runs audit verify and decodes its report.
func verifyOutput(t *testing.T, vars map[string]string) (audit.Report, error) {
	t.Helper()
	r := runCmd(t, vars, "", "audit", "verify")
	var rep audit.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("audit verify printed %q (err %v): %v", r.stdout, r.err, err)
	}
	return rep, r.err
}

func TestAuditVerify(t *testing.T) {
	eachDialect(t, func(t *testing.T, d config.Dialect, vars map[string]string) {
		vars = withVar(vars, "CHANGEBOARD_USER_PASSWORD", "user-password-1")
		for _, name := range []string{"ann", "ben", "cat"} {
			mustRun(t, vars, "user", "create", "--username", name, "--roles", "requester")
		}
		// Verify checks first, then seals what waits, and says so.
		rep, err := verifyOutput(t, vars)
		if err != nil || !rep.OK {
			t.Fatalf("untouched trail: report %+v, err %v", rep, err)
		}
		if rep.Checked != 0 || rep.Unsealed != 3 || rep.Sealed != 3 {
			t.Errorf("report %+v: want 3 unsealed events checked, then sealed", rep)
		}
		rep, err = verifyOutput(t, vars)
		if err != nil || !rep.OK || rep.Checked != 3 || rep.Unsealed != 0 || rep.Sealed != 0 || rep.HeadHash == "" || !rep.MACsChecked {
			t.Errorf("report %+v (err %v): want 3 links checked with their MACs, and a head hash", rep, err)
		}
		if raw := mustRun(t, vars, "audit", "verify"); !strings.HasPrefix(raw, `{"ok":true,"checked":3,`) {
			t.Errorf("stdout = %q", raw)
		}

		tamper(t, d, vars, "UPDATE audit_events SET reason = 'nothing to see' WHERE id = (SELECT event_id FROM audit_seals WHERE seq = 2)")
		rep, err = verifyOutput(t, vars)
		if err == nil {
			t.Fatal("audit verify returned nil on a tampered trail")
		}
		if rep.OK || rep.FirstBroken != 2 || !strings.Contains(rep.Reason, "altered") {
			t.Errorf("report %+v: want not ok, first_broken 2, reason naming the alteration", rep)
		}
		if !strings.Contains(err.Error(), "sequence 2") {
			t.Errorf("error %q does not name the broken sequence", err)
		}
	})
}

// tamper runs stmt behind the application's back, with the append-only
// triggers out of the way.
func tamper(t *testing.T, d config.Dialect, vars map[string]string, stmt string) {
	t.Helper()
	db := openStore(t, vars).SQL()
	disable := "DROP TRIGGER audit_events_no_update"
	if d == config.Postgres {
		disable = "ALTER TABLE audit_events DISABLE TRIGGER USER"
	}
	for _, s := range []string{disable, stmt} {
		res, err := db.Exec(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if s == stmt {
			if n, _ := res.RowsAffected(); n != 1 {
				t.Fatalf("%s changed %d rows, want 1", s, n)
			}
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultDatabaseIsSQLiteInData(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	mustRun(t, map[string]string{}, "migrate", "up")
	info, err := os.Stat(filepath.Join(dir, "data", "changeboard.db"))
	if err != nil {
		t.Fatalf("the default database was not created: %v", err)
	}
	if info.Size() == 0 {
		t.Error("data/changeboard.db is empty")
	}
	if out := mustRun(t, map[string]string{}, "migrate", "status"); strings.Contains(out, "pending") {
		t.Errorf("status on the default database after up:\n%s", out)
	}
}
