package catalog_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/errs"
)

func TestImportCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil || len(files) < 10 {
		t.Fatalf("corpus: %v (%d files)", err, len(files))
	}
	each(t, func(t *testing.T, e *env) {
		for _, f := range files {
			if res := e.mustImport(t, filepath.Base(f)); res.Outcome != catalog.OutcomeImported {
				t.Errorf("%s: %s", f, res.Outcome)
			}
		}
		if n := e.count(t, "updates"); n != len(files) {
			t.Fatalf("%d updates for %d documents", n, len(files))
		}
		t.Run("RHSA-2022:0011", func(t *testing.T) { checkRHSA(t, e) })
		t.Run("BSI-2022-0001", func(t *testing.T) { checkBSI(t, e) })
		t.Run("VA-24-201-01", func(t *testing.T) { checkVA(t, e) })
		t.Run("cisco-sa-20180328-smi2", func(t *testing.T) {
			u := e.get(t, "cisco-sa-20180328-smi2")
			if u.Severity != catalog.SeverityCritical || len(u.Products) != 259 || !slices.Equal(u.CVEs(), []string{"CVE-2018-0171"}) ||
				u.Document.Version != "3.0.0" || len(u.Document.Revisions) != 7 || u.Products[0].Statuses[0] != "affected" {
				t.Errorf("cisco: %s %d products %v %+v", u.Severity, len(u.Products), u.CVEs(), u.Products[0])
			}
		})
		t.Run("VEXNotAffected", func(t *testing.T) {
			u := e.get(t, "2022-EVD-UC-01-NA-001")
			if len(u.Products) != 1 || !slices.Equal(u.Products[0].Statuses, []string{"not_affected"}) || u.Severity != catalog.SeverityUnknown {
				t.Errorf("VEX: %+v %s", u.Products, u.Severity)
			}
		})
		t.Run("Filters", func(t *testing.T) { checkFilters(t, e) })
	})
}

func (e *env) get(tb testing.TB, id string) catalog.Update {
	tb.Helper()
	u, err := e.svc.GetUpdate(context.Background(), reader, id)
	if err != nil {
		tb.Fatalf("get %s: %v", id, err)
	}
	return u
}

func checkRHSA(t *testing.T, e *env) {
	u := e.get(t, "RHSA-2022:0011")
	if u.Title != "Red Hat Security Advisory: telnet security update" || u.Severity != catalog.SeverityHigh ||
		u.SeverityText != "Important" || u.Publisher != "Red Hat Product Security" || u.State != catalog.StateNew ||
		!slices.Equal(u.CVEs(), []string{"CVE-2020-10188"}) || u.Source != catalog.SourceCSAF {
		t.Errorf("identity: %q %s %q %q %s %v", u.Title, u.Severity, u.SeverityText, u.Publisher, u.State, u.CVEs())
	}
	if len(u.Products) != 25 || len(u.Packages) != 15 {
		t.Fatalf("%d products, %d fixed packages; want 25 and 15", len(u.Products), len(u.Packages))
	}
	want := catalog.FixedPackage{Kind: "rpm", Name: "telnet", Architecture: "x86_64", Version: "1:0.17-65.el7_6",
		Platform: "7Server-7.6.AUS", PlatformCPE: "cpe:/o:redhat:rhel_aus:7.6::server",
		ProductID: "7Server-7.6.AUS:telnet-1:0.17-65.el7_6.x86_64", CVEs: []string{"CVE-2020-10188"}}
	if !slices.ContainsFunc(u.Packages, func(p catalog.FixedPackage) bool {
		return p.ProductID == want.ProductID && p.Version == want.Version && p.Platform == want.Platform &&
			p.PlatformCPE == want.PlatformCPE && p.Kind == want.Kind && p.Architecture == want.Architecture
	}) {
		t.Errorf("no %+v in %+v", want, u.Packages)
	}
	if v := u.Vulnerabilities[0]; v.CVSS != nil || v.CWE != "CWE-119" || len(v.ProductStatus["fixed"]) != 15 {
		t.Errorf("vulnerability (Red Hat gives no score here) = %+v", v)
	}
}

