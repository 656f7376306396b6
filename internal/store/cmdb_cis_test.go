package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

func newCIRecord(name string, now time.Time) cmdb.CI {
	return cmdb.CI{ID: "id-" + name, Name: name, Type: cmdb.TypeServer, Criticality: cmdb.CriticalityLow,
		Attributes: map[string]string{"rack": "R1"}, State: cmdb.StatePlanned, Version: 1, CreatedAt: now, UpdatedAt: now}
}

// TestCIStore: the version check makes the second of two writers from the
// same version a conflict, names are unique, and lookups by id, name and
// many ids work.
func TestCIStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		in := func(fn func(tx *store.Tx) error) error {
			return db.InTx(ctx, func(_ context.Context, tx *store.Tx) error { return fn(tx) })
		}
		c := newCIRecord("web-01", now)
		if err := in(func(tx *store.Tx) error { return tx.CreateCI(ctx, &c) }); err != nil {
			t.Fatal(err)
		}
		t.Run("ErrDuplicateName", func(t *testing.T) {
			d := newCIRecord("web-01", now)
			d.ID = "other"
			if err := in(func(tx *store.Tx) error { return tx.CreateCI(ctx, &d) }); !errs.Is(err, errs.Conflict) {
				t.Fatalf("duplicate name: %v", err)
			}
		})
		t.Run("ErrLostUpdate", func(t *testing.T) {
			a, b := c, c
			a.Owner, b.Owner = "ops", "dba"
			if err := in(func(tx *store.Tx) error { return tx.UpdateCI(ctx, &a, 1) }); err != nil || a.Version != 2 {
				t.Fatalf("first writer: %v, version %d", err, a.Version)
			}
			if err := in(func(tx *store.Tx) error { return tx.UpdateCI(ctx, &b, 1) }); !errs.Is(err, errs.Conflict) {
				t.Fatalf("second writer from the same version: %v", err)
			}
			var got cmdb.CI
			_ = in(func(tx *store.Tx) (err error) { got, err = tx.FindCI(ctx, "web-01"); return err })
			if got.Owner != "ops" || got.Version != 2 || got.Attributes["rack"] != "R1" {
				t.Fatalf("stored: %+v", got)
			}
		})
		t.Run("OKVersions", func(t *testing.T) {
			v := cmdb.CIVersion{CIID: c.ID, Version: 1, Action: "ci.create", ActorID: "u", RecordedAt: now, Snapshot: c,
				Changes: map[string]cmdb.FieldChange{}}
			if err := in(func(tx *store.Tx) error { return tx.AppendCIVersion(ctx, v) }); err != nil {
				t.Fatal(err)
			}
			if err := in(func(tx *store.Tx) error { return tx.AppendCIVersion(ctx, v) }); !errs.Is(err, errs.Conflict) {
				t.Fatalf("the same version twice: %v", err)
			}
			err := in(func(tx *store.Tx) error {
				_, err := tx.FindCIVersionAt(ctx, c.ID, now.Add(-time.Second))
				return err
			})
			if !errs.Is(err, errs.NotFound) {
				t.Fatalf("before the first version: %v", err)
			}
		})
		t.Run("OKManyIDs", func(t *testing.T) {
			ids := []string{c.ID}
			for i := range 1200 {
				ids = append(ids, fmt.Sprintf("missing-%d", i))
			}
			var got []cmdb.CI
			err := in(func(tx *store.Tx) (err error) { got, err = tx.FindCIsByID(ctx, ids); return err })
			if err != nil || len(got) != 1 {
				t.Fatalf("FindCIsByID: %d, %v", len(got), err)
			}
		})
		t.Run("OKAttributeFilter", func(t *testing.T) {
			d := newCIRecord("web-02", now)
			d.Attributes = map[string]string{"rack": "R2", "ring": "0"}
			_ = in(func(tx *store.Tx) error { return tx.CreateCI(ctx, &d) })
			var got []cmdb.CI
			err := in(func(tx *store.Tx) (err error) {
				got, err = tx.FindCIs(ctx, cmdb.CIFilter{Attributes: map[string]string{"ring": "0", "rack": "R2"}, Limit: 10})
				return err
			})
			if err != nil || len(got) != 1 || got[0].Name != "web-02" {
				t.Fatalf("attribute filter: %v %v", got, err)
			}
			names := func(f cmdb.CIFilter) []string {
				var out []string
				_ = in(func(tx *store.Tx) error {
					cis, err := tx.FindCIs(ctx, f)
					for _, c := range cis {
						out = append(out, c.Name)
					}
					return err
				})
				return out
			}
			if got := names(cmdb.CIFilter{Query: "WEB-0", AfterName: "web-01", Limit: 10}); !slices.Equal(got, []string{"web-02"}) {
				t.Fatalf("keyset: %v", got)
			}
			if got := names(cmdb.CIFilter{Query: "_", Limit: 10}); len(got) != 0 {
				t.Fatalf("LIKE wildcards are not escaped: %v", got)
			}
		})
	})
}
