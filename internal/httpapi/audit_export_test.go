package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/identity"
)

// injections are cells that spreadsheets would run as formulas.
var injections = []string{"=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "'=1"}

func TestAuditExportAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		_, auditor := s.MustUser(t, "auditor1", "auditor")
		s.MustUser(t, "u1", "requester")
		for _, v := range injections {
			if err := s.App.Audit.Record(context.Background(), audit.Record{Actor: identity.System, Action: "test.inject",
				EntityType: "thing", EntityID: v, Reason: v}); err != nil {
				t.Fatal(err)
			}
		}
		s.Seal(t)
		if _, err := s.App.CheckpointNow(context.Background()); err != nil {
			t.Fatal(err)
		}
		keys, err := audit.ParsePublicKeyPEM(get(t, s, "/api/v1/audit/public-key", auditor).Body)
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"csv", "ndjson"} {
			t.Run(format, func(t *testing.T) {
				res := get(t, s, "/api/v1/audit/export?format="+format, auditor)
				if res.Status != http.StatusOK || res.Header.Get("Content-Type") != map[string]string{"csv": "text/csv", "ndjson": "application/x-ndjson"}[format] {
					t.Fatalf("export: %d %s", res.Status, res.Header)
				}
				r, err := audit.VerifyExport(bytes.NewReader(res.Body), keys)
				if err != nil || !r.OK || r.Rows < 10 || r.Manifest.Checkpoint == nil {
					t.Fatalf("verify-export: %+v %v", r, err)
				}
				// One byte changed anywhere before the manifest fails.
				for _, at := range []int{len(res.Body) / 3, len(res.Body) / 2} {
					bad := bytes.Clone(res.Body)
					bad[at] ^= 0x01
					if r, err := audit.VerifyExport(bytes.NewReader(bad), keys); err == nil && r.OK {
						t.Fatalf("a changed byte at %d went unnoticed", at)
					}
				}
				// Cut short: no manifest.
				if r, _ := audit.VerifyExport(bytes.NewReader(res.Body[:len(res.Body)*2/3]), keys); r.OK {
					t.Fatal("a truncated export verified")
				}
				if format != "csv" {
					return
				}
				cr := csv.NewReader(bytes.NewReader(res.Body))
				cr.FieldsPerRecord = -1 // the manifest row has two cells
				recs, err := cr.ReadAll()
				if err != nil {
					t.Fatalf("the CSV does not parse: %v", err)
				}
				n := 0
				for _, rec := range recs[1:] {
					for _, cell := range rec {
						if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
							t.Fatalf("cell %q would run as a formula", cell)
						}
					}
					if len(rec) > 11 && rec[5] == "test.inject" {
						n++
					}
				}
				if n != len(injections) {
					t.Fatalf("%d injection rows, want %d", n, len(injections))
				}
			})
		}
		t.Run("OKFilteredAndResumed", func(t *testing.T) {
			res := get(t, s, "/api/v1/audit/export?format=ndjson&action=test.inject&after_seq=3", auditor)
			r, err := audit.VerifyExport(bytes.NewReader(res.Body), keys)
			if err != nil || !r.OK || r.Rows != int64(len(injections)) || !r.Manifest.Filtered {
				t.Fatalf("filtered: %+v %v", r, err)
			}
			from := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
			res = get(t, s, "/api/v1/audit/export?format=csv&from="+from, auditor)
			if r, err := audit.VerifyExport(bytes.NewReader(res.Body), keys); err != nil || !r.OK || r.Rows != 0 {
				t.Fatalf("empty period: %+v %v", r, err)
			}
		})
		t.Run("ErrBadInput", func(t *testing.T) {
			for q, field := range map[string]string{"format=xlsx": "format", "after_seq=-1": "after_seq", "from=yesterday": "from",
				"from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z": "to"} {
				res := get(t, s, "/api/v1/audit/export?"+q, auditor)
				if p := res.Problem(t); p.Status != 400 || !p.HasField(field) {
					t.Fatalf("%s: %d %s", q, res.Status, res.Body)
				}
			}
		})
		t.Run("OKExportIsAuditedAsARead", func(t *testing.T) {
			var list eventList
			get(t, s, "/api/v1/audit/events?action=audit.export", s.Admin).JSON(t, &list)
			if len(list.Items) < 3 || list.Items[0].ActorRole != "auditor" {
				t.Fatalf("export reads: %+v", list.Items)
			}
		})
	})
}
