package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/config"
)

func TestAuditCheckpointsAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		_, auditor := s.MustUser(t, "auditor1", "auditor")
		s.MustUser(t, "u1", "requester")
		s.Seal(t)
		t.Run("ErrAuditorMayNotWrite", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/audit/checkpoints", Token: auditor})
			if p := res.Problem(t); p.Status != http.StatusForbidden {
				t.Fatalf("got %d", p.Status)
			}
		})
		res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/audit/checkpoints", Token: s.Admin})
		if res.Status != http.StatusCreated {
			t.Fatalf("checkpoint: %d %s", res.Status, res.Body)
		}
		var made audit.Checkpoint
		res.JSON(t, &made)
		pem := get(t, s, "/api/v1/audit/public-key", auditor)
		keys, err := audit.ParsePublicKeyPEM(pem.Body)
		if err != nil || pem.Header.Get("X-Audit-Key-Id") != keys.KeyID() {
			t.Fatalf("public key %q: %v", pem.Body, err)
		}
		// The periodic job may add its own checkpoint at any time.
		var list struct{ Items []audit.Checkpoint }
		get(t, s, "/api/v1/audit/checkpoints", auditor).JSON(t, &list)
		found := false
		for i, c := range list.Items {
			if i > 0 && c.ID >= list.Items[i-1].ID {
				t.Fatalf("not newest first: %+v", list.Items)
			}
			if err := keys.VerifyCheckpoint(c); err != nil {
				t.Fatalf("a listed checkpoint does not verify with the public key: %v", err)
			}
			found = found || c == made
		}
		if !found {
			t.Fatalf("list %+v lacks %+v", list.Items, made)
		}
		var rep audit.Report
		get(t, s, "/api/v1/audit/verify", auditor).JSON(t, &rep)
		if !rep.OK || rep.Checkpoint == nil || rep.Checkpoint.Seq < made.Seq || !rep.MACsChecked {
			t.Fatalf("verify: %+v", rep)
		}

		// Deleting the tail with its seals (and the stored checkpoints) is
		// caught by the published checkpoint.
		tail := made.Seq
		tamperAPI(t, s, "DELETE FROM audit_seals WHERE seq >= "+itoa(tail),
			"DELETE FROM audit_events WHERE id >= (SELECT MIN(event_id) FROM audit_seals WHERE seq >= "+itoa(tail)+") OR id NOT IN (SELECT event_id FROM audit_seals)",
			"DELETE FROM audit_checkpoints")
		get(t, s, "/api/v1/audit/verify", auditor).JSON(t, &rep)
		if rep.OK || rep.FirstBroken != tail {
			b, _ := json.Marshal(rep)
			t.Fatalf("verify after truncation: %s, want first_broken %d", b, tail)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// tamperAPI runs statements behind the service's back with the append-only
// triggers out of the way.
func tamperAPI(t *testing.T, s *apitest.Server, stmts ...string) {
	t.Helper()
	db := s.App.DB.SQL()
	var pre, post []string
	if s.App.DB.Dialect() == config.Postgres {
		for _, tb := range []string{"audit_events", "audit_seals", "audit_checkpoints"} {
			pre = append(pre, "ALTER TABLE "+tb+" DISABLE TRIGGER USER")
			post = append(post, "ALTER TABLE "+tb+" ENABLE TRIGGER USER")
		}
	} else {
		for _, trg := range []string{"audit_events_no_delete", "audit_seals_no_delete", "audit_checkpoints_no_delete"} {
			pre = append(pre, "DROP TRIGGER "+trg)
		}
	}
	for _, q := range append(append(pre, stmts...), post...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
