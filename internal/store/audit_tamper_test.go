package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// trail is a sealed chain of ten events with a signed checkpoint of its
// head, stored and published to a file, as the service leaves it.
type trail struct {
	db   *store.DB
	keys *audit.Keys
	file *audit.CheckpointFile
}

func mustTrail(t *testing.T, db *store.DB) trail {
	t.Helper()
	keys, err := audit.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	tr := trail{db: db, keys: keys, file: &audit.CheckpointFile{Path: filepath.Join(t.TempDir(), "checkpoints.jsonl")}}
	mustAppend(t, db, 10)
	if _, err := audit.NewSealer(db, time.Second, slog.Default()).WithKeys(keys).SealNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := tr.service(keys).WriteCheckpoint(context.Background())
	if err != nil || c.Seq != 10 {
		t.Fatalf("checkpoint %+v: %v", c, err)
	}
	return tr
}

func (tr trail) service(keys *audit.Keys) *audit.Service {
	return audit.NewServiceWith(tr.db, time.Now, audit.Options{Keys: keys,
		Publishers: []audit.Publisher{tr.file}, Published: []audit.PublishedSource{tr.file}})
}

func (tr trail) verify(t *testing.T, keys *audit.Keys) audit.Report {
	t.Helper()
	r, err := tr.service(keys).VerifyNow(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return r
}

// recompute rewrites event id's reason with a matching content hash and
// recomputes every later link, as someone with the database but not the
// audit key would: the plain chain verifies again, the MACs do not.
func recompute(t *testing.T, db *store.DB, id int64) []string {
	t.Helper()
	evs, err := db.FindAuditEvents(context.Background(), audit.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var stmts []string
	prev := audit.GenesisHash
	for _, e := range evs {
		if e.ID == id {
			e.Reason = "nothing to see"
			e.ContentHash = audit.ContentHash(e)
			stmts = append(stmts, fmt.Sprintf("UPDATE audit_events SET reason = '%s', content_hash = '%s' WHERE id = %d", e.Reason, e.ContentHash, id))
		}
		h := audit.ChainHash(prev, e.Seq, e.ID, e.ContentHash)
		if e.ID >= id {
			stmts = append(stmts, fmt.Sprintf("UPDATE audit_seals SET prev_hash = '%s', hash = '%s' WHERE seq = %d", prev, h, e.Seq))
		}
		prev = h
	}
	return stmts
}

// TestAuditTamperingIsDetected tampers with the trail directly in the
// database in every way we know, and expects each to be detected with the
// first broken sequence named.
func TestAuditTamperingIsDetected(t *testing.T) {
	other, err := audit.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		// stmts returns the tampering statements.
		stmts func(t *testing.T, tr trail) []string
		// keys verifies, the trail's own when nil.
		keys   func(tr trail) *audit.Keys
		broken int64
	}{
		{name: "altered", broken: 4, stmts: func(*testing.T, trail) []string {
			return []string{"UPDATE audit_events SET reason = 'nothing to see' WHERE id = 4"}
		}},
		{name: "middle deleted", broken: 6, stmts: func(*testing.T, trail) []string {
			return []string{"DELETE FROM audit_events WHERE id = 6"}
		}},
		{name: "middle deleted with its seal", broken: 6, stmts: func(*testing.T, trail) []string {
			return []string{"DELETE FROM audit_events WHERE id = 6", "DELETE FROM audit_seals WHERE seq = 6"}
		}},
		{name: "reordered", broken: 3, stmts: func(*testing.T, trail) []string {
			return []string{"UPDATE audit_events SET id = -3 WHERE id = 3", "UPDATE audit_events SET id = 3 WHERE id = 5",
				"UPDATE audit_events SET id = 5 WHERE id = -3"}
		}},
		{name: "seal removed", broken: 7, stmts: func(*testing.T, trail) []string {
			return []string{"DELETE FROM audit_seals WHERE seq = 7"}
		}},
		{name: "inserted below the first seal", broken: 1, stmts: func(*testing.T, trail) []string {
			return []string{"INSERT INTO audit_events (id, occurred_at, actor_id, action, outcome, content_hash) " +
				"VALUES (0, '2020-01-01 00:00:00', 'u9', 'user.create', 'success', 'x')"}
		}},
		{name: "inserted with a negative id", broken: 1, stmts: func(*testing.T, trail) []string {
			return []string{"INSERT INTO audit_events (id, occurred_at, actor_id, action, outcome, content_hash) " +
				"VALUES (-7, '2020-01-01 00:00:00', 'u9', 'user.create', 'success', 'x')"}
		}},
		{name: "trail emptied", broken: 1, stmts: func(*testing.T, trail) []string {
			return []string{"DELETE FROM audit_seals", "DELETE FROM audit_events", "DELETE FROM audit_checkpoints"}
		}},
		{name: "chain recomputed", broken: 4, stmts: func(t *testing.T, tr trail) []string { return recompute(t, tr.db, 4) }},
		{name: "chain recomputed, checked with the public key only", broken: 1,
			stmts: func(t *testing.T, tr trail) []string { return recompute(t, tr.db, 4) },
			keys:  func(tr trail) *audit.Keys { return audit.PublicKeys(tr.keys.PublicKey()) }},
		{name: "tail truncated with its seals", broken: 8, stmts: func(*testing.T, trail) []string {
			return []string{"DELETE FROM audit_seals WHERE seq >= 8", "DELETE FROM audit_events WHERE id >= 8"}
		}},
		{name: "tail truncated with its seals and stored checkpoints", broken: 8, stmts: func(*testing.T, trail) []string {
			return []string{"DELETE FROM audit_seals WHERE seq >= 8", "DELETE FROM audit_events WHERE id >= 8", "DELETE FROM audit_checkpoints"}
		}},
		{name: "last seal deleted and its event changed", broken: 10, stmts: func(*testing.T, trail) []string {
			return []string{"DELETE FROM audit_seals WHERE seq = 10", "UPDATE audit_events SET reason = 'x' WHERE id = 10"}
		}},
		{name: "last seal deleted and its event rewritten with its hash", broken: 10, stmts: func(t *testing.T, tr trail) []string {
			s := recompute(t, tr.db, 10)
			return []string{"DELETE FROM audit_seals WHERE seq = 10", s[0]}
		}},
		{name: "checkpoint replaced", broken: 5, stmts: func(t *testing.T, tr trail) []string {
			return []string{"DELETE FROM audit_seals WHERE seq > 5", "DELETE FROM audit_events WHERE id > 5",
				"UPDATE audit_checkpoints SET seq = 5, head_hash = (SELECT hash FROM audit_seals WHERE seq = 5)"}
		}},
		{name: "checkpoint forged with another key", broken: 12, stmts: func(t *testing.T, tr trail) []string {
			c := other.SignCheckpoint(12, "f00d", time.Now())
			return []string{fmt.Sprintf("INSERT INTO audit_checkpoints (seq, head_hash, signed_at, key_id, signature) VALUES (12, 'f00d', '%s', '%s', '%s')",
				c.SignedAt.Format("2006-01-02 15:04:05.999999"), c.KeyID, c.Signature)}
		}},
		{name: "key swapped", broken: 10, stmts: func(*testing.T, trail) []string { return nil },
			keys: func(trail) *audit.Keys { return other }},
	}
	for _, d := range storetest.Dialects(t) {
		for _, c := range cases {
			t.Run(string(d)+"/"+c.name, func(t *testing.T) {
				db := storetest.MustOpen(t, d, store.Options{})
				tr := mustTrail(t, db)
				if r := tr.verify(t, tr.keys); !r.OK || r.Checked != 10 || !r.MACsChecked || r.Checkpoint == nil || r.Checkpoint.Seq != 10 {
					t.Fatalf("before tampering: %+v", r)
				}
				if stmts := c.stmts(t, tr); len(stmts) > 0 {
					tamper(t, db, stmts...)
				}
				keys := tr.keys
				if c.keys != nil {
					keys = c.keys(tr)
				}
				r := tr.verify(t, keys)
				if r.OK || r.FirstBroken != c.broken || r.Reason == "" {
					t.Fatalf("got %+v, want first_broken %d", r, c.broken)
				}
				t.Log(r.Reason)
			})
		}
	}
}

// TestAuditTailAfterTheLastCheckpoint documents the one deletion a chain
// and its checkpoints cannot see: events sealed after the last checkpoint,
// removed with their seals before the next one. The checkpoint interval
// bounds that window.
func TestAuditTailAfterTheLastCheckpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tr := mustTrail(t, db)
		mustAppend(t, db, 2)
		if _, err := audit.NewSealer(db, time.Second, slog.Default()).WithKeys(tr.keys).SealNow(context.Background()); err != nil {
			t.Fatal(err)
		}
		tamper(t, db, "DELETE FROM audit_seals WHERE seq > 10", "DELETE FROM audit_events WHERE id > 10")
		if r := tr.verify(t, tr.keys); !r.OK || r.Checked != 10 {
			t.Fatalf("got %+v", r)
		}
	})
}
