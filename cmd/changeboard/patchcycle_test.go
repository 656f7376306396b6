package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// TestPatchCycleEndToEnd is the whole patch cycle on each database, over
// the real HTTP service: a real CSAF advisory imported from the corpus,
// three CIs' inventories make it required, a draft RFC from the required
// update, classified and approved by the CAB, a release through its
// readiness review, a deployment in a maintenance window with a pilot wave
// of one CI and a second of two (the clock moved forward), real
// `changeboard agent run --once` processes running a harmless command and
// reporting with a fresh inventory, compliance installed, the RFC
// implemented and in review, the deployment complete review closing the
// release and the RFC, and the audit chain verified.
func TestPatchCycleEndToEnd(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			start := time.Now().UTC().Truncate(time.Second)
			clock := &apitest.Clock{}
			clock.Set(start)
			s := apitest.NewWithClock(t, d, clock)
			patchCycle(t, s, clock, start)
		})
	}
}

type actor struct{ id, token, name string }

func mustActor(t *testing.T, s *apitest.Server, name string, roles ...string) *actor {
	t.Helper()
	id, tok := s.MustUser(t, name, roles...)
	return &actor{id, tok, name}
}

// relogin gets fresh tokens once the clock has moved past their expiry.
func relogin(t *testing.T, s *apitest.Server, as ...*actor) {
	t.Helper()
	for _, a := range as {
		if a.name == "admin" {
			a.token = s.Login(t, "admin", apitest.AdminPassword)
		} else {
			a.token = s.Login(t, a.name, apitest.UserPassword)
		}
	}
}

func call(t *testing.T, s *apitest.Server, a *actor, method, path string, body any, want int, out any) {
	t.Helper()
	res := s.Do(t, apitest.Request{Method: method, Path: path, Token: a.token, Body: body})
	if res.Status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, res.Status, res.Body, want)
	}
	if out != nil {
		res.JSON(t, out)
	}
}

