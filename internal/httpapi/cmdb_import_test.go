package httpapi_test

import (
	"slices"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
)

func (e *cmdbEnv) importCSV(t *testing.T, p person, csv string) apitest.Response {
	t.Helper()
	return e.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/cis/import", Token: p.token, Body: csv,
		Header: map[string]string{"Content-Type": "text/csv; charset=utf-8"}})
}

type importOut struct {
	Created, Updated, Unchanged int
	Items                       []struct {
		Row     int    `json:"row"`
		Name    string `json:"name"`
		Outcome string `json:"outcome"`
	}
}

func TestImport(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCMDB(t, s)
		e.mustCI(t, "db-01", "medium", map[string]any{"owner": "dba", "attributes": map[string]string{"rack": "R1"}})
		csv := "name,type,criticality,owner,agent_id,attr.rack\n" +
			"web-01,server,high,ops," + e.agent.id + ",R2\n" +
			"db-01,database,critical,dba,,\n" +
			"web-02,server,low,ops,,R2\n"
		res := e.importCSV(t, e.cm, csv)
		var out importOut
		res.JSON(t, &out)
		if res.Status != 200 || out.Created != 2 || out.Updated != 1 || out.Items[1].Outcome != "updated" {
			t.Fatalf("import: %d %s", res.Status, res.Body)
		}
		db := e.getCI(t, "db-01")
		if db.Type != "database" || db.Criticality != "critical" || len(db.Attributes) != 0 || db.Version != 2 {
			t.Fatalf("db-01 after import: %+v", db)
		}
		if w := e.getCI(t, "web-01"); w.State != "planned" || w.AgentID != e.agent.id || w.Attributes["rack"] != "R2" {
			t.Fatalf("web-01: %+v", w)
		}
		t.Run("OKAgainUnchanged", func(t *testing.T) {
			var again importOut
			e.importCSV(t, e.cm, csv).JSON(t, &again)
			if again.Unchanged != 3 || e.getCI(t, "db-01").Version != 2 {
				t.Fatalf("re-import: %+v", again)
			}
		})
		t.Run("OKJSON", func(t *testing.T) {
			res := e.do(t, e.admin, "POST", "/api/v1/cis/import", `[{"name":"web-02","owner":"web team"},
				{"name":"lb-01","type":"network_device","criticality":"high","attributes":{"vip":"10.0.0.1"}}]`)
			var out importOut
			res.JSON(t, &out)
			if res.Status != 200 || out.Created != 1 || out.Updated != 1 {
				t.Fatalf("json: %d %s", res.Status, res.Body)
			}
			if w := e.getCI(t, "web-02"); w.Owner != "web team" || w.Criticality != "low" || w.Attributes["rack"] != "R2" {
				t.Fatalf("web-02: %+v", w)
			}
		})
		t.Run("ErrBadRowsWriteNothing", func(t *testing.T) {
			before := countItems(t, s, "/api/v1/cis?limit=200")
			bad := "name,type,criticality,owner,agent_id\n" +
				"new-01,server,high,ops,\n" +
				"web-01,server,extreme,ops,\n" +
				"new-02,,low,ops,\n" +
				"new-01,server,low,ops,\n" +
				"new-03,server,low,ops," + e.requester.id + "\n" +
				"db-01,database,low,the owner,\n"
			p := e.importCSV(t, e.cm, bad).Problem(t)
			for _, f := range []string{"rows[2].criticality", "rows[3].type", "rows[4].name", "rows[5].agent_id"} {
				if !p.HasField(f) {
					t.Errorf("problem does not name %s: %+v", f, p.Errors)
				}
			}
			if p.Status != 400 || len(p.Errors) != 4 {
				t.Fatalf("bad import: %+v", p)
			}
			if n := countItems(t, s, "/api/v1/cis?limit=200"); n != before {
				t.Fatalf("%d CIs before, %d after", before, n)
			}
			if db := e.getCI(t, "db-01"); db.Criticality != "critical" || db.Version != 2 {
				t.Fatalf("db-01 changed: %+v", db)
			}
		})
		t.Run("ErrRoles", func(t *testing.T) {
			if p := e.importCSV(t, e.requester, csv).Problem(t); p.Status != 403 {
				t.Fatalf("requester import: %+v", p)
			}
		})
		if got := e.auditActions(t, db.ID); !slices.Equal(got, []string{"ci.create:success", "ci.update:success"}) {
			t.Fatalf("audit of db-01: %v", got)
		}
	})
}
