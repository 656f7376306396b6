package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
)

type deploymentOut struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Mode      string `json:"mode"`
	Emergency bool   `json:"emergency"`
	Waves     []struct {
		Number int            `json:"number"`
		State  string         `json:"state"`
		Counts map[string]int `json:"counts"`
	} `json:"waves"`
	Progress struct {
		Counts  map[string]int `json:"counts"`
		Total   int            `json:"total"`
		Percent float64        `json:"percent"`
	} `json:"progress"`
}

type targetOut struct {
	CIID     string `json:"ci_id"`
	RFCID    string `json:"rfc_id"`
	Status   string `json:"status"`
	Attempt  int    `json:"attempt"`
	ExitCode *int   `json:"exit_code"`
	Output   string `json:"output"`
}

type workOut struct {
	Items []struct {
		DeploymentID string   `json:"deployment_id"`
		CIID         string   `json:"ci_id"`
		Argv         []string `json:"argv"`
		ReportPath   string   `json:"report_path"`
	} `json:"items"`
}

// rollout is a ready release for an approved RFC on web and db, both
// reported by the cab's agent.
type rollout struct {
	*cab
	rfc     rfcOut
	release releaseOut
}

func newRollout(t *testing.T, s *apitest.Server) *rollout {
	t.Helper()
	c := newCAB(t, s)
	for _, ci := range []string{c.web, c.db} {
		patchCI(t, s, ci, map[string]any{"agent_id": c.agent.id, "os": "debian"})
	}
	rfc := c.approvedRFC(t, "OpenSSL on web and db")
	body := releaseBody(rfc.ID)
	body["test_evidence"] = "lab run green"
	r := c.toTesting(t, body)
	if g, _ := c.review(t, r.ID, "readiness", "go"); !g.Passed {
		t.Fatalf("readiness: %+v", g)
	}
	return &rollout{cab: c, rfc: rfc, release: r}
}

// patchCI changes a CI as the admin, with the If-Match of its last read.
func patchCI(t *testing.T, s *apitest.Server, id string, body map[string]any) {
	t.Helper()
	etag := get(t, s, "/api/v1/cis/"+id, s.Admin).Header.Get("ETag")
	res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/cis/" + id, Token: s.Admin, Body: body,
		Header: map[string]string{"If-Match": etag}})
	if res.Status != http.StatusOK {
		t.Fatalf("patch CI: %d %s", res.Status, res.Body)
	}
}

func wave(cis []string, from, to time.Duration, maxFailed float64) map[string]any {
	now := time.Now().UTC()
	return map[string]any{"cis": cis, "start": now.Add(from).Format(time.RFC3339), "end": now.Add(to).Format(time.RFC3339),
		"max_failed_share": maxFailed}
}

func (r *rollout) deploy(t *testing.T, waves ...map[string]any) deploymentOut {
	t.Helper()
	res := r.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/releases/" + r.release.ID + "/deployments", Token: r.rm.token,
		Body: map[string]any{"waves": waves, "reason": "monthly patching"}})
	if res.Status != http.StatusCreated {
		t.Fatalf("deploy: %d %s", res.Status, res.Body)
	}
	var d deploymentOut
	res.JSON(t, &d)
	return d
}

func (r *rollout) deployment(t *testing.T, id string) deploymentOut {
	t.Helper()
	var d deploymentOut
	get(t, r.s, "/api/v1/deployments/"+id, r.rm.token).JSON(t, &d)
	return d
}

func (r *rollout) report(t *testing.T, token, depID, ci, reportID, status string, exit int) apitest.Response {
	t.Helper()
	return r.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/deployments/" + depID + "/targets/" + ci + "/report", Token: token,
		Body: map[string]any{"report_id": reportID, "status": status, "exit_code": exit, "output": "Setting up openssl ...\n"}})
}

func (r *rollout) mustReport(t *testing.T, depID, ci, reportID, status string, exit int) targetOut {
	t.Helper()
	res := r.report(t, r.agent.token, depID, ci, reportID, status, exit)
	if res.Status != http.StatusOK {
		t.Fatalf("report %s %s: %d %s", ci, status, res.Status, res.Body)
	}
	var out targetOut
	res.JSON(t, &out)
	return out
}

func (r *rollout) releaseState(t *testing.T) string {
	t.Helper()
	var out releaseOut
	get(t, r.s, "/api/v1/releases/"+r.release.ID, r.rm.token).JSON(t, &out)
	return out.State
}

// advance runs what the periodic sweep runs, then every job it enqueued.
func advance(t *testing.T, s *apitest.Server) {
	t.Helper()
	s.Drain(t)
	if err := s.App.Release.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Drain(t)
}

