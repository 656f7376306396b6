package catalog_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/errs"
)

// revise returns the VA advisory at revision 1.0.2: CVE-2023-45197 is now
// fixed in AdminerEvo 4.8.2 too, and its score is lower.
func revise(tb testing.TB, dir string, more ...func(map[string]any)) []byte {
	return tamper(tb, dir, "va-24-201-01.json", func(d map[string]any) {
		for _, f := range more {
			f(d)
		}
		tr := obj(d, "document", "tracking")
		tr["version"], tr["current_release_date"] = "1.0.2", "2024-10-01T12:00:00.000Z"
		tr["revision_history"] = append(tr["revision_history"].([]any), map[string]any{
			"number": "1.0.2", "date": "2024-10-01T12:00:00.000Z", "summary": "AdminerEvo 4.8.2 fixes CVE-2023-45197"})
		v := d["vulnerabilities"].([]any)[2].(map[string]any)
		ps := v["product_status"].(map[string]any)
		ps["known_affected"], ps["fixed"] = []any{"CSAFPID-0006"}, []any{"CSAFPID-0007", "CSAFPID-0077"}
		score := v["scores"].([]any)[0].(map[string]any)["cvss_v3"].(map[string]any)
		score["baseScore"], score["baseSeverity"] = 8.8, "HIGH"
	})
}

func TestImportRevisions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		first := e.mustImport(t, "va-24-201-01.json")
		approved, err := e.svc.Transition(ctx, manager, first.Update.ID, catalog.EventApprove, catalog.TransitionInput{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("OKIdempotent", func(t *testing.T) {
			rows := e.count(t, "update_products") + e.count(t, "update_cves")
			res := e.mustImport(t, "va-24-201-01.json")
			if res.Outcome != catalog.OutcomeUnchanged || res.Update.Version != approved.Version {
				t.Fatalf("re-import: %s, version %d", res.Outcome, res.Update.Version)
			}
			if n := e.count(t, "update_products") + e.count(t, "update_cves"); n != rows || e.count(t, "updates") != 1 {
				t.Fatalf("re-import wrote: %d index rows, was %d", n, rows)
			}
			if ev := e.auditEvents(t, "update.reimport"); len(ev) != 1 || !strings.Contains(ev[0].Reason, "unchanged") {
				t.Fatalf("re-import not audited: %+v", ev)
			}
		})
		newer := revise(t, t.TempDir())
		t.Run("OKRevised", func(t *testing.T) {
			res, err := e.svc.Import(ctx, editor, catalog.ImportInput{Document: newer, Name: "va-24-201-01.json"})
			if err != nil {
				t.Fatal(catalog.Describe(err))
			}
			u := res.Update
			if res.Outcome != catalog.OutcomeUpdated || u.ID != first.Update.ID || u.Document.Version != "1.0.2" ||
				u.State != catalog.StateApproved || u.Severity != catalog.SeverityHigh || u.Version != approved.Version+1 {
				t.Fatalf("revision: %s %s %s %s v%d", res.Outcome, u.Document.Version, u.State, u.Severity, u.Version)
			}
			joined := strings.Join(res.Changes, "\n")
			for _, want := range []string{`severity: "critical" → "high"`, "CVE-2023-45197 score: CVSS 3.1 9.0 → CVSS 3.1 8.8",
				"CVE-2023-45197 fixed added: CSAFPID-0077", "CVE-2023-45197 known_affected removed: CSAFPID-0077"} {
				if !strings.Contains(joined, want) {
					t.Errorf("changes lack %q:\n%s", want, joined)
				}
			}
			ev := e.auditEvents(t, "update.revise")
			if len(ev) != 1 || !strings.Contains(ev[0].Reason, "revision 1.0.1 → 1.0.2") || !strings.Contains(ev[0].Before, `"1.0.1"`) {
				t.Fatalf("revision not audited: %+v", ev)
			}
		})
		t.Run("OKOlderUnchanged", func(t *testing.T) {
			res := e.mustImport(t, "va-24-201-01.json")
			if res.Outcome != catalog.OutcomeUnchanged || !strings.Contains(res.Detail, "older") || res.Update.Document.Version != "1.0.2" {
				t.Fatalf("older revision: %s %q", res.Outcome, res.Detail)
			}
		})
		t.Run("ErrSameVersionOtherContent", func(t *testing.T) {
			doc := revise(t, t.TempDir(), func(d map[string]any) { obj(d, "document")["title"] = "Something else" })
			_, err := e.svc.Import(ctx, editor, catalog.ImportInput{Document: doc})
			wantCode(t, err, errs.Conflict)
		})
	})
}

func TestImportVersusManual(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.mustCreate(t, catalog.Update{VendorID: "RHSA-2022:0011", Title: "typed in before the feed"})
		_, err := e.svc.Import(context.Background(), editor, catalog.ImportInput{Document: mustRead(t, "rhsa-2022_0011.json")})
		wantCode(t, err, errs.Conflict)
		if u := e.get(t, "RHSA-2022:0011"); u.Source != catalog.SourceManual || len(u.Packages) != 0 {
			t.Fatalf("the manual entry changed: %+v", u)
		}
	})
}

func TestCompareRevisions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1", "2", -1}, {"10", "9", 1}, {"2", "2", 0}, {"1.0.1", "1.0.0", 1}, {"1.0.0-rc.1", "1.0.0", -1},
		{"1.0.0-rc.2", "1.0.0-rc.10", -1}, {"1.10.0", "1.9.9", 1}, {"2", "1.9.0", 1}, {"1.0.0+build.7", "1.0.0", 0},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
	} {
		if got := catalog.CompareRevisions(c.a, c.b); got != c.want {
			t.Errorf("CompareRevisions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := catalog.CompareRevisions(c.b, c.a); got != -c.want {
			t.Errorf("CompareRevisions(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
	if !slices.IsSortedFunc([]string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0", "1.0.1"}, catalog.CompareRevisions) {
		t.Error("semantic versions out of order")
	}
}
