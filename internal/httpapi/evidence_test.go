package httpapi_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/evidence"
)

func TestEvidencePack(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		r := c.toAwaiting(t, "patch web-01 <script>alert(1)</script>", "significant", "emergency")
		c.vote(t, c.members[0], r.ID, "approve")
		c.mustFire(t, c.rm, r.ID, "start", nil)
		c.mustFire(t, c.rm, r.ID, "complete", nil)
		s.Seal(t)
		keys, err := audit.ParsePublicKeyPEM(get(t, s, "/api/v1/audit/public-key", c.auditor.token).Body)
		if err != nil {
			t.Fatal(err)
		}
		res := get(t, s, "/api/v1/changes/"+r.ID+"/evidence", c.auditor.token)
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("evidence: %d %s", res.Status, res.Body)
		}
		rep, err := evidence.Verify(bytes.NewReader(res.Body), int64(len(res.Body)), keys)
		if err != nil || !rep.OK || rep.Events < 6 || rep.Proven != rep.Events-rep.Manifest.Unsealed || rep.Manifest.Unsealed > 1 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		zr, _ := zip.NewReader(bytes.NewReader(res.Body), int64(len(res.Body)))
		for _, name := range []string{"index.html", "rfc.json", "steps.json", "votes.json", "baseline.json", "schedule.json", "events.ndjson", "chain.ndjson", "checkpoint.json"} {
			f, err := zr.Open(name)
			if err != nil {
				t.Fatalf("%s missing", name)
			}
			b, _ := io.ReadAll(f)
			if name == "index.html" && (strings.Contains(string(b), "<script>alert") || !strings.Contains(string(b), "Approval route")) {
				t.Fatalf("index.html:\n%s", b)
			}
		}
		t.Run("ErrOneByteChanged", func(t *testing.T) {
			// Change one byte of each file's stored content in turn.
			for _, f := range zr.File {
				off, err := f.DataOffset()
				if err != nil || f.CompressedSize64 == 0 {
					continue
				}
				bad := bytes.Clone(res.Body)
				bad[off+int64(f.CompressedSize64)/2] ^= 0x01
				if rep, err := evidence.Verify(bytes.NewReader(bad), int64(len(bad)), keys); err == nil && rep.OK {
					t.Fatalf("a changed byte in %s went unnoticed", f.Name)
				}
			}
		})
		t.Run("ErrOtherKey", func(t *testing.T) {
			other, _ := audit.GenerateKeys()
			if rep, _ := evidence.Verify(bytes.NewReader(res.Body), int64(len(res.Body)), audit.PublicKeys(other.PublicKey())); rep.OK {
				t.Fatal("verified with another key")
			}
		})
		t.Run("ErrRefusedRole", func(t *testing.T) {
			if p := get(t, s, "/api/v1/changes/"+r.ID+"/evidence", c.agent.token).Problem(t); p.Status != 403 {
				t.Fatalf("agent: %d", p.Status)
			}
			if p := get(t, s, "/api/v1/changes/nope/evidence", c.auditor.token).Problem(t); p.Status != 404 {
				t.Fatalf("missing rfc: %d", p.Status)
			}
		})
	})
}
