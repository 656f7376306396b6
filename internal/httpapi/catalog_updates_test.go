package httpapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
)

func TestUpdatesAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCatalog(t, s)
		for _, f := range []string{"rhsa-2022_0011.json", "rhsa-2021_5217.json", "bsi-2022-0001.json", "cisco-sa-20180328-smi2.json",
			"2022-evd-uc-01-f-001.json", "2022-evd-uc-01-na-001.json"} {
			e.mustImport(t, f)
		}
		list := func(t *testing.T, query string) (ids []string, next string) {
			t.Helper()
			res := e.do(t, e.requester, "GET", "/api/v1/updates"+query, nil)
			if res.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", query, res.Status, res.Body)
			}
			var page struct {
				Items      []catUpdateOut `json:"items"`
				NextCursor string         `json:"next_cursor"`
			}
			res.JSON(t, &page)
			for _, u := range page.Items {
				ids = append(ids, u.VendorID)
			}
			return ids, page.NextCursor
		}
		t.Run("OKFilters", func(t *testing.T) {
			for query, want := range map[string][]string{
				"?cve=CVE-2021-44228":           {"2022-EVD-UC-01-NA-001", "2022-EVD-UC-01-F-001"},
				"?product=telnet-server":        {"RHSA-2022:0011"},
				"?severity=critical":            {"cisco-sa-20180328-smi2"},
				"?q=single+sign-on":             {"RHSA-2021:5217"},
				"?state=approved":               nil,
				"?source=manual":                nil,
				"?severity=high&product=TELNET": {"RHSA-2022:0011"},
			} {
				got, _ := list(t, query)
				slices.Sort(got) // releases at the same time come in id order
				if slices.Sort(want); !slices.Equal(got, want) {
					t.Errorf("%s: %v, want %v", query, got, want)
				}
			}
		})
		t.Run("OKCursor", func(t *testing.T) {
			all, _ := list(t, "")
			var paged []string
			for q := "?limit=4"; ; {
				ids, next := list(t, q)
				paged = append(paged, ids...)
				if next == "" {
					break
				}
				q = "?limit=4&cursor=" + next
			}
			if len(all) != 6 || !slices.Equal(all, paged) {
				t.Fatalf("pages %v != %v", paged, all)
			}
		})
		t.Run("ErrBadParameters", func(t *testing.T) {
			for field, query := range map[string]string{"severity": "?severity=urgent", "state": "?state=open",
				"cursor": "?cursor=!!", "limit": "?limit=0", "source": "?source=rss"} {
				if p := e.do(t, e.requester, "GET", "/api/v1/updates"+query, nil).Problem(t); p.Status != 400 || !p.HasField(field) {
					t.Errorf("%s: %+v", query, p)
				}
			}
			if p := e.do(t, e.agent, "GET", "/api/v1/updates", nil).Problem(t); p.Status != http.StatusForbidden {
				t.Errorf("agent listing: %+v", p)
			}
		})
		t.Run("OKGetByVendorID", func(t *testing.T) {
			res := e.do(t, e.cm, "GET", "/api/v1/updates/RHSA-2022:0011", nil)
			var u catUpdateOut
			res.JSON(t, &u)
			if res.Status != 200 || res.Header.Get("ETag") != `"1"` || len(u.FixedPackages) != 15 ||
				!slices.Equal(u.Actions, []string{"approve", "decline", "expire", "supersede"}) {
				t.Fatalf("get: %d %+v", res.Status, u)
			}
			if p := e.do(t, e.cm, "GET", "/api/v1/updates/RHSA-1999:0001", nil).Problem(t); p.Status != 404 {
				t.Fatalf("missing: %+v", p)
			}
		})
	})
}

