package httpapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
)

type releaseOut struct {
	ID      string   `json:"id"`
	Ref     string   `json:"ref"`
	State   string   `json:"state"`
	RFCIDs  []string `json:"rfc_ids"`
	Actions []string `json:"actions"`
	Version int64    `json:"version"`
}

type gateOut struct {
	Passed bool     `json:"passed"`
	Failed []string `json:"failed_items"`
	Items  []struct {
		Name   string `json:"name"`
		Passed bool   `json:"passed"`
		Detail string `json:"detail"`
	} `json:"items"`
	SignedBy string `json:"signed_by"`
}

// approvedRFC is a significant RFC approved by the CAB.
func (c *cab) approvedRFC(t *testing.T, title string) rfcOut {
	t.Helper()
	r := c.toAwaiting(t, title, "significant", "medium")
	c.approveByCAB(t, r.ID)
	if got := c.get(t, r.ID); got.State != "approved" {
		t.Fatalf("RFC %s is %s, want approved", r.Ref, got.State)
	}
	return c.get(t, r.ID)
}

func releaseBody(rfcs ...string) map[string]any {
	return map[string]any{
		"name": "October OpenSSL fixes", "rfc_ids": rfcs,
		"items":    []map[string]string{{"kind": "deb", "name": "openssl", "version": "3.0.11-1~deb12u2"}},
		"commands": []map[string]string{{"platform": "default", "install": "apt-get install -y {packages}", "backout": "apt-get install -y --allow-downgrades openssl=3.0.11-1~deb12u1"}},
	}
}

func (c *cab) mustRelease(t *testing.T, body map[string]any) releaseOut {
	t.Helper()
	res := c.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/releases", Token: c.rm.token, Body: body})
	if res.Status != http.StatusCreated {
		t.Fatalf("create release: %d %s", res.Status, res.Body)
	}
	var r releaseOut
	res.JSON(t, &r)
	return r
}

func (c *cab) fireRelease(t *testing.T, id, event, reason string) apitest.Response {
	t.Helper()
	return c.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/releases/" + id + "/transitions", Token: c.rm.token,
		Body: map[string]any{"event": event, "reason": reason}})
}

func (c *cab) review(t *testing.T, id, kind, notes string) (gateOut, releaseOut) {
	t.Helper()
	res := c.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/releases/" + id + "/reviews", Token: c.rm.token,
		Body: map[string]any{"kind": kind, "notes": notes}})
	if res.Status != http.StatusCreated {
		t.Fatalf("%s review: %d %s", kind, res.Status, res.Body)
	}
	var out struct {
		Gate    gateOut    `json:"gate"`
		Release releaseOut `json:"release"`
	}
	res.JSON(t, &out)
	return out.Gate, out.Release
}

// toTesting creates a release for rfc and builds it to testing.
func (c *cab) toTesting(t *testing.T, body map[string]any) releaseOut {
	t.Helper()
	r := c.mustRelease(t, body)
	for _, ev := range []string{"build", "test"} {
		if res := c.fireRelease(t, r.ID, ev, ""); res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", ev, res.Status, res.Body)
		}
	}
	return r
}

func TestReleaseLifecycle(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		rfc := c.approvedRFC(t, "OpenSSL")
		r := c.toTesting(t, releaseBody(rfc.Ref))
		if !slices.Equal(r.RFCIDs, []string{rfc.ID}) || r.State != "planning" || r.Ref != "REL-1" {
			t.Fatalf("created %+v", r)
		}
		t.Run("ErrReadinessWithoutEvidence", func(t *testing.T) {
			g, after := c.review(t, r.ID, "readiness", "first look")
			if g.Passed || !slices.Equal(g.Failed, []string{"test_evidence"}) || after.State != "testing" || g.SignedBy != c.rm.id {
				t.Fatalf("gate %+v, release %s", g, after.State)
			}
		})
		t.Run("ErrReadyByHand", func(t *testing.T) {
			res := c.fireRelease(t, r.ID, "ready", "")
			if res.Status != http.StatusBadRequest || !res.Problem(t).HasField("event") {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("ErrCompleteReviewBeforeDeployment", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/releases/" + r.ID + "/reviews", Token: c.rm.token,
				Body: map[string]any{"kind": "deployment_complete", "notes": "too early"}})
			if res.Status != http.StatusConflict {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("ReadyOnceEvidenceIsThere", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/releases/" + r.Ref, Token: c.rm.token,
				Body: map[string]any{"test_evidence": "pilot lab: 3 hosts upgraded, services restarted, smoke tests green"}})
			if res.Status != http.StatusPreconditionRequired {
				t.Fatalf("patch without If-Match: %d %s", res.Status, res.Body)
			}
			etag := get(t, s, "/api/v1/releases/"+r.ID, c.rm.token).Header.Get("ETag")
			res = s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/releases/" + r.Ref, Token: c.rm.token,
				Header: map[string]string{"If-Match": etag},
				Body:   map[string]any{"test_evidence": "pilot lab: 3 hosts upgraded, services restarted, smoke tests green"}})
			if res.Status != http.StatusOK {
				t.Fatalf("patch: %d %s", res.Status, res.Body)
			}
			g, after := c.review(t, r.ID, "readiness", "all good")
			if !g.Passed || len(g.Failed) != 0 || after.State != "ready" {
				t.Fatalf("gate %+v, release %s", g, after.State)
			}
			var gates struct{ Items []gateOut }
			get(t, s, "/api/v1/releases/"+r.ID+"/reviews", c.auditor.token).JSON(t, &gates)
			if len(gates.Items) != 2 || gates.Items[0].Passed || !gates.Items[1].Passed {
				t.Fatalf("gates %+v", gates.Items)
			}
		})
		t.Run("ErrFrozenWhenReady", func(t *testing.T) {
			etag := get(t, s, "/api/v1/releases/"+r.ID, c.rm.token).Header.Get("ETag")
			res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/releases/" + r.ID, Token: c.rm.token,
				Header: map[string]string{"If-Match": etag}, Body: map[string]any{"name": "renamed"}})
			if res.Status != http.StatusConflict {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
	})
}

