package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// mustAgent creates an agent user and returns it as an actor.
func mustAgent(t *testing.T, db *store.DB, name string) identity.Actor {
	t.Helper()
	now := time.Now().UTC()
	u := auth.User{ID: "u-" + name, Username: name, Roles: []identity.Role{identity.Agent}, PasswordHash: "x",
		Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.InTx(context.Background(), func(ctx context.Context, tx *store.Tx) error { return tx.CreateUser(context.Background(), &u) }); err != nil {
		t.Fatal(err)
	}
	return u.Actor(u.Roles, "")
}

// storedPackages reads ci_packages as the catalog does: by SQL.
func storedPackages(t *testing.T, db *store.DB, ciID string) []string {
	t.Helper()
	rows, err := db.SQL().Query(rebind(db, "SELECT kind, name, architecture, version FROM ci_packages WHERE ci_id = ? ORDER BY kind, name, architecture"), ciID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, n, a, v string
		if err := rows.Scan(&k, &n, &a, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s/%s/%s=%s", k, n, a, v))
	}
	return out
}

func rebind(db *store.DB, q string) string {
	if db.Dialect() != "postgres" {
		return q
	}
	out, n := []byte{}, 0
	for i := range len(q) {
		if q[i] == '?' {
			n++
			out = fmt.Appendf(out, "$%d", n)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

func TestInventoryReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := MustCMDB(t, db)
		agent, other := mustAgent(t, db, "agent1"), mustAgent(t, db, "agent2")
		c, err := svc.CreateCI(ctx, cmdbAdmin, cmdb.CI{Name: "web-01", Type: cmdb.TypeServer,
			Criticality: cmdb.CriticalityHigh, AgentID: agent.UserID})
		if err != nil {
			t.Fatal(err)
		}
		// A first report of 1,200 packages: more than one insert batch.
		var first []cmdb.Package
		for i := range 1200 {
			first = append(first, cmdb.Package{Kind: cmdb.KindDeb, Name: fmt.Sprintf("pkg%04d", i), Version: "1.0", Architecture: "amd64"})
		}
		t0 := time.Now().UTC().Add(-time.Hour)
		res, err := svc.ReportInventory(ctx, agent, "web-01", cmdb.Report{ReportedAt: t0, Packages: first})
		if err != nil || !res.First || len(res.Diff.Added) != 1200 {
			t.Fatalf("first: %v %+v", err, res.Diff.Removed)
		}
		if n := len(storedPackages(t, db, c.ID)); n != 1200 {
			t.Fatalf("%d packages stored", n)
		}
		// The next: 400 removed, 300 upgraded, 2 added.
		next := slices.Clone(first[400:])
		for i := range 300 {
			next[i].Version = "2.0"
		}
		next = append(next, cmdb.Package{Kind: cmdb.KindRPM, Name: "pkg0000", Version: "1:1.0-1", Architecture: "x86_64"},
			cmdb.Package{Kind: cmdb.KindKB, Name: "KB5034441"})
		res, err = svc.ReportInventory(ctx, agent, c.ID, cmdb.Report{ReportedAt: t0.Add(time.Minute), Packages: next})
		if err != nil || len(res.Diff.Added) != 2 || len(res.Diff.Removed) != 400 || len(res.Diff.Changed) != 300 {
			t.Fatalf("next: %v added %d removed %d changed %d", err, len(res.Diff.Added), len(res.Diff.Removed), len(res.Diff.Changed))
		}
		got := storedPackages(t, db, c.ID)
		if len(got) != 802 || got[0] != "deb/pkg0400/amd64=2.0" || got[300] != "deb/pkg0700/amd64=1.0" ||
			got[800] != "kb/KB5034441/=" || got[801] != "rpm/pkg0000/x86_64=1:1.0-1" {
			t.Fatalf("stored: %d, %v … %v", len(got), got[:2], got[len(got)-2:])
		}
		inv, err := db.SQL().Query(rebind(db, "SELECT package_count, version FROM ci_inventories WHERE ci_id = ?"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var count, version int
		for inv.Next() {
			_ = inv.Scan(&count, &version)
		}
		_ = inv.Close()
		if count != 802 || version != 2 {
			t.Fatalf("ci_inventories: count %d version %d", count, version)
		}
		_, err = svc.ReportInventory(ctx, other, c.ID, cmdb.Report{ReportedAt: t0.Add(time.Hour), Packages: first})
		if !errs.Is(err, errs.Forbidden) {
			t.Fatalf("other agent: %v", err)
		}
		if queued := reportJobs(t, db); len(storedPackages(t, db, c.ID)) != 802 || !slices.Equal(queued, []string{c.ID, c.ID}) {
			t.Fatalf("the refused report wrote or enqueued: %v", queued)
		}
	})
}

// reportJobs lists the CI ids of the enqueued inventory jobs, in order.
func reportJobs(t *testing.T, db *store.DB) []string {
	t.Helper()
	// River keeps args as jsonb on both databases (binary on SQLite).
	q := "SELECT json(args) FROM river_job WHERE kind = ? ORDER BY id"
	if db.Dialect() == "postgres" {
		q = "SELECT args::text FROM river_job WHERE kind = ? ORDER BY id"
	}
	rows, err := db.SQL().Query(rebind(db, q), cmdb.InventoryReported{}.Kind())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var raw []byte
		var a cmdb.InventoryReported
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatalf("args %s: %v", raw, err)
		}
		out = append(out, a.CIID)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
