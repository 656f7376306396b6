package httpapi_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
)

type verdictOut struct {
	CIID     string `json:"ci_id"`
	CIName   string `json:"ci_name"`
	VendorID string `json:"vendor_id"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Evidence []struct {
		Name, Installed, Fixed string
	} `json:"evidence"`
}

type tallyOut struct {
	Installed     int `json:"installed"`
	Required      int `json:"required"`
	NotApplicable int `json:"not_applicable"`
	Unknown       int `json:"unknown"`
}

// fleet is three Debian web servers (one stale), a database server and a
// Windows server, a static and a dynamic group, and two approved updates.
type fleet struct {
	*catalogEnv
	web1, web2, web3, db, win string
	openssl, kb               catUpdateOut
}

func newFleet(t *testing.T, s *apitest.Server) *fleet {
	f := &fleet{catalogEnv: newCatalog(t, s)}
	web := map[string]string{"tier": "web"}
	f.web1, f.web2, f.web3 = f.mustCI(t, "web-01", "Debian", web), f.mustCI(t, "web-02", "Debian", web), f.mustCI(t, "web-03", "Debian", web)
	f.db, f.win = f.mustCI(t, "db-01", "Debian", nil), f.mustCI(t, "win-01", "Windows Server 2022", nil)
	f.mustReport(t, f.web1, f.t0.Add(-time.Hour), catPkg{"deb", "openssl", "3.0.11-1~deb12u2", "amd64"}, catPkg{"deb", "bash", "5.2.15-2", "amd64"})
	f.mustReport(t, f.web2, f.t0.Add(-time.Hour), catPkg{"deb", "openssl", "3.0.14-1~deb12u1", "amd64"})
	f.mustReport(t, f.web3, f.t0.Add(-30*24*time.Hour), catPkg{"deb", "openssl", "3.0.11-1~deb12u2", "amd64"})
	f.mustReport(t, f.db, f.t0.Add(-time.Hour), catPkg{"deb", "postgresql-15", "15.8-0+deb12u1", "amd64"})
	f.mustReport(t, f.win, f.t0.Add(-time.Hour), catPkg{"kb", "KB5034441", "", ""})
	f.openssl = f.mustUpdate(t, map[string]any{"vendor_id": "DSA-5764-1", "title": "openssl security update", "severity": "high",
		"fixed_packages": []map[string]any{{"kind": "deb", "name": "openssl", "version": "3.0.14-1~deb12u1"}}})
	f.kb = f.mustUpdate(t, map[string]any{"vendor_id": "KB5035845", "title": "March cumulative update", "severity": "critical",
		"fixed_packages": []map[string]any{{"kind": "kb", "name": "KB5035845", "platform": "Windows Server 2022"}}})
	for _, id := range []string{f.openssl.ID, f.kb.ID} {
		if res := f.fire(t, f.cm, id, "approve", nil); res.Status != 200 {
			t.Fatalf("approve: %d %s", res.Status, res.Body)
		}
	}
	f.do(t, f.cm, "POST", "/api/v1/ci-groups", map[string]any{"name": "web", "kind": "dynamic", "filter": map[string]any{"attributes": web}})
	f.do(t, f.cm, "POST", "/api/v1/ci-groups", map[string]any{"name": "pilot", "kind": "static", "members": []string{f.web1, f.win}})
	return f
}

func TestComplianceAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		f := newFleet(t, s)
		t.Run("OKPerCI", func(t *testing.T) {
			var out struct {
				Fresh bool         `json:"fresh"`
				Items []verdictOut `json:"items"`
			}
			res := f.do(t, f.requester, "GET", "/api/v1/cis/web-01/compliance", nil)
			res.JSON(t, &out)
			if res.Status != 200 || !out.Fresh || len(out.Items) != 1 || out.Items[0].Status != "required" ||
				out.Items[0].Evidence[0].Installed != "3.0.11-1~deb12u2" || !strings.Contains(out.Items[0].Reason, "older than the fixed 3.0.14-1~deb12u1") {
				t.Fatalf("web-01: %d %s", res.Status, res.Body)
			}
			f.do(t, f.requester, "GET", "/api/v1/cis/"+f.web3+"/compliance", nil).JSON(t, &out)
			if out.Fresh || out.Items[0].Status != "unknown" || !strings.Contains(out.Items[0].Reason, "older than") {
				t.Fatalf("stale web-03: %+v", out)
			}
			f.do(t, f.requester, "GET", "/api/v1/cis/win-01/compliance?status=required", nil).JSON(t, &out)
			if len(out.Items) != 1 || out.Items[0].VendorID != "KB5035845" {
				t.Fatalf("win-01: %+v", out)
			}
		})
		t.Run("OKPerUpdate", func(t *testing.T) {
			var out struct {
				Tally      tallyOut     `json:"tally"`
				Items      []verdictOut `json:"items"`
				NextCursor string       `json:"next_cursor"`
			}
			res := f.do(t, f.requester, "GET", "/api/v1/updates/DSA-5764-1/compliance?limit=1", nil)
			res.JSON(t, &out)
			if res.Status != 200 || out.Tally != (tallyOut{Installed: 1, Required: 1, NotApplicable: 2, Unknown: 1}) ||
				len(out.Items) != 1 || out.Items[0].CIName != "web-01" || out.NextCursor == "" {
				t.Fatalf("page 1: %d %s", res.Status, res.Body)
			}
			cursor := out.NextCursor
			out.NextCursor = ""
			f.do(t, f.requester, "GET", "/api/v1/updates/DSA-5764-1/compliance?limit=5&cursor="+cursor, nil).JSON(t, &out)
			if len(out.Items) != 2 || out.Items[0].CIName != "web-02" || out.Items[1].Status != "unknown" || out.NextCursor != "" {
				t.Fatalf("page 2: %+v", out)
			}
		})
		t.Run("OKSummary", func(t *testing.T) { checkSummary(t, f) })
		t.Run("ErrBadInput", func(t *testing.T) {
			for path, field := range map[string]string{
				"/api/v1/cis/web-01/compliance?status=not_applicable":  "status",
				"/api/v1/updates/DSA-5764-1/compliance?status=missing": "status",
				"/api/v1/updates/DSA-5764-1/compliance?cursor=%25%25":  "cursor",
			} {
				if p := f.do(t, f.requester, "GET", path, nil).Problem(t); p.Status != 400 || !p.HasField(field) {
					t.Errorf("%s: %+v", path, p)
				}
			}
			if p := f.do(t, f.requester, "GET", "/api/v1/cis/nowhere/compliance", nil).Problem(t); p.Status != 404 {
				t.Errorf("unknown CI: %+v", p)
			}
			if p := f.do(t, f.agent, "GET", "/api/v1/compliance/summary", nil).Problem(t); p.Status != 403 {
				t.Errorf("agent: %+v", p)
			}
		})
	})
}

func checkSummary(t *testing.T, f *fleet) {
	var sum struct {
		CIs struct {
			Total, Fresh, Stale int
			WithInventory       int `json:"with_inventory"`
		} `json:"cis"`
		ByUpdate []struct {
			VendorID string `json:"vendor_id"`
			tallyOut
		} `json:"by_update"`
		BySeverity []struct {
			Severity string `json:"severity"`
			Updates  int    `json:"updates"`
		} `json:"by_severity"`
		ByGroup []struct {
			Name         string `json:"name"`
			CIs          int    `json:"cis"`
			Compliant    int    `json:"compliant"`
			NonCompliant int    `json:"non_compliant"`
			UnknownCIs   int    `json:"unknown_cis"`
			Required     int    `json:"required"`
		} `json:"by_group"`
	}
	res := f.do(t, f.cm, "GET", "/api/v1/compliance/summary", nil)
	res.JSON(t, &sum)
	if res.Status != 200 || sum.CIs.Total != 5 || sum.CIs.Fresh != 4 || sum.CIs.Stale != 1 || len(sum.ByUpdate) != 2 {
		t.Fatalf("summary: %d %s", res.Status, res.Body)
	}
	for _, u := range sum.ByUpdate {
		want := map[string]tallyOut{"DSA-5764-1": {1, 1, 2, 1}, "KB5035845": {0, 1, 3, 1}}[u.VendorID]
		if u.tallyOut != want {
			t.Errorf("%s: %+v, want %+v", u.VendorID, u.tallyOut, want)
		}
	}
	if len(sum.BySeverity) != 2 || sum.BySeverity[0].Severity != "critical" || sum.BySeverity[1].Severity != "high" {
		t.Errorf("by severity: %+v", sum.BySeverity)
	}
	groups := map[string]string{}
	for _, g := range sum.ByGroup {
		groups[g.Name] = strings.Join([]string{strconv.Itoa(g.CIs), strconv.Itoa(g.Compliant), strconv.Itoa(g.NonCompliant), strconv.Itoa(g.UnknownCIs), strconv.Itoa(g.Required)}, "/")
	}
	// cis/compliant/non-compliant/unknown/required
	if groups["web"] != "3/1/1/1/1" || groups["pilot"] != "2/0/2/0/2" {
		t.Errorf("by group: %v", groups)
	}
}

func TestDraftFromUpdatesAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		f := newFleet(t, s)
		res := f.do(t, f.requester, "POST", "/api/v1/changes/draft-from-updates", map[string]any{"update_ids": []string{"DSA-5764-1", f.kb.ID}})
		var r struct {
			ID                string   `json:"id"`
			State             string   `json:"state"`
			AffectedCIs       []string `json:"affected_cis"`
			LinkedUpdates     []string `json:"linked_updates"`
			SupersededUpdates []string `json:"superseded_updates"`
			Risk              struct {
				Factors []struct {
					Name  string `json:"name"`
					Value string `json:"value"`
				} `json:"factors"`
			} `json:"risk"`
		}
		res.JSON(t, &r)
		want := []string{f.web1, f.win}
		slices.Sort(want)
		if res.Status != http.StatusCreated || r.State != "draft" || !slices.Equal(r.AffectedCIs, want) ||
			!slices.Equal(r.LinkedUpdates, []string{f.openssl.ID, f.kb.ID}) || r.Risk.Factors[2].Value != "2" {
			t.Fatalf("draft: %d %s", res.Status, res.Body)
		}
		t.Run("OKGroup", func(t *testing.T) {
			var g struct {
				AffectedCIs []string `json:"affected_cis"`
			}
			f.do(t, f.requester, "POST", "/api/v1/changes/draft-from-updates", map[string]any{"update_ids": []string{"DSA-5764-1", "KB5035845"},
				"group_id": "web"}).JSON(t, &g)
			if !slices.Equal(g.AffectedCIs, []string{f.web1}) {
				t.Fatalf("web group: %v", g.AffectedCIs)
			}
		})
		t.Run("ErrInput", func(t *testing.T) {
			f.mustUpdate(t, map[string]any{"vendor_id": "DSA-NEW", "title": "not approved yet"})
			for field, body := range map[string]map[string]any{
				"update_ids":    {"update_ids": []string{}},
				"update_ids[1]": {"update_ids": []string{"DSA-5764-1", "DSA-NEW"}},
				"group_id":      {"update_ids": []string{"DSA-5764-1"}, "group_id": "nowhere"},
			} {
				if p := f.do(t, f.requester, "POST", "/api/v1/changes/draft-from-updates", body).Problem(t); p.Status != 400 || !p.HasField(field) {
					t.Errorf("%s: %+v", field, p)
				}
			}
			if p := f.do(t, f.auditor, "POST", "/api/v1/changes/draft-from-updates", map[string]any{"update_ids": []string{"DSA-5764-1"}}).Problem(t); p.Status != 403 {
				t.Errorf("auditor: %+v", p)
			}
		})
		t.Run("OKFlagOnSupersede", func(t *testing.T) {
			s.Patch(t, f.requester.token, "/api/v1/changes/"+r.ID, map[string]any{"backout_plan": "reinstall", "test_plan": "smoke"})
			for _, step := range []struct {
				p    person
				body map[string]any
			}{{f.requester, map[string]any{"event": "submit"}}, {f.cm, map[string]any{"event": "classify", "category": "minor", "priority": "high"}},
				{f.cm, map[string]any{"event": "approve"}}} {
				if res := f.do(t, step.p, "POST", "/api/v1/changes/"+r.ID+"/transitions", step.body); res.Status != 200 {
					t.Fatalf("%v: %d %s", step.body, res.Status, res.Body)
				}
			}
			f.mustUpdate(t, map[string]any{"vendor_id": "KB5036893", "title": "April cumulative update", "supersedes": []string{"KB5035845"},
				"fixed_packages": []map[string]any{{"kind": "kb", "name": "KB5036893"}}})
			f.do(t, f.requester, "GET", "/api/v1/changes/"+r.ID, nil).JSON(t, &r)
			if r.State != "approved" || !slices.Equal(r.SupersededUpdates, []string{f.kb.ID}) {
				t.Fatalf("flag: %s %v", r.State, r.SupersededUpdates)
			}
		})
	})
}