func checkBSI(t *testing.T, e *env) {
	u := e.get(t, "BSI-2022-0001")
	if u.Severity != catalog.SeverityMedium || u.SeverityText != "Moderate" || !slices.Equal(u.CVEs(), []string{"CVE-2022-27193"}) {
		t.Errorf("BSI: %s %q %v", u.Severity, u.SeverityText, u.CVEs())
	}
	byID := map[string]catalog.Product{}
	for _, p := range u.Products {
		byID[p.ID] = p
	}
	if p := byID["CSAFPID-0001"]; p.CPE != "cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0-alpha" || !slices.Equal(p.Statuses, []string{"affected"}) {
		t.Errorf("CSAFPID-0001: %+v", p)
	}
	if p := byID["CSAFPID-0006"]; !slices.Equal(p.Statuses, []string{"fixed"}) {
		t.Errorf("CSAFPID-0006: %+v", p)
	}
	ps := u.Vulnerabilities[0].ProductStatus
	if !slices.Equal(ps["first_fixed"], []string{"CSAFPID-0006"}) || len(ps["known_affected"]) != 5 {
		t.Errorf("product status: %v", ps)
	}
	if len(u.Remediations) != 1 || u.Remediations[0].Category != "vendor_fix" || len(u.Remediations[0].ProductIDs) != 5 {
		t.Errorf("remediations: %+v", u.Remediations)
	}
}

func checkVA(t *testing.T, e *env) {
	u := e.get(t, "VA-24-201-01")
	if u.Document.Version != "1.0.1" || u.Document.DigestVerified != "sha512" || u.Document.Category != "csaf_vex" ||
		u.Severity != catalog.SeverityCritical || len(u.Document.Revisions) != 2 {
		t.Errorf("document: %+v, severity %s", u.Document, u.Severity)
	}
	if !slices.Equal(u.CVEs(), []string{"CVE-2023-45195", "CVE-2023-45196", "CVE-2023-45197"}) {
		t.Errorf("CVEs = %v", u.CVEs())
	}
	if v := u.Vulnerabilities[2]; v.CVSS == nil || v.CVSS.Score != 9 || !slices.Equal(v.ProductStatus["fixed"], []string{"CSAFPID-0007"}) {
		t.Errorf("CVE-2023-45197: %+v", v)
	}
	cats := []string{}
	for _, r := range u.Remediations {
		cats = append(cats, r.Category)
	}
	if !slices.Contains(cats, "none_available") || !slices.Contains(cats, "vendor_fix") {
		t.Errorf("remediations: %v", cats)
	}
}

func checkFilters(t *testing.T, e *env) {
	ids := func(f catalog.UpdateFilter) []string {
		f.Limit = 100
		list, err := e.svc.ListUpdates(context.Background(), reader, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range list.Items {
			out = append(out, u.VendorID)
		}
		return out
	}
	if got := ids(catalog.UpdateFilter{CVE: "cve-2021-44228"}); len(got) != 2 {
		t.Errorf("cve filter: %v", got)
	}
	if got := ids(catalog.UpdateFilter{Product: "TELNET"}); !slices.Equal(got, []string{"RHSA-2022:0011"}) {
		t.Errorf("product filter (package name): %v", got)
	}
	if got := ids(catalog.UpdateFilter{Product: "cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0-alpha"}); !slices.Equal(got, []string{"BSI-2022-0001"}) {
		t.Errorf("product filter (CPE): %v", got)
	}
	if got := ids(catalog.UpdateFilter{Severity: catalog.SeverityCritical}); len(got) != 4 {
		t.Errorf("severity filter: %v", got)
	}
	if got := ids(catalog.UpdateFilter{Query: "adminer"}); !slices.Equal(got, []string{"VA-24-201-01"}) {
		t.Errorf("q: %v", got)
	}
	all := ids(catalog.UpdateFilter{})
	var paged []string
	f := catalog.UpdateFilter{Limit: 3}
	for {
		list, err := e.svc.ListUpdates(context.Background(), reader, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range list.Items {
			paged = append(paged, u.VendorID)
		}
		if list.NextCursor == "" {
			break
		}
		if len(list.Items) != 3 {
			t.Fatalf("a page before the last holds %d updates, want 3", len(list.Items))
		}
		f.After = catalog.DecodeUpdateCursor(list.NextCursor)
	}
	if !slices.Equal(all, paged) || len(all) != e.count(t, "updates") {
		t.Errorf("keyset pages %v != %v", paged, all)
	}
}

// tamper writes a copy of a corpus file, changed by edit, into dir.
func tamper(tb testing.TB, dir, name string, edit func(doc map[string]any)) []byte {
	tb.Helper()
	var doc map[string]any
	if err := json.Unmarshal(mustRead(tb, name), &doc); err != nil {
		tb.Fatal(err)
	}
	edit(doc)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), out, 0o600); err != nil {
		tb.Fatal(err)
	}
	return out
}

