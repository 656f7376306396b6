package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/store"
)

// TestStatementsPerRequest pins how many SQL statements (BEGIN and COMMIT
// included) each main operation sends, through the real service: a new
// round trip fails it. docs/performance.md has the counts before and
// after issue 14 and why each statement is there.
func TestStatementsPerRequest(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		var n atomic.Int64
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.App.HTTP.ServeHTTP(w, r.WithContext(store.CountStatements(r.Context(), &n)))
		}))
		t.Cleanup(hs.Close)
		_, requester := s.MustUser(t, "stmt-requester", "requester")
		_, cm := s.MustUser(t, "stmt-cm", "change_manager")
		var cis []string
		for _, name := range []string{"stmt-web", "stmt-db"} {
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/cis", Token: s.Admin,
				Body: map[string]any{"name": name, "type": "server", "criticality": "medium"}})
			var ci struct{ ID string }
			res.JSON(t, &ci)
			cis = append(cis, ci.ID)
		}
		start := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
		body, _ := json.Marshal(map[string]any{"title": "counted", "reason": "CVE fixes", "affected_cis": cis,
			"implementation_plan": "upgrade", "backout_plan": "downgrade", "test_plan": "smoke",
			"window": map[string]string{"start": start.Format(time.RFC3339), "end": start.Add(48 * time.Hour).Format(time.RFC3339), "time_zone": "UTC"}})
		var id string
		count := func(t *testing.T, method, path, token string, body []byte, want int) int64 {
			t.Helper()
			before := n.Load()
			req, _ := http.NewRequest(method, hs.URL+path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != want {
				t.Fatalf("%s %s: %d", method, path, res.StatusCode)
			}
			if id == "" {
				var out struct{ ID string }
				_ = json.NewDecoder(res.Body).Decode(&out)
				id = out.ID
			}
			return n.Load() - before
		}
		for _, c := range []struct {
			name         string
			method, path func() string
			token        string
			body         []byte
			status       int
			want         int64
		}{
			// create: 9 after issue 14, and 6 more since the schedule's
			// conflict check on the planned window (CIs, groups, windows,
			// overlapping RFCs) runs in it, and 1 for the deployment waves
			// overlapping it (release management's WaveSource).
			{"create", str("POST"), str("/api/v1/changes"), requester, body, http.StatusCreated, 16},
			{"submit", str("POST"), func() string { return "/api/v1/changes/" + id + "/transitions" }, requester,
				[]byte(`{"event":"submit"}`), http.StatusOK, 6},
			{"get", str("GET"), func() string { return "/api/v1/changes/" + id }, cm, nil, http.StatusOK, 2},
			{"history", str("GET"), func() string { return "/api/v1/changes/" + id + "/history" }, cm, nil, http.StatusOK, 3},
			{"list", str("GET"), str("/api/v1/changes?state=submitted&limit=50"), cm, nil, http.StatusOK, 2},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := count(t, c.method(), c.path(), c.token, c.body, c.status); got != c.want {
					t.Errorf("%s sent %d SQL statements, want %d", c.name, got, c.want)
				}
			})
		}
	})
}

func str(s string) func() string { return func() string { return s } }