func patchCycle(t *testing.T, s *apitest.Server, clock *apitest.Clock, start time.Time) {
	admin := &actor{"", s.Admin, "admin"}
	cm := mustActor(t, s, "carl", "change_manager")
	rm := mustActor(t, s, "remy", "release_manager")
	req := mustActor(t, s, "rita", "requester")
	auditor := mustActor(t, s, "audrey", "auditor")
	var members []*actor
	for i := range 3 {
		members = append(members, mustActor(t, s, fmt.Sprintf("member%d", i), "cab_member"))
	}
	call(t, s, admin, "POST", "/api/v1/boards", map[string]any{"name": "CAB", "kind": "cab",
		"members": []string{members[0].id, members[1].id, members[2].id}, "quorum": 2, "rule": "veto"}, http.StatusCreated, nil)

	// Assess: three RHEL servers, each with its own agent and an old telnet.
	hosts := []string{"rhel-01", "rhel-02", "rhel-03"}
	ciIDs := map[string]string{}
	agents := map[string]*actor{}
	for _, h := range hosts {
		a := mustActor(t, s, "agent-"+h, "agent")
		agents[h] = a
		var ci struct{ ID string }
		call(t, s, admin, "POST", "/api/v1/cis", map[string]any{"name": h, "type": "server", "criticality": "medium",
			"os": "rhel", "environment": "production", "agent_id": a.id}, http.StatusCreated, &ci)
		ciIDs[h] = ci.ID
		call(t, s, a, "PUT", "/api/v1/cis/"+h+"/inventory", map[string]any{"reported_at": start.Add(-time.Minute).Format(time.RFC3339),
			"packages": []map[string]any{{"kind": "rpm", "name": "telnet", "version": "1:0.17-64.el7", "architecture": "x86_64"}}},
			http.StatusOK, nil)
	}
	// Identify: the real advisory, approved.
	doc, err := os.ReadFile(filepath.Join("..", "..", "testdata", "csaf", "rhsa-2022_0011.json"))
	if err != nil {
		t.Fatal(err)
	}
	var imported struct {
		Update struct {
			ID       string `json:"id"`
			VendorID string `json:"vendor_id"`
		} `json:"update"`
	}
	call(t, s, cm, "POST", "/api/v1/updates/import", doc, http.StatusCreated, &imported)
	call(t, s, cm, "POST", "/api/v1/updates/"+imported.Update.ID+"/transitions", map[string]any{"event": "approve"}, http.StatusOK, nil)
	s.Drain(t)
	for _, h := range hosts {
		if got := compliance(t, s, admin, h); got != "required" {
			t.Fatalf("%s: compliance %s before, want required", h, got)
		}
	}
	// Evaluate and plan: an RFC drafted from the required update, approved by the CAB.
	var rfc struct {
		ID          string
		Ref         string
		AffectedCIs []string `json:"affected_cis"`
		State       string
		Version     int64
	}
	call(t, s, req, "POST", "/api/v1/changes/draft-from-updates", map[string]any{"update_ids": []string{imported.Update.VendorID}},
		http.StatusCreated, &rfc)
	if len(rfc.AffectedCIs) != 3 {
		t.Fatalf("drafted RFC affects %v", rfc.AffectedCIs)
	}
	// The planned window is the production maintenance window below.
	window := map[string]string{"start": start.Add(2 * time.Hour).Format(time.RFC3339), "end": start.Add(8 * time.Hour).Format(time.RFC3339)}
	res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/changes/" + rfc.ID, Token: req.token,
		Header: map[string]string{"If-Match": fmt.Sprintf("%q", fmt.Sprint(rfc.Version))},
		Body: map[string]any{"backout_plan": "yum downgrade telnet", "test_plan": "telnet to a lab host",
			"implementation_plan": "release waves", "window": window}})
	if res.Status != http.StatusOK {
		t.Fatalf("patch RFC: %d %s", res.Status, res.Body)
	}
	call(t, s, req, "POST", "/api/v1/changes/"+rfc.ID+"/transitions", map[string]any{"event": "submit"}, http.StatusOK, nil)
	call(t, s, cm, "POST", "/api/v1/changes/"+rfc.ID+"/transitions", map[string]any{"event": "classify", "category": "significant", "priority": "medium"}, http.StatusOK, nil)
	call(t, s, cm, "POST", "/api/v1/changes/"+rfc.ID+"/transitions", map[string]any{"event": "request_approval"}, http.StatusOK, nil)
	for _, m := range members[:2] {
		call(t, s, m, "POST", "/api/v1/changes/"+rfc.ID+"/votes", map[string]any{"decision": "approve", "reason": "needed"}, http.StatusCreated, nil)
	}
	if st := rfcState(t, s, cm, rfc.ID); st != "approved" {
		t.Fatalf("RFC %s after the CAB", st)
	}
	// The maintenance window every production CI shares: Saturday night.
	mwStart := start.Add(2 * time.Hour)
	call(t, s, cm, "POST", "/api/v1/windows", map[string]any{"name": "production nights", "kind": "maintenance",
		"scope": map[string]any{"environments": []string{"production"}}, "time_zone": "UTC",
		"start": mwStart.Format(time.RFC3339), "end": mwStart.Add(6 * time.Hour).Format(time.RFC3339)}, http.StatusCreated, nil)

	// Release: the update, a harmless install command, readiness review.
	var rel struct{ ID, Ref, State string }
	call(t, s, rm, "POST", "/api/v1/releases", map[string]any{"name": "telnet RHSA-2022:0011", "rfc_ids": []string{rfc.Ref},
		"update_ids": []string{imported.Update.VendorID}, "test_evidence": "lab host upgraded, telnet session works",
		"commands": []map[string]any{{"platform": "default", "package_kind": "rpm", "install": "echo yum -y upgrade {packages}",
			"backout": "echo yum -y downgrade {packages}"}}}, http.StatusCreated, &rel)
	for _, ev := range []string{"build", "test"} {
		call(t, s, rm, "POST", "/api/v1/releases/"+rel.ID+"/transitions", map[string]any{"event": ev}, http.StatusOK, nil)
	}
	var review struct {
		Gate struct {
			Passed bool     `json:"passed"`
			Failed []string `json:"failed_items"`
		} `json:"gate"`
	}
	call(t, s, rm, "POST", "/api/v1/releases/"+rel.ID+"/reviews", map[string]any{"kind": "readiness", "notes": "go"}, http.StatusCreated, &review)
	if !review.Gate.Passed {
		t.Fatalf("readiness failed: %v", review.Gate.Failed)
	}
	// Deploy: a pilot of one, then two, inside the maintenance window.
	var dep struct{ ID, State string }
	call(t, s, rm, "POST", "/api/v1/releases/"+rel.ID+"/deployments", map[string]any{"reason": "RHSA-2022:0011", "waves": []map[string]any{
		{"name": "pilot", "cis": []string{ciIDs["rhel-01"]}, "start": mwStart.Format(time.RFC3339), "end": mwStart.Add(time.Hour).Format(time.RFC3339)},
		{"name": "rest", "cis": []string{ciIDs["rhel-02"], ciIDs["rhel-03"]}, "start": mwStart.Add(time.Hour).Format(time.RFC3339),
			"end": mwStart.Add(3 * time.Hour).Format(time.RFC3339), "max_failed_share": 0.5}}}, http.StatusCreated, &dep)
	sweep(t, s)
	if got := runAgent(t, s, agents["rhel-01"]); strings.Contains(got, "succeeded") {
		t.Fatalf("work before the window opened: %s", got)
	}
	everyone := []*actor{admin, cm, rm, auditor, agents["rhel-01"], agents["rhel-02"], agents["rhel-03"]}
	clock.Set(mwStart.Add(time.Minute))
	relogin(t, s, everyone...)
	sweep(t, s)
	if st := rfcState(t, s, cm, rfc.ID); st != "implementing" {
		t.Fatalf("RFC %s once the pilot opened", st)
	}
	if got := runAgent(t, s, agents["rhel-02"]); strings.Contains(got, "succeeded") {
		t.Fatalf("wave 2 before the pilot passed: %s", got)
	}
	if got := runAgent(t, s, agents["rhel-01"]); !strings.Contains(got, "succeeded") {
		t.Fatalf("pilot agent: %s", got)
	}
	sweep(t, s)
	clock.Set(mwStart.Add(time.Hour + time.Minute))
	relogin(t, s, everyone...)
	sweep(t, s)
	for _, h := range []string{"rhel-02", "rhel-03"} {
		if got := runAgent(t, s, agents[h]); !strings.Contains(got, "succeeded") {
			t.Fatalf("%s agent: %s", h, got)
		}
	}
	sweep(t, s)
	sweep(t, s) // the compliance recompute, then the RFC's complete
	for _, h := range hosts {
		if got := compliance(t, s, admin, h); got != "installed" {
			t.Fatalf("%s: compliance %s after, want installed", h, got)
		}
	}
	var after struct{ State string }
	call(t, s, rm, "GET", "/api/v1/releases/"+rel.ID, nil, http.StatusOK, &after)
	if after.State != "deployed" {
		t.Fatalf("release %s", after.State)
	}
	if st := rfcState(t, s, cm, rfc.ID); st != "in_review" {
		t.Fatalf("RFC %s after the last wave, want in_review (implemented, then review)", st)
	}
	call(t, s, rm, "POST", "/api/v1/releases/"+rel.ID+"/reviews", map[string]any{"kind": "deployment_complete",
		"notes": "three hosts upgraded, telnet verified"}, http.StatusCreated, &review)
	if !review.Gate.Passed {
		t.Fatalf("deployment complete review failed: %v", review.Gate.Failed)
	}
	if st := rfcState(t, s, cm, rfc.ID); st != "closed" {
		t.Fatalf("RFC %s after the complete review", st)
	}
	s.Seal(t)
	var v struct {
		OK bool `json:"ok"`
	}
	call(t, s, auditor, "GET", "/api/v1/audit/verify", nil, http.StatusOK, &v)
	if !v.OK {
		t.Fatal("audit chain broken")
	}
}

