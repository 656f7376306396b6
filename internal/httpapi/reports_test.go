package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/identity"
)

type reportOut struct {
	Name          string           `json:"name"`
	Method        string           `json:"method"`
	ChainHeadSeq  int64            `json:"chain_head_seq"`
	ChainHeadHash string           `json:"chain_head_hash"`
	Rows          []map[string]any `json:"rows"`
}

func report(t *testing.T, s *apitest.Server, token, name string) reportOut {
	t.Helper()
	s.Seal(t)
	res := get(t, s, "/api/v1/reports/"+name, token)
	if res.Status != http.StatusOK {
		t.Fatalf("%s: %d %s", name, res.Status, res.Body)
	}
	var r reportOut
	res.JSON(t, &r)
	if r.Method == "" || r.ChainHeadSeq == 0 || r.ChainHeadHash == "" {
		t.Fatalf("%s: no method or chain head: %+v", name, r)
	}
	return r
}

// plant appends an event to the trail as a buggy (or bypassed) use case
// would have: the reports read the trail, so they must find it.
func plant(t *testing.T, s *apitest.Server, actor, action, rfcID string, before, after map[string]any) {
	t.Helper()
	if err := s.App.Audit.Record(context.Background(), audit.Record{Actor: identity.Actor{UserID: actor}, Action: action,
		EntityType: "rfc", EntityID: rfcID, Before: before, After: after, Reason: "planted"}); err != nil {
		t.Fatal(err)
	}
}

