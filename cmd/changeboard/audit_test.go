package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/config"
)

// TestAuditExportOffline exports from the command line, then checks the
// export with nothing but the public key, before and after one byte of it
// is changed.
func TestAuditExportOffline(t *testing.T) {
	eachDialect(t, func(t *testing.T, d config.Dialect, vars map[string]string) {
		vars = withVar(vars, "CHANGEBOARD_USER_PASSWORD", "user-password-1")
		for _, name := range []string{"ann", "ben"} {
			mustRun(t, vars, "user", "create", "--username", name, "--roles", "requester")
		}
		mustRun(t, vars, "audit", "checkpoint")
		dir := t.TempDir()
		pub := filepath.Join(dir, "audit.pub")
		if err := os.WriteFile(pub, []byte(mustRun(t, vars, "audit", "public-key")), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"csv", "ndjson"} {
			out := filepath.Join(dir, "trail."+format)
			r := runCmd(t, vars, "", "audit", "export", "--format", format, "--out", out)
			if r.err != nil || !strings.Contains(r.stderr, "exported 2 events") {
				t.Fatalf("export: %v %s", r.err, r.stderr)
			}
			if got := mustRun(t, nil, "audit", "verify-export", out, "--public-key", pub); !strings.HasPrefix(got, `{"ok":true,"rows":2`) {
				t.Fatalf("verify-export: %s", got)
			}
			b, _ := os.ReadFile(out)
			b[len(b)/4] ^= 0x01
			if err := os.WriteFile(out, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if r := runCmd(t, nil, "", "audit", "verify-export", "--public-key", pub, out); r.err == nil {
				t.Fatalf("a changed byte verified: %s", r.stdout)
			}
		}
		if r := runCmd(t, nil, "", "audit", "verify-export", filepath.Join(dir, "trail.csv")); r.err == nil || !strings.Contains(r.err.Error(), "--public-key") {
			t.Fatalf("without a key: %v", r.err)
		}
	})
}

// TestAuditVerifyEvidenceOffline checks a pack written by the service
// with nothing but the public key.
func TestAuditVerifyEvidenceOffline(t *testing.T) {
	dir := t.TempDir()
	pub := filepath.Join(dir, "audit.pub")
	if r := runCmd(t, nil, "", "audit", "verify-evidence", "--public-key", pub, filepath.Join(dir, "none.zip")); r.err == nil {
		t.Fatal("a missing key verified")
	}
	keys, err := audit.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, keys.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	pack := filepath.Join(dir, "pack.zip")
	if err := os.WriteFile(pack, []byte("PK not a zip"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, nil, "", "audit", "verify-evidence", pack, "--public-key", pub)
	if r.err == nil || !strings.Contains(r.stdout, `"ok":false`) {
		t.Fatalf("a broken pack: %v %s", r.err, r.stdout)
	}
}
