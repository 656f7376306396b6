package catalog_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/catalog"
)

// pkg is one installed package of a test inventory.
type pkg struct{ kind, name, arch, version string }

func deb(name, version string) pkg { return pkg{"deb", name, "amd64", version} }
func kb(name string) pkg           { return pkg{"kb", name, "", ""} }

// mustCI inserts a CI the way the CMDB stores one.
func (e *env) mustCI(tb testing.TB, id, os, osVersion string) {
	tb.Helper()
	e.exec(tb, `INSERT INTO cis (id, name, type, criticality, os, os_version, state, created_at, updated_at)
		VALUES (?, ?, 'server', 'high', ?, ?, 'active', ?, ?)`, id, id, os, osVersion, e.now, e.now)
}

// mustInventory replaces a CI's inventory as an agent report would, then
// recomputes the CI as the job an inventory report enqueues does.
func (e *env) mustInventory(tb testing.TB, ciID string, at time.Time, pkgs ...pkg) {
	tb.Helper()
	e.exec(tb, "DELETE FROM ci_packages WHERE ci_id = ?", ciID)
	e.exec(tb, "DELETE FROM ci_inventories WHERE ci_id = ?", ciID)
	e.exec(tb, "INSERT INTO ci_inventories (ci_id, reported_at, received_at, package_count, version) VALUES (?, ?, ?, ?, 1)",
		ciID, at, e.now, len(pkgs))
	for _, p := range pkgs {
		e.exec(tb, "INSERT INTO ci_packages (ci_id, kind, name, architecture, version) VALUES (?, ?, ?, ?, ?)",
			ciID, p.kind, p.name, p.arch, p.version)
	}
	if err := e.svc.RecomputeCI(context.Background(), ciID); err != nil {
		tb.Fatalf("recompute %s: %v", ciID, err)
	}
}

// readDpkgStatus reads the installed packages of a dpkg status file
// (stanzas of "Field: value" lines), the way an agent on Debian would.
func readDpkgStatus(tb testing.TB, path string) []pkg {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Skipf("no dpkg status on this machine: %v", err)
	}
	var out []pkg
	for _, stanza := range bytes.Split(data, []byte("\n\n")) {
		fields := map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(stanza))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ": "); ok && !strings.HasPrefix(k, " ") {
				fields[k] = v
			}
		}
		if fields["Package"] != "" && strings.HasSuffix(fields["Status"], " installed") {
			out = append(out, pkg{"deb", fields["Package"], fields["Architecture"], fields["Version"]})
		}
	}
	if len(out) == 0 {
		tb.Skip("the dpkg status lists no installed package")
	}
	return out
}

func find(pkgs []pkg, name string) (pkg, bool) {
	for _, p := range pkgs {
		if p.name == name {
			return p, true
		}
	}
	return pkg{}, false
}

func (e *env) mustCreate(tb testing.TB, u catalog.Update) catalog.Update {
	tb.Helper()
	out, err := e.svc.CreateUpdate(context.Background(), editor, u)
	if err != nil {
		tb.Fatalf("create %s: %s", u.VendorID, catalog.Describe(err))
	}
	return out
}

func (e *env) verdicts(tb testing.TB, ciID string) map[string]catalog.ResultView {
	tb.Helper()
	page, err := e.svc.CICompliance(context.Background(), reader, ciID, catalog.ResultQuery{})
	if err != nil {
		tb.Fatalf("compliance of %s: %v", ciID, err)
	}
	out := map[string]catalog.ResultView{}
	for _, v := range page.Items {
		out[v.VendorID] = v
	}
	return out
}

func debUpdate(id string, pkgs ...catalog.FixedPackage) catalog.Update {
	return catalog.Update{VendorID: id, Title: "Debian update " + id, Severity: catalog.SeverityHigh, Packages: pkgs}
}

func fixedDeb(name, version string) catalog.FixedPackage {
	return catalog.FixedPackage{Kind: "deb", Name: name, Version: version}
}

func summaryOf(tb testing.TB, e *env) map[string]catalog.UpdateSummary {
	tb.Helper()
	s, err := e.svc.ComplianceSummary(context.Background(), reader)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]catalog.UpdateSummary{}
	for _, u := range s.ByUpdate {
		out[u.VendorID] = u
	}
	return out
}

func tally(i, r, n, u int) catalog.Tally {
	return catalog.Tally{Installed: i, Required: r, NotApplicable: n, Unknown: u}
}

func fmtTally(t catalog.Tally) string {
	return fmt.Sprintf("installed %d, required %d, n/a %d, unknown %d", t.Installed, t.Required, t.NotApplicable, t.Unknown)
}