func obj(v any, keys ...string) map[string]any {
	m := v.(map[string]any)
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func TestImportDigest(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		hash := mustRead(t, "va-24-201-01.json.sha512")
		doc := tamper(t, t.TempDir(), "va-24-201-01.json", func(d map[string]any) {
			obj(d, "document")["title"] = "Adminer and AdminerEvo: nothing to see here"
		})
		_, err := e.svc.Import(context.Background(), editor, catalog.ImportInput{Document: doc, Name: "va-24-201-01.json", HashFile: hash})
		wantField(t, err, "digest")
		if n := e.count(t, "updates") + e.count(t, "update_cves") + e.count(t, "update_products"); n != 0 {
			t.Fatalf("a refused document wrote %d rows", n)
		}
		events := e.auditEvents(t, "update.import")
		if len(events) != 1 || events[0].Outcome != audit.Failure || !strings.Contains(events[0].Reason, "digest") {
			t.Fatalf("refusal not audited: %+v", events)
		}
		t.Run("ErrHashOfAnotherFile", func(t *testing.T) {
			_, err := e.svc.Import(context.Background(), editor, catalog.ImportInput{
				Document: mustRead(t, "va-24-201-01.json"), Name: "va-24-201-01.json", HashFile: mustRead(t, "icsa-24-004-01.json.sha512")})
			wantField(t, err, "digest")
		})
		t.Run("OKGenuine", func(t *testing.T) {
			if res := e.mustImport(t, "va-24-201-01.json"); res.Update.Document.DigestVerified != "sha512" {
				t.Fatalf("digest not recorded: %+v", res.Update.Document)
			}
			if res := e.mustImport(t, "icsa-24-004-01.json"); res.Update.Document.DigestVerified != "sha512" {
				t.Fatalf("digest not recorded: %+v", res.Update.Document)
			}
		})
	})
}

func TestImportStructure(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		doc := tamper(t, t.TempDir(), "rhsa-2022_0011.json", func(d map[string]any) {
			delete(obj(d, "document", "tracking"), "id")
		})
		_, err := e.svc.Import(context.Background(), editor, catalog.ImportInput{Document: doc})
		wantField(t, err, "/document/tracking/id")
		_, err = e.svc.Import(context.Background(), editor, catalog.ImportInput{Document: []byte(`{"document": 1}`)})
		wantCode(t, err, errs.Invalid)
		_, err = e.svc.Import(context.Background(), reader, catalog.ImportInput{Document: mustRead(t, "rhsa-2022_0011.json")})
		wantCode(t, err, errs.Forbidden)
		if n := e.count(t, "updates"); n != 0 {
			t.Fatalf("%d updates after refusals", n)
		}
	})
}

func (e *env) auditEvents(tb testing.TB, action string) []audit.Event {
	tb.Helper()
	events, err := e.db.FindAuditEvents(context.Background(), audit.Filter{Action: action, Limit: 1000})
	if err != nil {
		tb.Fatal(err)
	}
	return events
}
