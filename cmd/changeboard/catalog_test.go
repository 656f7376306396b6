package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/config"
)

// csafCorpus is the repository's corpus of real advisories.
const csafCorpus = "../../testdata/csaf"

func copyCorpus(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(csafCorpus, n))
		if err != nil {
			t.Fatal(err)
		}
		if n == "va-24-201-01.json" {
			b = []byte(strings.Replace(string(b), "AdminerEvo", "AdminerEv0", 1)) // tampered
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCatalogImport(t *testing.T) {
	eachDialect(t, func(t *testing.T, d config.Dialect, vars map[string]string) {
		dir := t.TempDir()
		copyCorpus(t, dir, "rhsa-2022_0011.json", "bsi-2022-0001.json", "icsa-24-004-01.json", "icsa-24-004-01.json.sha512",
			"va-24-201-01.json", "va-24-201-01.json.sha512")
		r := runCmd(t, vars, "", "catalog", "import", dir)
		if r.err == nil || !strings.Contains(r.err.Error(), "1 of 4 documents refused") {
			t.Fatalf("err = %v; want one refusal", r.err)
		}
		if !strings.HasPrefix(r.stdout, "imported 3, updated 0, unchanged 0, refused 1\n") ||
			!strings.Contains(r.stdout, "va-24-201-01.json: invalid input; digest: document sha512 is") {
			t.Errorf("summary:\n%s", r.stdout)
		}
		if !strings.Contains(r.stderr, "[1/4] ") || !strings.Contains(r.stderr, "[4/4] ") || !strings.Contains(r.stderr, "imported RHSA-2022:0011") {
			t.Errorf("progress:\n%s", r.stderr)
		}
		again := runCmd(t, vars, "", "catalog", "import", filepath.Join(dir, "rhsa-2022_0011.json"), filepath.Join(dir, "bsi-2022-0001.json"))
		if again.err != nil || again.stdout != "imported 0, updated 0, unchanged 2, refused 0\n" {
			t.Errorf("re-import: %v\n%s", again.err, again.stdout)
		}
	})
	t.Run("ErrUsage", func(t *testing.T) {
		for _, args := range [][]string{{"catalog"}, {"catalog", "export", "x"}, {"catalog", "import"}} {
			if r := runCmd(t, nil, "", args...); !errors.Is(r.err, errUsage) || !strings.Contains(r.stderr, "catalog import [--actor USERNAME] FILE|DIR") {
				t.Errorf("%v: %v %q", args, r.err, r.stderr)
			}
		}
		if r := runCmd(t, nil, "", "catalog", "import", filepath.Join(t.TempDir(), "missing")); r.err == nil {
			t.Error("a missing path imported")
		}
	})
}

// An import from the command line names who ran it: the operating system's
// user as its source always, and the Changeboard user given by --actor,
// whose roles must allow it.
func TestCatalogImportActor(t *testing.T) {
	eachDialect(t, func(t *testing.T, d config.Dialect, vars map[string]string) {
		dir := t.TempDir()
		copyCorpus(t, dir, "rhsa-2022_0011.json", "bsi-2022-0001.json")
		pw := withVar(vars, "CHANGEBOARD_USER_PASSWORD", "carl-password-1")
		mustRun(t, pw, "user", "create", "--username", "carl", "--roles", "change_manager")
		mustRun(t, pw, "user", "create", "--username", "rita", "--roles", "requester")

		if r := runCmd(t, vars, "", "catalog", "import", "--actor", "nobody", dir); r.err == nil || !strings.Contains(r.err.Error(), `no user "nobody"`) {
			t.Fatalf("unknown actor: %v", r.err)
		}
		if r := runCmd(t, vars, "", "catalog", "import", "--actor", "rita", filepath.Join(dir, "rhsa-2022_0011.json")); r.err == nil || !strings.Contains(r.stdout, "needs one of the roles") {
			t.Fatalf("a requester imported: %v\n%s", r.err, r.stdout)
		}
		mustRun(t, vars, "catalog", "import", "--actor", "carl", filepath.Join(dir, "rhsa-2022_0011.json"))
		mustRun(t, vars, "catalog", "import", filepath.Join(dir, "bsi-2022-0001.json"))

		db := openStore(t, vars)
		var carl string
		if err := db.SQL().QueryRow("SELECT id FROM users WHERE username = 'carl'").Scan(&carl); err != nil {
			t.Fatal(err)
		}
		rows, err := db.SQL().Query("SELECT actor_id, outcome, source_ip, request_id FROM audit_events WHERE action LIKE 'update.import%' OR action LIKE 'update.create%' ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var actor, outcome, source, req string
			if err := rows.Scan(&actor, &outcome, &source, &req); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(source, "cli:") || !strings.Contains(source, "@") || !strings.HasPrefix(req, "cli-") {
				t.Errorf("event of %s: source %q, request %q; want cli:USER@HOST and a cli- request id", actor, source, req)
			}
			got = append(got, actor+":"+outcome)
		}
		if len(got) < 3 || !strings.HasSuffix(got[0], ":denied") || !slices.Contains(got, carl+":success") || !slices.Contains(got, "system:success") {
			t.Fatalf("import events: %v (carl is %s)", got, carl)
		}
	})
}
