package httpapi_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
)

// TestReadmePatchCycle runs the README's patch-cycle tour, the shell block
// after <!-- tour:patch-cycle -->, with bash, curl and jq against the real
// service, and checks what it prints: the README's commands are the test.
func TestReadmePatchCycle(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed for the README tour test (.ci/run installs it): %v", tool, err)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := bytes.Cut(readme, []byte("<!-- tour:patch-cycle -->\n```sh\n"))
	script, _, closed := bytes.Cut(rest, []byte("\n```"))
	if !ok || !closed {
		t.Fatal("README.md has no ```sh block after <!-- tour:patch-cycle -->")
	}
	root, _ := filepath.Abs("../..")
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", string(script))
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "B="+s.URL, "TOKEN="+s.Admin)
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("the tour failed: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), stderr.String())
		}
		got := out.String()
		for _, want := range []string{
			"web-01\n", `{"ci_id":`, "imported\n", "approved\n", `{"vendor_id":"RHSA-2022:0011","status":"required"}`,
			"RFC-1001\n", "submitted\n", "classified\n", "CAB\n", "awaiting_approval\n", "approve\n",
			"rfc.create success\n", "rfc.request_approval success\n", "rfc.approve success\n", "true\n",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("the tour's output lacks %q:\n%s", want, got)
			}
		}
	})
}
