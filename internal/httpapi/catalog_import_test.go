package httpapi_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
)

func TestImportAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCatalog(t, s)
		t.Run("OKEveryCorpusFile", func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join(csafDir, "*.json"))
			for _, f := range files {
				name := filepath.Base(f)
				var hash []byte
				if slices.Contains([]string{"va-24-201-01.json", "icsa-24-004-01.json"}, name) {
					hash = readCSAF(t, name+".sha512")
				}
				res := e.importForm(t, e.rm, name, readCSAF(t, name), hash)
				var out updateImportOut
				res.JSON(t, &out)
				if res.Status != http.StatusCreated || out.Outcome != "imported" || res.Header.Get("Location") == "" {
					t.Fatalf("%s: %d %s", name, res.Status, res.Body)
				}
				if hash != nil && out.Update.Document.DigestVerified != "sha512" {
					t.Errorf("%s: digest not verified: %+v", name, out.Update.Document)
				}
			}
		})
		t.Run("OKUnchangedAsRawBody", func(t *testing.T) {
			res := e.importRaw(t, e.cm, readCSAF(t, "rhsa-2022_0011.json"))
			var out updateImportOut
			res.JSON(t, &out)
			if res.Status != http.StatusOK || out.Outcome != "unchanged" || out.Update.VendorID != "RHSA-2022:0011" {
				t.Fatalf("re-import: %d %s", res.Status, res.Body)
			}
		})
		t.Run("ErrTamperedByHash", func(t *testing.T) {
			doc := strings.Replace(string(readCSAF(t, "va-24-201-01.json")), "Adminer", "Adm1ner", 1)
			p := e.importForm(t, e.rm, "va-24-201-01.json", []byte(doc), readCSAF(t, "va-24-201-01.json.sha512")).Problem(t)
			if p.Status != http.StatusBadRequest || !p.HasField("digest") {
				t.Fatalf("tampered: %+v", p)
			}
		})
		t.Run("ErrStructureByPointer", func(t *testing.T) {
			var doc map[string]any
			json.Unmarshal(readCSAF(t, "bsi-2022-0001.json"), &doc)
			doc["document"].(map[string]any)["tracking"].(map[string]any)["version"] = 7
			raw, _ := json.Marshal(doc)
			p := e.importRaw(t, e.rm, raw).Problem(t)
			if p.Status != http.StatusBadRequest || !p.HasField("/document/tracking/version") {
				t.Fatalf("structure: %+v", p)
			}
		})
		t.Run("ErrRequests", func(t *testing.T) {
			for name, req := range map[string]apitest.Request{
				"Content-Type": {Body: "x", Header: map[string]string{"Content-Type": "text/plain"}},
				"body":         {Body: []byte{}},
				"document": {Body: "--b\r\nContent-Disposition: form-data; name=\"hash\"\r\n\r\nab  x\r\n--b--\r\n",
					Header: map[string]string{"Content-Type": "multipart/form-data; boundary=b"}},
			} {
				req.Method, req.Path, req.Token = "POST", "/api/v1/updates/import", e.rm.token
				if p := s.Do(t, req).Problem(t); p.Status != http.StatusBadRequest || !p.HasField(name) {
					t.Errorf("%s: %+v", name, p)
				}
			}
			if p := e.importRaw(t, e.requester, readCSAF(t, "bsi-2022-0001.json")).Problem(t); p.Status != http.StatusForbidden {
				t.Errorf("requester importing: %+v", p)
			}
		})
		t.Run("OKLargerThanTheGlobalLimit", func(t *testing.T) {
			var doc map[string]any
			json.Unmarshal(readCSAF(t, "rhsa-2021_5217.json"), &doc)
			d := doc["document"].(map[string]any)
			d["tracking"].(map[string]any)["id"] = "RHSA-2021:9999"
			d["notes"] = append(d["notes"].([]any), map[string]any{"category": "general", "title": "padding",
				"text": strings.Repeat("a large advisory. ", 120000)})
			raw, _ := json.Marshal(doc)
			if len(raw) < 2<<20 {
				t.Fatalf("only %d bytes", len(raw))
			}
			if res := e.importRaw(t, e.rm, raw); res.Status != http.StatusCreated {
				t.Fatalf("2 MiB advisory: %d %.300s", res.Status, res.Body)
			}
			// Every other route keeps the 1 MiB limit.
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/updates", Token: e.rm.token, Body: raw})
			if p := res.Problem(t); p.Status != http.StatusRequestEntityTooLarge {
				t.Fatalf("manual entry of 2 MiB: %+v", p)
			}
		})
	})
}

func TestImportRevisionAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCatalog(t, s)
		e.mustImport(t, "va-24-201-01.json")
		var doc map[string]any
		json.Unmarshal(readCSAF(t, "va-24-201-01.json"), &doc)
		tr := doc["document"].(map[string]any)["tracking"].(map[string]any)
		tr["version"], tr["current_release_date"] = "1.1.0", "2024-10-01T00:00:00Z"
		tr["revision_history"] = append(tr["revision_history"].([]any),
			map[string]any{"number": "1.1.0", "date": "2024-10-01T00:00:00Z", "summary": "reboot after the fix"})
		doc["document"].(map[string]any)["title"] = "Adminer and AdminerEvo Multiple Vulnerabilities (revised)"
		raw, _ := json.Marshal(doc)
		res := e.importRaw(t, e.rm, raw)
		var out updateImportOut
		res.JSON(t, &out)
		if res.Status != http.StatusOK || out.Outcome != "updated" || out.Update.Document.Version != "1.1.0" ||
			len(out.Changes) != 1 || !strings.HasPrefix(out.Changes[0], "title:") {
			t.Fatalf("revision: %d %s", res.Status, res.Body)
		}
		var page struct {
			Items []struct{ Action, Reason string } `json:"items"`
		}
		e.do(t, e.auditor, "GET", "/api/v1/audit/events?entity_type=update&entity_id="+out.Update.ID, nil).JSON(t, &page)
		var actions []string
		for _, ev := range page.Items {
			actions = append(actions, ev.Action)
		}
		if !slices.Equal(actions, []string{"update.import", "update.revise"}) || !strings.Contains(page.Items[1].Reason, "1.0.1 → 1.1.0") {
			t.Fatalf("audit trail: %+v", page.Items)
		}
	})
}
