package httpapi_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
)

type groupOut struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Members []string `json:"members"`
	Version int64    `json:"version"`
}

func (e *cmdbEnv) groupNames(t *testing.T, group string) []string {
	t.Helper()
	var page struct{ Items []ciOut }
	res := e.do(t, e.requester, "GET", "/api/v1/ci-groups/"+group+"/cis?limit=200", nil)
	if res.Status != 200 {
		t.Fatalf("resolve %s: %d %s", group, res.Status, res.Body)
	}
	res.JSON(t, &page)
	var out []string
	for _, c := range page.Items {
		out = append(out, c.Name)
	}
	return out
}

func TestGroups(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCMDB(t, s)
		ids := map[string]string{}
		for i := range 6 {
			env := []string{"production", "test"}[i%2]
			c := e.mustCI(t, fmt.Sprintf("web-%d", i), "medium", map[string]any{"environment": env,
				"attributes": map[string]string{"patch_ring": fmt.Sprint(i % 3)}})
			ids[c.Name] = c.ID
		}
		res := e.do(t, e.cm, "POST", "/api/v1/ci-groups", map[string]any{"name": "pilot", "kind": "static",
			"members": []string{ids["web-4"], ids["web-1"]}})
		var pilot groupOut
		res.JSON(t, &pilot)
		if res.Status != 201 || len(pilot.Members) != 2 {
			t.Fatalf("static: %d %s", res.Status, res.Body)
		}
		res = e.do(t, e.cm, "POST", "/api/v1/ci-groups", map[string]any{"name": "prod ring 0", "kind": "dynamic",
			"filter": map[string]any{"environment": "production", "attributes": map[string]string{"patch_ring": "0"}}})
		var ring groupOut
		res.JSON(t, &ring)
		if res.Status != 201 {
			t.Fatalf("dynamic: %d %s", res.Status, res.Body)
		}
		if got := e.groupNames(t, pilot.ID); !slices.Equal(got, []string{"web-1", "web-4"}) {
			t.Fatalf("pilot: %v", got)
		}
		if got := e.groupNames(t, "prod ring 0"); !slices.Equal(got, []string{"web-0"}) {
			t.Fatalf("ring 0: %v", got)
		}
		t.Run("OKDynamicFollowsTheCIs", func(t *testing.T) {
			s.Patch(t, e.cm.token, "/api/v1/cis/web-2", map[string]any{"attributes": map[string]any{"patch_ring": "0"}})
			if got := e.groupNames(t, ring.ID); !slices.Equal(got, []string{"web-0", "web-2"}) {
				t.Fatalf("ring 0 after the change: %v", got)
			}
		})
		t.Run("OKPatchMembers", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/ci-groups/pilot", Token: e.cm.token,
				Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"members": []string{ids["web-5"]}}})
			if res.Status != 200 {
				t.Fatalf("patch: %d %s", res.Status, res.Body)
			}
			if got := e.groupNames(t, "pilot"); !slices.Equal(got, []string{"web-5"}) {
				t.Fatalf("pilot after patch: %v", got)
			}
			res = s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/ci-groups/pilot", Token: e.cm.token,
				Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"description": "x"}})
			if p := res.Problem(t); p.Status != 412 {
				t.Fatalf("stale: %+v", p)
			}
		})
		t.Run("OKListAndDelete", func(t *testing.T) {
			var list struct{ Items []groupOut }
			e.do(t, e.auditor, "GET", "/api/v1/ci-groups", nil).JSON(t, &list)
			if len(list.Items) != 2 || list.Items[0].Name != "pilot" || list.Items[0].Members != nil {
				t.Fatalf("list: %+v", list.Items)
			}
			if p := e.do(t, e.requester, "DELETE", "/api/v1/ci-groups/pilot", nil).Problem(t); p.Status != 403 {
				t.Fatalf("requester delete: %+v", p)
			}
			if res := e.do(t, e.cm, "DELETE", "/api/v1/ci-groups/pilot", nil); res.Status != 204 {
				t.Fatalf("delete: %d %s", res.Status, res.Body)
			}
			if p := e.do(t, e.cm, "GET", "/api/v1/ci-groups/pilot", nil).Problem(t); p.Status != 404 {
				t.Fatalf("after delete: %+v", p)
			}
		})
	})
}
