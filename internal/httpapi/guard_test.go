package httpapi_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
)

// everyRole lists the operations that every authenticated role may call, so
// that no role is refused them; every other operation must refuse a role.
var everyRole = map[string]string{
	"getMe":             "the caller's own account",
	"listDirectory":     "the people directory (no e-mail), so that everyone can resolve a user id to a name",
	"listTokens":        "the caller's own API tokens",
	"revokeToken":       "revoking one's own token; someone else's answers 404 so as not to confirm it exists",
	"getRFCWorkflow":    "the state machine's description, the same for everyone",
	"getCIWorkflow":     "the state machine's description, the same for everyone",
	"getUpdateWorkflow": "the state machine's description, the same for everyone",
}

// refusedRole is the role that may not call an operation: an agent, whose
// token only reports inventory, unless the operation is the agents'.
var refusedRole = map[string]string{
	"reportCIInventory": "auditor",
	// The agents' own work and reports.
	"getAgentWork":           "auditor",
	"reportDeploymentTarget": "auditor",
}

// TestEveryOperationIsGuarded walks every operation of the OpenAPI
// description that needs a token and calls it with a role that may not:
// each answers 403 and leaves exactly one "denied" event in the audit
// trail. A new operation without a guard (or without its entry in everyRole)
// fails here.
func TestEveryOperationIsGuarded(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		doc, _, err := apitest.Spec()
		if err != nil {
			t.Fatal(err)
		}
		c := newCAB(t, s)
		auditor := c.auditor
		rfc := c.draft(t, "guarded")
		awaiting := c.toAwaiting(t, "awaiting a vote", "significant", "medium")
		var update struct{ ID string }
		s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/updates", Token: c.cm.token, Body: map[string]any{
			"vendor_id": "DSA-GUARD-1", "title": "guarded update", "severity": "high"}}).JSON(t, &update)
		var tpl struct{ ID string }
		s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/change-templates", Token: c.cm.token, Body: map[string]any{
			"title": "Monthly OS patches", "implementation_plan": "apt-get upgrade", "backout_plan": "snapshot restore"}}).JSON(t, &tpl)
		// The path parameters name real records, so that no use case
		// answers 404 before it has checked the caller.
		ids := map[string]string{
			"/api/v1/changes/":          rfc.ID,
			"/api/v1/change-templates/": tpl.ID,
			"/api/v1/cis/":              c.web,
			"/api/v1/updates/":          update.ID,
		}
		// bodies are requests the handlers accept, so that the refusal
		// comes from the use case rather than from input validation.
		bodies := map[string]any{
			"createToken":          map[string]any{"name": "theirs", "user_id": c.cm.id},
			"createCIRelationship": map[string]any{"type": "depends_on", "target_id": c.db},
			"importCIs":            `[{"name":"imported-01","type":"server"}]`,
			"reportCIInventory":    map[string]any{"reported_at": time.Now().UTC().Format(time.RFC3339), "packages": []any{}},
			"transitionCI":         map[string]any{"event": "retire"},
			"transitionChange":     map[string]any{"event": "submit"},
			"transitionUpdate":     map[string]any{"event": "approve"},
			"voteOnChange":         map[string]any{"decision": "approve"},
			"recordRetroReview":    map[string]any{"notes": "reviewed"},
			"updateChange":         map[string]any{"title": "renamed"},
		}
		tokens := map[string]string{"agent": c.agent.token, "auditor": auditor.token}
		actorIDs := map[string]string{"agent": c.agent.id, "auditor": auditor.id}

		type operation struct{ id, method, path string }
		var ops []operation
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if op.Security != nil && len(*op.Security) == 0 {
					continue // public: health, metrics, the description, login
				}
				ops = append(ops, operation{op.OperationID, method, path})
			}
		}
		sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
		if len(ops) < 60 {
			t.Fatalf("only %d guarded operations described", len(ops))
		}
		for _, op := range ops {
			if _, ok := everyRole[op.id]; ok {
				continue
			}
			role := refusedRole[op.id]
			if role == "" {
				role = "agent"
			}
			before := deniedEvents(t, s, actorIDs[role])
			path := op.path
			if op.id == "voteOnChange" {
				path = strings.Replace(path, "{id}", awaiting.ID, 1)
			}
			for prefix, id := range ids {
				if strings.HasPrefix(path, prefix+"{id}") {
					path = strings.Replace(path, "{id}", id, 1)
				}
			}
			path = strings.NewReplacer("{id}", "none", "{rel}", "none").Replace(path)
			var body any
			if item := doc.Paths.Find(op.path).GetOperation(op.method); item.RequestBody != nil {
				body = map[string]any{}
				if b, ok := bodies[op.id]; ok {
					body = b
				}
			}
			res := s.Do(t, apitest.Request{Method: op.method, Path: path, Token: tokens[role], Body: body})
			if res.Status != http.StatusForbidden {
				t.Errorf("%s (%s %s) as %s: %d %s, want 403", op.id, op.method, path, role, res.Status, res.Body)
				continue
			}
			if after := deniedEvents(t, s, actorIDs[role]); after != before+1 {
				t.Errorf("%s as %s: %d denied events recorded, want 1", op.id, role, after-before)
			}
		}
	})
}

// deniedEvents counts the "denied" events of one actor, read as the admin.
func deniedEvents(t *testing.T, s *apitest.Server, actorID string) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		var page struct {
			Items      []struct{ Outcome string }
			NextCursor string `json:"next_cursor"`
		}
		res := s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/audit/events?limit=500&actor=" + actorID + "&cursor=" + cursor, Token: s.Admin})
		if res.Status != http.StatusOK {
			t.Fatalf("audit events: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &page)
		for _, e := range page.Items {
			if e.Outcome == "denied" {
				n++
			}
		}
		if page.NextCursor == "" {
			return n
		}
		cursor = page.NextCursor
	}
}