// sweep runs what the periodic job runs, and every job due.
func sweep(t *testing.T, s *apitest.Server) {
	t.Helper()
	s.Drain(t)
	if err := s.App.Release.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Drain(t)
}

func rfcState(t *testing.T, s *apitest.Server, a *actor, id string) string {
	t.Helper()
	var r struct{ State string }
	call(t, s, a, "GET", "/api/v1/changes/"+id, nil, http.StatusOK, &r)
	return r.State
}

func compliance(t *testing.T, s *apitest.Server, a *actor, ci string) string {
	t.Helper()
	var out struct {
		Items []struct {
			VendorID string `json:"vendor_id"`
			Status   string `json:"status"`
		} `json:"items"`
	}
	call(t, s, a, "GET", "/api/v1/cis/"+ci+"/compliance", nil, http.StatusOK, &out)
	for _, v := range out.Items {
		if v.VendorID == "RHSA-2022:0011" {
			return v.Status
		}
	}
	return "none"
}

// runAgent runs `changeboard agent run --once` as a process of its own,
// with a stand-in rpm on its PATH that lists the fixed telnet (the
// machine's package database is what the test fakes, nothing of ours).
func runAgent(t *testing.T, s *apitest.Server, a *actor) string {
	t.Helper()
	bin := t.TempDir()
	rpm := "#!/bin/sh\nprintf 'telnet\\t1\\t0.17\\t65.el7_6\\tx86_64\\n'\n"
	if err := os.WriteFile(filepath.Join(bin, "rpm"), []byte(rpm), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(bin, "var-lib-rpm"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "agent", "run", "--once", "--server", s.URL, "--token", a.token,
		"--rpm", "always", "--dpkg-status", filepath.Join(bin, "no-dpkg"))
	cmd.Env = append(os.Environ(), childEnv+"=1", "PATH="+bin+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("agent run: %v\n%s", err, out)
	}
	return string(out)
}