func TestManualUpdatesAndTransitions(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCatalog(t, s)
		kb1 := e.mustUpdate(t, map[string]any{"vendor_id": "KB5034441", "title": "Windows Recovery Environment update",
			"cves":           []map[string]any{{"id": "CVE-2024-20666", "cvss_score": 6.6, "cvss_version": "3.1"}},
			"fixed_packages": []map[string]any{{"kind": "kb", "name": "KB5034441"}}, "reboot_required": true})
		if kb1.Severity != "medium" || kb1.State != "new" || !slices.Equal(kb1.CVEs, []string{"CVE-2024-20666"}) {
			t.Fatalf("manual entry: %+v", kb1)
		}
		t.Run("ErrInvalidEntry", func(t *testing.T) {
			for field, body := range map[string]map[string]any{
				"vendor_id":                 {"title": "x"},
				"cves[0].id":                {"vendor_id": "A-1", "title": "x", "cves": []map[string]any{{"id": "CVE-1"}}},
				"fixed_packages[0].version": {"vendor_id": "A-1", "title": "x", "fixed_packages": []map[string]any{{"kind": "rpm", "name": "bash"}}},
				"released_at":               {"vendor_id": "A-1", "title": "x", "released_at": "yesterday"},
				"colour":                    {"vendor_id": "A-1", "title": "x", "colour": "red"},
			} {
				if p := e.do(t, e.rm, "POST", "/api/v1/updates", body).Problem(t); p.Status != 400 || !p.HasField(field) {
					t.Errorf("%s: %+v", field, p)
				}
			}
			if p := e.do(t, e.rm, "POST", "/api/v1/updates", map[string]any{"vendor_id": "KB5034441", "title": "again"}).Problem(t); p.Status != 409 {
				t.Errorf("duplicate vendor id: %+v", p)
			}
			if p := e.do(t, e.auditor, "POST", "/api/v1/updates", map[string]any{"vendor_id": "B-1", "title": "x"}).Problem(t); p.Status != 403 {
				t.Errorf("auditor writing: %+v", p)
			}
		})
		t.Run("OKApproveWithIfMatch", func(t *testing.T) {
			if p := e.fire(t, e.rm, kb1.ID, "approve", nil).Problem(t); p.Status != 403 {
				t.Fatalf("release manager approving: %+v", p)
			}
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/updates/" + kb1.ID + "/transitions", Token: e.cm.token,
				Body: map[string]any{"event": "approve"}, Header: map[string]string{"If-Match": `"7"`}})
			if p := res.Problem(t); p.Status != 412 {
				t.Fatalf("stale If-Match: %+v", p)
			}
			res = e.fire(t, e.cm, kb1.ID, "approve", nil)
			var u catUpdateOut
			res.JSON(t, &u)
			if res.Status != 200 || u.State != "approved" || res.Header.Get("ETag") != `"2"` {
				t.Fatalf("approve: %d %s", res.Status, res.Body)
			}
			if p := e.fire(t, e.cm, kb1.ID, "approve", nil).Problem(t); p.Status != 409 {
				t.Fatalf("approve twice: %+v", p)
			}
			if p := e.fire(t, e.cm, kb1.ID, "decline", nil).Problem(t); p.Status != 400 || !p.HasField("comment") {
				t.Fatalf("decline without comment: %+v", p)
			}
			if p := e.fire(t, e.cm, kb1.ID, "explode", nil).Problem(t); p.Status != 400 || !p.HasField("event") {
				t.Fatalf("unknown event: %+v", p)
			}
		})
		t.Run("OKSupersededByEntry", func(t *testing.T) {
			e.mustUpdate(t, map[string]any{"vendor_id": "KB5035845", "title": "March cumulative update", "supersedes": []string{"KB5034441"},
				"fixed_packages": []map[string]any{{"kind": "kb", "name": "KB5035845"}}})
			var u catUpdateOut
			e.do(t, e.cm, "GET", "/api/v1/updates/KB5034441", nil).JSON(t, &u)
			if u.State != "superseded" || !slices.Equal(u.SupersededBy, []string{"KB5035845"}) || !slices.Equal(u.Actions, []string{"expire"}) {
				t.Fatalf("superseded: %+v", u)
			}
		})
		t.Run("OKWorkflow", func(t *testing.T) {
			var w struct {
				Name    string   `json:"name"`
				Final   []string `json:"final"`
				Mermaid string   `json:"mermaid"`
			}
			e.do(t, e.requester, "GET", "/api/v1/workflows/update", nil).JSON(t, &w)
			if w.Name != "update" || !slices.Equal(w.Final, []string{"expired"}) || w.Mermaid == "" {
				t.Fatalf("workflow: %+v", w)
			}
		})
	})
}