func TestReadinessNeedsApprovedRFCs(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		draft := c.draft(t, "not yet approved")
		body := releaseBody(draft.ID)
		body["test_evidence"] = "lab"
		r := c.toTesting(t, body)
		g, after := c.review(t, r.ID, "readiness", "")
		if g.Passed || !slices.Equal(g.Failed, []string{"rfcs_approved"}) || after.State != "testing" {
			t.Fatalf("gate %+v, release %s", g, after.State)
		}
	})
}

func TestReleaseBadInput(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		rfc := c.approvedRFC(t, "bad input")
		cases := map[string]struct {
			change func(map[string]any)
			field  string
		}{
			"NoName":        {func(b map[string]any) { b["name"] = " " }, "name"},
			"NoRFC":         {func(b map[string]any) { b["rfc_ids"] = []string{} }, "rfc_ids"},
			"UnknownRFC":    {func(b map[string]any) { b["rfc_ids"] = []string{"RFC-999999"} }, "rfc_ids[0]"},
			"UnknownUpdate": {func(b map[string]any) { b["update_ids"] = []string{"DSA-0000-1"} }, "update_ids[0]"},
			"BadItemKind": {func(b map[string]any) {
				b["items"] = []map[string]string{{"kind": "snap", "name": "x"}}
			}, "items[0].kind"},
			"ShellInName": {func(b map[string]any) {
				b["items"] = []map[string]string{{"kind": "deb", "name": "openssl;reboot"}}
			}, "items[0].name"},
			"ShellInTemplate": {func(b map[string]any) {
				b["commands"] = []map[string]string{{"platform": "default", "install": "apt-get install -y {packages} && reboot"}}
			}, "commands[0].install"},
			"UnknownPlaceholder": {func(b map[string]any) {
				b["commands"] = []map[string]string{{"platform": "default", "install": "apt-get install {pkgs}"}}
			}, "commands[0].install"},
			"TwicePlatform": {func(b map[string]any) {
				b["commands"] = []map[string]string{{"platform": "debian", "install": "apt-get install {packages}"},
					{"platform": "debian", "install": "apt install {packages}"}}
			}, "commands[1].platform"},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				body := releaseBody(rfc.ID)
				tc.change(body)
				res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/releases", Token: c.rm.token, Body: body})
				if res.Status != http.StatusBadRequest || !res.Problem(t).HasField(tc.field) {
					t.Fatalf("%d %s, want 400 naming %s", res.Status, res.Body, tc.field)
				}
			})
		}
		t.Run("NothingWritten", func(t *testing.T) {
			var list struct{ Items []releaseOut }
			get(t, s, "/api/v1/releases", c.rm.token).JSON(t, &list)
			if len(list.Items) != 0 {
				t.Fatalf("%d releases written", len(list.Items))
			}
		})
		t.Run("ErrRequesterMayNotCreate", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/releases", Token: c.requester.token, Body: releaseBody(rfc.ID)})
			if res.Status != http.StatusForbidden {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("ErrReworkNeedsReason", func(t *testing.T) {
			r := c.toTesting(t, releaseBody(rfc.ID))
			res := c.fireRelease(t, r.ID, "rework", "")
			if res.Status != http.StatusBadRequest || !res.Problem(t).HasField("reason") {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
	})
}
