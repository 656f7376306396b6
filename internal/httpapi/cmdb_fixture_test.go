package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
)

// cmdbEnv is a CMDB ready to use: one person per role and two agents.
type cmdbEnv struct {
	s                             *apitest.Server
	admin, cm, requester, auditor person
	agent, agent2                 person
}

func newCMDB(t *testing.T, s *apitest.Server) *cmdbEnv {
	t.Helper()
	return &cmdbEnv{s: s, admin: person{token: s.Admin},
		cm:        newPerson(t, s, "carl", "change_manager"),
		requester: newPerson(t, s, "rita", "requester"),
		auditor:   newPerson(t, s, "audrey", "auditor"),
		agent:     newPerson(t, s, "agent-web", "agent"),
		agent2:    newPerson(t, s, "agent-db", "agent"),
	}
}

type ciOut struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	Owner       string            `json:"owner"`
	Criticality string            `json:"criticality"`
	Attributes  map[string]string `json:"attributes"`
	AgentID     string            `json:"agent_id"`
	State       string            `json:"state"`
	Actions     []string          `json:"actions"`
	Version     int64             `json:"version"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// do sends a request as p.
func (e *cmdbEnv) do(t *testing.T, p person, method, path string, body any) apitest.Response {
	t.Helper()
	return e.s.Do(t, apitest.Request{Method: method, Path: path, Token: p.token, Body: body})
}

// mustCI creates a CI of type server with criticality crit as the change
// manager; extra fields override.
func (e *cmdbEnv) mustCI(t *testing.T, name, crit string, extra map[string]any) ciOut {
	t.Helper()
	body := map[string]any{"name": name, "type": "server", "criticality": crit}
	for k, v := range extra {
		body[k] = v
	}
	res := e.do(t, e.cm, "POST", "/api/v1/cis", body)
	if res.Status != http.StatusCreated {
		t.Fatalf("create CI %s: %d %s", name, res.Status, res.Body)
	}
	var c ciOut
	res.JSON(t, &c)
	return c
}

func (e *cmdbEnv) getCI(t *testing.T, idOrName string) ciOut {
	t.Helper()
	res := e.do(t, e.auditor, "GET", "/api/v1/cis/"+idOrName, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("get CI %s: %d %s", idOrName, res.Status, res.Body)
	}
	var c ciOut
	res.JSON(t, &c)
	return c
}

func (e *cmdbEnv) fire(t *testing.T, id, event string) apitest.Response {
	t.Helper()
	return e.do(t, e.cm, "POST", "/api/v1/cis/"+id+"/transitions", map[string]any{"event": event})
}

// auditActions lists "action:outcome" of the audit events about entity id.
func (e *cmdbEnv) auditActions(t *testing.T, id string) []string {
	t.Helper()
	var page struct {
		Items []struct {
			Action  string `json:"action"`
			Outcome string `json:"outcome"`
		} `json:"items"`
	}
	res := e.do(t, e.auditor, "GET", "/api/v1/audit/events?entity_id="+id+"&limit=500", nil)
	res.JSON(t, &page)
	out := make([]string, 0, len(page.Items))
	for _, it := range page.Items {
		out = append(out, it.Action+":"+it.Outcome)
	}
	return out
}