func TestDeploymentInWaves(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		r := newRollout(t, s)
		d := r.deploy(t, wave([]string{r.web}, -time.Minute, time.Hour, 0), wave([]string{r.db}, -time.Minute, 2*time.Hour, 0))
		// The first wave's job may already have run: scheduled, or on.
		if d.State != "scheduled" || d.Emergency || len(d.Waves) != 2 || d.Progress.Total != 2 {
			t.Fatalf("created %+v", d)
		}
		advance(t, s)
		d = r.deployment(t, d.ID)
		if d.State != "running" || d.Waves[0].State != "open" || d.Waves[1].State != "pending" {
			t.Fatalf("after the first advance: %+v", d)
		}
		if got := r.get(t, r.rfc.ID).State; got != "implementing" || r.releaseState(t) != "deploying" {
			t.Fatalf("RFC %s, release %s", got, r.releaseState(t))
		}

		t.Run("WorkOfTheOpenWave", func(t *testing.T) {
			var w workOut
			get(t, s, "/api/v1/agents/work", r.agent.token).JSON(t, &w)
			if len(w.Items) != 1 || w.Items[0].CIID != r.web ||
				!slices.Equal(w.Items[0].Argv, []string{"apt-get", "install", "-y", "openssl=3.0.11-1~deb12u2"}) {
				t.Fatalf("work %+v", w.Items)
			}
		})
		t.Run("ErrForeignAgent", func(t *testing.T) {
			other := newPerson(t, s, "agent2", "agent")
			if res := r.report(t, other.token, d.ID, r.web, "foreign-1", "succeeded", 0); res.Status != http.StatusForbidden {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("ErrWaveNotOpen", func(t *testing.T) {
			res := r.report(t, r.agent.token, d.ID, r.db, "early-1", "succeeded", 0)
			if res.Status != http.StatusConflict {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("ErrOwnCINotInDeployment", func(t *testing.T) {
			mail := mustCI(t, s, "mail-01", "low")
			patchCI(t, s, mail, map[string]any{"agent_id": r.agent.id})
			if res := r.report(t, r.agent.token, d.ID, mail, "mail-1", "succeeded", 0); res.Status != http.StatusNotFound {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("ErrBadReports", func(t *testing.T) {
			for name, body := range map[string]map[string]any{
				"NoReportID":     {"status": "succeeded"},
				"BadStatus":      {"report_id": "x1", "status": "done"},
				"OversizeOutput": {"report_id": "x2", "status": "succeeded", "output": strings.Repeat("y", 65<<10)},
				"FailedExitZero": {"report_id": "x3", "status": "failed", "exit_code": 0},
			} {
				res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/deployments/" + d.ID + "/targets/" + r.web + "/report",
					Token: r.agent.token, Body: body})
				if res.Status != http.StatusBadRequest {
					t.Errorf("%s: %d %s", name, res.Status, res.Body)
				}
			}
			var tg struct{ Items []targetOut }
			get(t, s, "/api/v1/deployments/"+d.ID+"/targets?status=pending", r.rm.token).JSON(t, &tg)
			if len(tg.Items) != 2 {
				t.Fatalf("a bad report wrote something: %+v", tg.Items)
			}
		})
		t.Run("ReportsAreIdempotent", func(t *testing.T) {
			r.mustReport(t, d.ID, r.web, "web-start", "in_progress", 0)
			first := r.mustReport(t, d.ID, r.web, "web-done", "succeeded", 0)
			res := r.report(t, r.agent.token, d.ID, r.web, "web-done", "succeeded", 0)
			var again targetOut
			res.JSON(t, &again)
			if res.Status != http.StatusOK || res.Header.Get("Idempotent-Replayed") != "true" || again.Attempt != 1 || first.Status != "succeeded" {
				t.Fatalf("replay: %d %+v, first %+v", res.Status, again, first)
			}
			if first.RFCID != r.rfc.ID {
				t.Fatalf("target not linked to its RFC: %+v", first)
			}
		})
		advance(t, s)
		d = r.deployment(t, d.ID)
		if d.Waves[0].State != "passed" || d.Waves[1].State != "open" {
			t.Fatalf("after the pilot: %+v", d.Waves)
		}
		r.mustReport(t, d.ID, r.db, "db-done", "succeeded", 0)
		advance(t, s)
		d = r.deployment(t, d.ID)
		if d.State != "finished" || d.Progress.Percent != 100 || d.Progress.Counts["succeeded"] != 2 || r.releaseState(t) != "deployed" {
			t.Fatalf("finished? %+v, release %s", d, r.releaseState(t))
		}
		if got := r.get(t, r.rfc.ID).State; got != "in_review" {
			t.Fatalf("RFC is %s, want in_review", got)
		}
		t.Run("ReportForAClosedWave", func(t *testing.T) {
			if res := r.report(t, r.agent.token, d.ID, r.web, "late-1", "failed", 1); res.Status != http.StatusConflict {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("CIDeployments", func(t *testing.T) {
			var list struct {
				Items []struct {
					targetOut
					ReleaseID string `json:"release_id"`
				}
			}
			get(t, s, "/api/v1/cis/"+r.web+"/deployments", r.auditor.token).JSON(t, &list)
			if len(list.Items) != 1 || list.Items[0].ReleaseID != r.release.ID || list.Items[0].RFCID != r.rfc.ID || list.Items[0].Status != "succeeded" {
				t.Fatalf("CI deployments %+v", list.Items)
			}
		})
		g, rel := r.review(t, r.release.ID, "deployment_complete", "both hosts patched, no incident")
		if !g.Passed || rel.State != "closed" {
			t.Fatalf("complete review %+v, release %s", g, rel.State)
		}
		if got := r.get(t, r.rfc.ID).State; got != "closed" {
			t.Fatalf("RFC is %s, want closed", got)
		}
		s.Seal(t)
		var v struct {
			OK bool `json:"ok"`
		}
		get(t, s, "/api/v1/audit/verify", r.auditor.token).JSON(t, &v)
		if !v.OK {
			t.Fatal("audit chain broken")
		}
	})
}

func TestWaveFailurePastThresholdHalts(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		r := newRollout(t, s)
		d := r.deploy(t, wave([]string{r.web}, -time.Minute, time.Hour, 0), wave([]string{r.db}, -time.Minute, 2*time.Hour, 0.5))
		advance(t, s)
		r.mustReport(t, d.ID, r.web, "web-fail", "failed", 100)
		advance(t, s)
		d = r.deployment(t, d.ID)
		if d.State != "halted" || d.Waves[0].State != "failed" || d.Waves[1].State != "cancelled" || r.releaseState(t) != "halted" {
			t.Fatalf("halted? %+v, release %s", d, r.releaseState(t))
		}
		if got := r.get(t, r.rfc.ID).State; got != "in_review" {
			t.Fatalf("RFC is %s, want in_review (failed, then review)", got)
		}
		var w workOut
		get(t, s, "/api/v1/agents/work", r.agent.token).JSON(t, &w)
		if len(w.Items) != 0 {
			t.Fatalf("work after the halt: %+v", w.Items)
		}
		res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/deployments/" + d.ID + "/operations", Token: r.rm.token,
			Body: map[string]any{"operation": "resume", "reason": "try again"}})
		if res.Status != http.StatusConflict {
			t.Fatalf("resume after a failed wave: %d %s", res.Status, res.Body)
		}
		res = s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/deployments/" + d.ID + "/operations", Token: r.rm.token,
			Body: map[string]any{"operation": "cancel", "reason": "abandoned after the pilot failed"}})
		if res.Status != http.StatusOK || r.releaseState(t) != "failed" {
			t.Fatalf("cancel: %d %s, release %s", res.Status, res.Body, r.releaseState(t))
		}
	})
}

func TestDeploymentBadInput(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		r := newRollout(t, s)
		outside := mustCI(t, s, "mail-01", "low")
		cases := map[string]struct {
			waves  []map[string]any
			status int
			field  string
		}{
			"TargetOutsideTheRFC": {[]map[string]any{wave([]string{r.web, outside}, -time.Minute, time.Hour, 0)}, http.StatusUnprocessableEntity, "targets"},
			"UnknownCI":           {[]map[string]any{wave([]string{"no-such-ci"}, -time.Minute, time.Hour, 0)}, http.StatusBadRequest, "waves[0].cis[0]"},
			"EndBeforeStart":      {[]map[string]any{wave([]string{r.web}, time.Hour, time.Minute, 0)}, http.StatusBadRequest, "waves[0].end"},
			"ThresholdOverOne":    {[]map[string]any{wave([]string{r.web}, -time.Minute, time.Hour, 1.5)}, http.StatusBadRequest, "waves[0].max_failed_share"},
			"CITwice": {[]map[string]any{wave([]string{r.web}, -time.Minute, time.Hour, 0),
				wave([]string{r.web}, -time.Minute, time.Hour, 0)}, http.StatusBadRequest, "waves[1].targets"},
			"NoWave": {[]map[string]any{}, http.StatusBadRequest, "waves"},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/releases/" + r.release.ID + "/deployments", Token: r.rm.token,
					Body: map[string]any{"waves": tc.waves}})
				if res.Status != tc.status || !res.Problem(t).HasField(tc.field) {
					t.Fatalf("%d %s, want %d naming %s", res.Status, res.Body, tc.status, tc.field)
				}
			})
		}
		var list struct{ Items []deploymentOut }
		get(t, s, "/api/v1/releases/"+r.release.ID+"/deployments", r.rm.token).JSON(t, &list)
		if len(list.Items) != 0 || r.releaseState(t) != "ready" || r.get(t, r.rfc.ID).State != "approved" {
			t.Fatalf("a refused deployment wrote something: %d deployments, release %s", len(list.Items), r.releaseState(t))
		}
	})
}