func TestControlReports(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		// A clean history: an emergency authorised by the ECAB, implemented,
		// reviewed in time; another that failed and was backed out.
		ok := c.toAwaiting(t, "emergency ok", "significant", "emergency")
		c.vote(t, c.members[0], ok.ID, "approve")
		c.mustFire(t, c.rm, ok.ID, "start", nil)
		c.mustFire(t, c.rm, ok.ID, "complete", nil)
		if res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes/" + ok.ID + "/retro-review", Token: c.cm.token,
			Body: map[string]string{"notes": "justified"}}); res.Status != 200 {
			t.Fatalf("retro review: %d %s", res.Status, res.Body)
		}
		bad := c.toAwaiting(t, "emergency failed", "minor", "emergency")
		c.vote(t, c.members[1], bad.ID, "approve")
		c.mustFire(t, c.rm, bad.ID, "start", nil)
		c.mustFire(t, c.rm, bad.ID, "fail", map[string]any{"comment": "service did not come back"})
		c.mustFire(t, c.rm, bad.ID, "back_out", nil)
		aud := c.auditor.token

		t.Run("OKCleanHistory", func(t *testing.T) {
			for _, name := range []string{"unapproved-implementations", "sod-violations"} {
				if r := report(t, s, aud, name); len(r.Rows) != 0 {
					t.Fatalf("%s on a clean history: %+v", name, r.Rows)
				}
			}
			em := report(t, s, aud, "emergency-changes")
			if len(em.Rows) != 2 {
				t.Fatalf("emergency changes: %+v", em.Rows)
			}
			status := map[string]any{}
			for _, r := range em.Rows {
				status[r["title"].(string)] = r["status"]
			}
			if status["emergency ok"] != "done" || status["emergency failed"] != "pending" {
				t.Fatalf("retro review status: %v", status)
			}
			failed := report(t, s, aud, "failed-changes")
			if len(failed.Rows) != 2 || failed.Rows[0]["state"] != "failed" || failed.Rows[1]["state"] != "backed_out" {
				t.Fatalf("failed changes: %+v", failed.Rows)
			}
			lead := report(t, s, aud, "approval-lead-times")
			byCat := map[string]map[string]any{}
			for _, r := range lead.Rows {
				byCat[r["category"].(string)] = r
			}
			if byCat["significant"]["approved"] != 1.0 || byCat["significant"]["success_rate"] != 1.0 ||
				byCat["minor"]["failed"] != 1.0 || byCat["minor"]["success_rate"] != 0.0 {
				t.Fatalf("lead times: %+v", lead.Rows)
			}
			if r := report(t, s, aud, "unauthorized-ci-changes"); len(r.Rows) != 0 {
				t.Fatalf("unauthorised CI changes: %+v", r.Rows)
			}
		})
		t.Run("OKPlantedViolationsFound", func(t *testing.T) {
			rogue := c.draft(t, "never approved")
			plant(t, s, c.rm.id, "rfc.start", rogue.ID, map[string]any{"state": "scheduled"}, map[string]any{"state": "implementing"})
			self := c.toAwaiting(t, "self approved", "significant", "low")
			plant(t, s, c.requester.id, "rfc.vote", self.ID, nil, map[string]any{"decision": "approve"})
			r := report(t, s, aud, "unapproved-implementations")
			if len(r.Rows) != 1 || r.Rows[0]["rfc_id"] != rogue.ID || !strings.Contains(r.Rows[0]["why"].(string), "no earlier transition into approved") {
				t.Fatalf("unapproved: %+v", r.Rows)
			}
			r = report(t, s, aud, "sod-violations")
			if len(r.Rows) != 1 || r.Rows[0]["rfc_id"] != self.ID || r.Rows[0]["actor_id"] != c.requester.id {
				t.Fatalf("sod: %+v", r.Rows)
			}
		})
		t.Run("OKUnauthorizedCIChangeCoveredLater", func(t *testing.T) {
			if err := s.App.Audit.Record(context.Background(), audit.Record{Actor: identity.Actor{UserID: c.rm.id},
				Action: "ci.unauthorized_change", EntityType: "ci", EntityID: c.web, After: map[string]any{"version": 3, "fields": []string{"os_version"}}}); err != nil {
				t.Fatal(err)
			}
			r := report(t, s, aud, "unauthorized-ci-changes")
			if len(r.Rows) != 1 || r.Rows[0]["covered_by_rfc"] != nil {
				t.Fatalf("before cover: %+v", r.Rows)
			}
			cover := c.toAwaiting(t, "cover web-01", "significant", "emergency")
			c.vote(t, c.members[0], cover.ID, "approve")
			r = report(t, s, aud, "unauthorized-ci-changes")
			if len(r.Rows) != 1 || r.Rows[0]["covered_by_rfc"] != cover.ID {
				t.Fatalf("after cover: %+v", r.Rows)
			}
		})
		t.Run("OKCSVIsInert", func(t *testing.T) {
			rogue := c.draft(t, "=HYPERLINK(\"http://evil\",\"x\")")
			plant(t, s, "@evil", "rfc.start", rogue.ID, map[string]any{"state": "scheduled"}, map[string]any{"state": "implementing", "title": "=1+1"})
			s.Seal(t)
			res := get(t, s, "/api/v1/reports/unapproved-implementations?format=csv", aud)
			if res.Status != 200 || res.Header.Get("Content-Type") != "text/csv" {
				t.Fatalf("csv: %d %s", res.Status, res.Header)
			}
			cr := csv.NewReader(bytes.NewReader(res.Body))
			cr.FieldsPerRecord = -1
			recs, err := cr.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, rec := range recs {
				for _, cell := range rec {
					if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
						t.Fatalf("cell %q would run as a formula", cell)
					}
					found = found || cell == "'=1+1"
				}
			}
			if !found || !strings.HasPrefix(string(res.Body), "# report,unapproved-implementations") {
				t.Fatalf("csv body:\n%s", res.Body)
			}
		})
		t.Run("ErrNotAvailableYet", func(t *testing.T) {
			res := get(t, s, "/api/v1/reports/deployments-outside-windows", aud)
			if p := res.Problem(t); p.Status != 404 || !strings.Contains(p.Detail, "not available") {
				t.Fatalf("deployments: %d %s", res.Status, res.Body)
			}
		})
		t.Run("ErrBadInput", func(t *testing.T) {
			for q, field := range map[string]string{"format=xlsx": "format", "from=soon": "from",
				"from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z": "to"} {
				res := get(t, s, "/api/v1/reports/failed-changes?"+q, aud)
				if p := res.Problem(t); p.Status != 400 || !p.HasField(field) {
					t.Fatalf("%s: %d %s", q, res.Status, res.Body)
				}
			}
			if p := get(t, s, "/api/v1/reports/nonsense", aud).Problem(t); p.Status != 404 {
				t.Fatalf("unknown report: %d", p.Status)
			}
		})
		t.Run("OKReportsAreAuditedReads", func(t *testing.T) {
			var list eventList
			get(t, s, "/api/v1/audit/events?action=report.read&limit=100", s.Admin).JSON(t, &list)
			if len(list.Items) < 8 || list.Items[0].ActorID != c.auditor.id || list.Items[0].ActorRole != "auditor" {
				t.Fatalf("report reads: %d %+v", len(list.Items), list.Items)
			}
		})
	})
}
