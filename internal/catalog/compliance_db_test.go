package catalog_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/catalog"
)

// TestComplianceDpkg builds a CI from this machine's real dpkg status and
// checks verdicts against versions just above and below what is installed.
func TestComplianceDpkg(t *testing.T) {
	installed := readDpkgStatus(t, "/var/lib/dpkg/status")
	openssl, ok1 := find(installed, "openssl")
	bash, ok2 := find(installed, "bash")
	if !ok1 || !ok2 {
		t.Skip("openssl or bash is not installed here")
	}
	each(t, func(t *testing.T, e *env) {
		e.mustCI(t, "deb-01", "Debian", "12")
		e.mustCI(t, "deb-02", "Debian", "12")
		e.mustInventory(t, "deb-01", e.now.Add(-time.Hour), installed...)
		e.mustCreate(t, debUpdate("DSA-T-1", fixedDeb("openssl", openssl.version+"+sec1")))
		e.mustCreate(t, debUpdate("DSA-T-2", fixedDeb("bash", "1.0-1")))
		e.mustCreate(t, debUpdate("DSA-T-3", fixedDeb("no-such-package-here", "1.0-1")))
		got := e.verdicts(t, "deb-01")
		if v := got["DSA-T-1"]; v.Status != catalog.StatusRequired || !strings.Contains(v.Reason, openssl.version) {
			t.Errorf("openssl: %+v", v)
		}
		if v := got["DSA-T-2"]; v.Status != catalog.StatusInstalled || !strings.Contains(v.Reason, bash.version) {
			t.Errorf("bash: %+v", v)
		}
		if _, listed := got["DSA-T-3"]; listed || len(got) != 2 {
			t.Errorf("not applicable listed: %v", got)
		}
		sum := summaryOf(t, e)
		if s := sum["DSA-T-1"].Tally; s != tally(0, 1, 0, 1) {
			t.Errorf("DSA-T-1: %s", fmtTally(s))
		}
		if s := sum["DSA-T-3"].Tally; s != tally(0, 0, 1, 1) {
			t.Errorf("DSA-T-3: %s", fmtTally(s))
		}
		// The agent reports the upgrade: only that CI is recomputed.
		inv := slices.Clone(installed)
		for i := range inv {
			if inv[i].name == "openssl" {
				inv[i].version += "+sec1"
			}
		}
		e.mustInventory(t, "deb-01", e.now.Add(-time.Minute), inv...)
		if v := e.verdicts(t, "deb-01")["DSA-T-1"]; v.Status != catalog.StatusInstalled {
			t.Errorf("after the upgrade: %+v", v)
		}
		if s := summaryOf(t, e)["DSA-T-1"].Tally; s != tally(1, 0, 0, 1) {
			t.Errorf("after the upgrade: %s", fmtTally(s))
		}
	})
}
