package httpapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
)

type relOut struct {
	ID         string `json:"id"`
	SourceName string `json:"source_name"`
	Type       string `json:"type"`
	TargetName string `json:"target_name"`
}

func (e *cmdbEnv) relate(t *testing.T, source, typ, target string) relOut {
	t.Helper()
	res := e.do(t, e.cm, "POST", "/api/v1/cis/"+source+"/relationships", map[string]any{"type": typ, "target_id": target})
	if res.Status != 201 {
		t.Fatalf("%s %s %s: %d %s", source, typ, target, res.Status, res.Body)
	}
	var r relOut
	res.JSON(t, &r)
	return r
}

type impactOut struct {
	Items []struct {
		Name      string `json:"name"`
		Direction string `json:"direction"`
		Depth     int    `json:"depth"`
		Path      []struct {
			Name string `json:"name"`
			Via  string `json:"via"`
		} `json:"path"`
	} `json:"items"`
	Summary struct {
		Total   int     `json:"total"`
		Highest *string `json:"highest"`
	} `json:"summary"`
}

func (e *cmdbEnv) impact(t *testing.T, ci, query string) []string {
	t.Helper()
	res := e.do(t, e.requester, "GET", "/api/v1/cis/"+ci+"/impact?"+query, nil)
	if res.Status != 200 {
		t.Fatalf("impact %s?%s: %d %s", ci, query, res.Status, res.Body)
	}
	var out impactOut
	res.JSON(t, &out)
	var got []string
	for _, it := range out.Items {
		var path []string
		for _, p := range it.Path {
			path = append(path, p.Via+">"+p.Name)
		}
		got = append(got, it.Direction[:1]+" "+it.Name+" "+strings.Join(path, ","))
	}
	return got
}

func TestRelationshipsAndImpact(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCMDB(t, s)
		for _, n := range []string{"esx", "vm", "app", "web", "x", "y", "z"} {
			crit := "low"
			if n == "web" {
				crit = "critical"
			}
			e.mustCI(t, n, crit, nil)
		}
		e.relate(t, "esx", "hosts", "vm")
		e.relate(t, "app", "runs_on", "vm")
		web := e.relate(t, "web", "depends_on", "app")
		for _, c := range []string{"x depends_on y", "y depends_on z", "z depends_on x"} {
			f := strings.Fields(c)
			e.relate(t, f[0], f[1], f[2])
		}
		t.Run("ErrDuplicate", func(t *testing.T) {
			res := e.do(t, e.cm, "POST", "/api/v1/cis/esx/relationships", map[string]any{"type": "hosts", "target_id": "vm"})
			if p := res.Problem(t); p.Status != 409 {
				t.Fatalf("duplicate: %+v", p)
			}
		})
		t.Run("OKList", func(t *testing.T) {
			var list struct{ Items []relOut }
			e.do(t, e.requester, "GET", "/api/v1/cis/app/relationships", nil).JSON(t, &list)
			var got []string
			for _, r := range list.Items {
				got = append(got, r.SourceName+" "+r.Type+" "+r.TargetName)
			}
			if want := []string{"web depends_on app", "app runs_on vm"}; !slices.Equal(got, want) {
				t.Fatalf("relationships of app: %v", got)
			}
			e.do(t, e.requester, "GET", "/api/v1/cis/app/relationships?direction=incoming", nil).JSON(t, &list)
			if len(list.Items) != 1 || list.Items[0].SourceName != "web" {
				t.Fatalf("incoming: %+v", list.Items)
			}
		})
		t.Run("OKImpact", func(t *testing.T) {
			if got, want := e.impact(t, "esx", "depth=3"), []string{"d vm hosts>vm", "d app hosts>vm,runs_on>app",
				"d web hosts>vm,runs_on>app,depends_on>web"}; !slices.Equal(got, want) {
				t.Fatalf("esx downstream: %v", got)
			}
			if got, want := e.impact(t, "esx", "depth=2"), []string{"d vm hosts>vm", "d app hosts>vm,runs_on>app"}; !slices.Equal(got, want) {
				t.Fatalf("esx downstream 2: %v", got)
			}
			if got, want := e.impact(t, "app", "direction=both&depth=5"), []string{"d web depends_on>web",
				"u vm runs_on>vm", "u esx runs_on>vm,hosts>esx"}; !slices.Equal(got, want) {
				t.Fatalf("app both: %v", got)
			}
			if got, want := e.impact(t, "x", "direction=upstream&depth=10"), []string{"u y depends_on>y",
				"u z depends_on>y,depends_on>z"}; !slices.Equal(got, want) {
				t.Fatalf("cycle: %v", got)
			}
		})
		t.Run("OKDelete", func(t *testing.T) {
			res := e.do(t, e.cm, "DELETE", "/api/v1/cis/app/relationships/"+web.ID, nil)
			if res.Status != 204 {
				t.Fatalf("delete: %d %s", res.Status, res.Body)
			}
			if got := e.impact(t, "esx", "depth=3"); len(got) != 2 {
				t.Fatalf("after delete: %v", got)
			}
			if p := e.do(t, e.cm, "DELETE", "/api/v1/cis/app/relationships/"+web.ID, nil).Problem(t); p.Status != 404 {
				t.Fatalf("delete twice: %+v", p)
			}
		})
		t.Run("ErrRoles", func(t *testing.T) {
			res := e.do(t, e.requester, "POST", "/api/v1/cis/x/relationships", map[string]any{"type": "hosts", "target_id": "esx"})
			if p := res.Problem(t); p.Status != 403 {
				t.Fatalf("requester relating: %+v", p)
			}
			if p := e.do(t, e.agent, "GET", "/api/v1/cis/x/impact", nil).Problem(t); p.Status != 403 {
				t.Fatalf("agent impact: %+v", p)
			}
		})
		if got := e.auditActions(t, e.getCI(t, "web").ID); !slices.Equal(got, []string{"ci.create:success", "ci.relate:success", "ci.unrelate:success"}) {
			t.Fatalf("audit of web: %v", got)
		}
	})
}
