package httpapi_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
)

func (c *cab) window(t *testing.T, name, kind string, cis []string, from, to time.Duration) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	res := c.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/windows", Token: c.cm.token, Body: map[string]any{
		"name": name, "kind": kind, "scope": map[string]any{"cis": cis}, "time_zone": "UTC",
		"start": now.Add(from).Format(time.RFC3339), "end": now.Add(to).Format(time.RFC3339)}})
	if res.Status != http.StatusCreated {
		t.Fatalf("window %s: %d %s", name, res.Status, res.Body)
	}
}

// TestDeploymentWindows: invariant 2 through the calendar's real windows.
func TestDeploymentWindows(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		r := newRollout(t, s)
		r.window(t, "web freeze", "blackout", []string{r.web}, -10*time.Minute, 3*time.Hour)
		r.window(t, "db nights", "maintenance", []string{r.db}, 4*time.Hour, 6*time.Hour)
		try := func(w map[string]any) apitest.Response {
			return s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/releases/" + r.release.ID + "/deployments", Token: r.rm.token,
				Body: map[string]any{"waves": []map[string]any{w}}})
		}
		t.Run("ErrWaveInABlackout", func(t *testing.T) {
			res := try(wave([]string{r.web}, -time.Minute, time.Hour, 0))
			if res.Status != http.StatusUnprocessableEntity || !res.Problem(t).HasField("waves[0].window") {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("ErrWaveOutsideTheMaintenanceWindow", func(t *testing.T) {
			res := try(wave([]string{r.db}, time.Hour, 2*time.Hour, 0))
			if res.Status != http.StatusUnprocessableEntity || !res.Problem(t).HasField("waves[0].window") {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("InsideTheMaintenanceWindow", func(t *testing.T) {
			if res := try(wave([]string{r.db}, 4*time.Hour+time.Minute, 5*time.Hour, 0)); res.Status != http.StatusCreated {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
	})
}

// TestReadinessRefusedByABlackout: the readiness review names the window
// conflict of an RFC's planned window.
func TestReadinessRefusedByABlackout(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		rfc := c.approvedRFC(t, "during a freeze")
		c.window(t, "year-end freeze", "blackout", []string{c.web}, time.Hour, 2*time.Hour)
		body := releaseBody(rfc.ID)
		body["test_evidence"] = "lab"
		r := c.toTesting(t, body)
		g, after := c.review(t, r.ID, "readiness", "")
		if g.Passed || !slices.Equal(g.Failed, []string{"no_blocking_conflicts"}) || after.State != "testing" {
			t.Fatalf("gate %+v, release %s", g, after.State)
		}
	})
}
