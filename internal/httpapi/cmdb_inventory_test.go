package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

type pkg struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Version      string `json:"version"`
	Architecture string `json:"architecture"`
}

type inventoryOut struct {
	CIID         string    `json:"ci_id"`
	ReportedAt   time.Time `json:"reported_at"`
	AgeSeconds   int64     `json:"age_seconds"`
	PackageCount int       `json:"package_count"`
	Version      int64     `json:"version"`
	First        bool      `json:"first"`
	Unchanged    bool      `json:"unchanged"`
	Diff         struct {
		Added   []pkg `json:"added"`
		Removed []pkg `json:"removed"`
		Changed []struct {
			Name     string `json:"name"`
			From, To string
		} `json:"changed"`
	} `json:"diff"`
	Packages []pkg `json:"packages"`
}

func (e *cmdbEnv) report(t *testing.T, p person, ci string, at time.Time, pkgs ...pkg) apitest.Response {
	t.Helper()
	if pkgs == nil {
		pkgs = []pkg{}
	}
	return e.do(t, p, "PUT", "/api/v1/cis/"+ci+"/inventory", map[string]any{"reported_at": at.Format(time.RFC3339), "packages": pkgs})
}

func debPkg(name, version string) pkg { return pkg{"deb", name, version, "amd64"} }

func TestInventory(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			clock := &apitest.Clock{}
			t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
			clock.Set(t0)
			s := apitest.NewWithClock(t, d, clock)
			e := newCMDB(t, s)
			c := e.mustCI(t, "web-01", "high", map[string]any{"agent_id": e.agent.id})
			first := []pkg{debPkg("bash", "5.2"), debPkg("openssl", "3.0.11"), debPkg("curl", "7.88"), {"kb", "KB5034441", "", ""}}
			var out inventoryOut
			res := e.report(t, e.agent, "web-01", t0.Add(-time.Hour), first...)
			res.JSON(t, &out)
			if res.Status != 200 || !out.First || out.PackageCount != 4 || len(out.Diff.Added) != 4 || out.CIID != c.ID {
				t.Fatalf("first report: %d %s", res.Status, res.Body)
			}
			t.Run("OKDiff", func(t *testing.T) {
				res := e.report(t, e.agent, c.ID, t0.Add(-time.Minute), debPkg("bash", "5.2"), debPkg("openssl", "3.0.13"),
					debPkg("zlib", "1.2"), pkg{"kb", "KB5034441", "", ""})
				var got inventoryOut
				res.JSON(t, &got)
				if res.Status != 200 || got.First || got.Version != 2 || len(got.Diff.Added) != 1 || got.Diff.Added[0].Name != "zlib" ||
					len(got.Diff.Removed) != 1 || got.Diff.Removed[0].Name != "curl" || len(got.Diff.Changed) != 1 ||
					got.Diff.Changed[0].From != "3.0.11" || got.Diff.Changed[0].To != "3.0.13" {
					t.Fatalf("second report: %d %s", res.Status, res.Body)
				}
			})
			t.Run("OKGetWithAge", func(t *testing.T) {
				var got inventoryOut
				e.do(t, e.requester, "GET", "/api/v1/cis/web-01/inventory", nil).JSON(t, &got)
				names := []string{}
				for _, p := range got.Packages {
					names = append(names, p.Kind+"/"+p.Name+"="+p.Version)
				}
				want := []string{"deb/bash=5.2", "deb/openssl=3.0.13", "deb/zlib=1.2", "kb/KB5034441="}
				if !slices.Equal(names, want) || got.AgeSeconds != 60 || got.PackageCount != 4 {
					t.Fatalf("inventory: %v, age %d", names, got.AgeSeconds)
				}
			})
			t.Run("OKRepeatChangesNothing", func(t *testing.T) {
				res := e.report(t, e.agent, c.ID, t0.Add(-time.Minute), debPkg("zlib", "1.2"), debPkg("openssl", "3.0.13"),
					debPkg("bash", "5.2"), pkg{"kb", "KB5034441", "", ""})
				var got inventoryOut
				res.JSON(t, &got)
				if res.Status != 200 || !got.Unchanged || got.Version != 2 {
					t.Fatalf("repeat: %d %s", res.Status, res.Body)
				}
			})
			t.Run("ErrOlderReport", func(t *testing.T) {
				if p := e.report(t, e.agent, c.ID, t0.Add(-2*time.Hour)).Problem(t); p.Status != 409 {
					t.Fatalf("older report: %+v", p)
				}
			})
			t.Run("ErrWrongAgent", func(t *testing.T) {
				if p := e.report(t, e.agent2, c.ID, t0).Problem(t); p.Status != 403 {
					t.Fatalf("wrong agent: %+v", p)
				}
				if p := e.report(t, e.cm, c.ID, t0).Problem(t); p.Status != 403 {
					t.Fatalf("change manager: %+v", p)
				}
			})
			t.Run("OKAdmin", func(t *testing.T) {
				if res := e.report(t, e.admin, c.ID, t0, debPkg("bash", "5.2")); res.Status != 200 {
					t.Fatalf("admin: %d %s", res.Status, res.Body)
				}
			})
			// One event per stored report, each carrying its difference;
			// the refusals are there too.
			got := e.auditActions(t, c.ID)
			want := []string{"ci.create:success", "ci.inventory:success", "ci.inventory:success",
				"ci.inventory:denied", "ci.inventory:denied", "ci.inventory:success"}
			if !slices.Equal(got, want) {
				t.Fatalf("audit: %v\nwant %v", got, want)
			}
			checkInventoryEvent(t, e, c.ID)
		})
	}
}

// checkInventoryEvent checks the second report's event: the difference,
// not the whole list.
func checkInventoryEvent(t *testing.T, e *cmdbEnv, id string) {
	t.Helper()
	var page struct {
		Items []struct {
			Action string          `json:"action"`
			After  json.RawMessage `json:"after"`
		} `json:"items"`
	}
	e.do(t, e.auditor, "GET", "/api/v1/audit/events?action=ci.inventory&entity_id="+id, nil).JSON(t, &page)
	var after struct {
		PackageCount int              `json:"package_count"`
		Added        []map[string]any `json:"added"`
		Removed      []map[string]any `json:"removed"`
		Changed      []map[string]any `json:"changed"`
	}
	if err := json.Unmarshal(page.Items[1].After, &after); err != nil {
		t.Fatal(err)
	}
	if after.PackageCount != 4 || len(after.Added) != 1 || len(after.Removed) != 1 || len(after.Changed) != 1 ||
		after.Changed[0]["from"] != "3.0.11" {
		t.Fatalf("event: %s", page.Items[1].After)
	}
}

func TestInventoryRetiredAndUnknown(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCMDB(t, s)
		c := e.mustCI(t, "old-01", "low", map[string]any{"agent_id": e.agent.id})
		if p := e.do(t, e.requester, "GET", "/api/v1/cis/old-01/inventory", nil).Problem(t); p.Status != 404 {
			t.Fatalf("no inventory yet: %+v", p)
		}
		e.fire(t, c.ID, "retire")
		if p := e.report(t, e.agent, c.ID, time.Now()).Problem(t); p.Status != 409 {
			t.Fatalf("retired: %+v", p)
		}
		if p := e.report(t, e.agent, "nope", time.Now()).Problem(t); p.Status != http.StatusNotFound {
			t.Fatalf("unknown CI: %+v", p)
		}
	})
}
