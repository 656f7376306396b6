package httpapi_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
)

// csafDir is the repository's corpus of real advisories.
const csafDir = "../../testdata/csaf"

// catalogEnv is a service with the people of the patch cycle.
type catalogEnv struct {
	s                                 *apitest.Server
	cm, rm, requester, auditor, agent person
	admin                             person
	t0                                time.Time
}

func newCatalog(t *testing.T, s *apitest.Server) *catalogEnv {
	t.Helper()
	return &catalogEnv{s: s, admin: person{token: s.Admin},
		cm:        newPerson(t, s, "carl", "change_manager"),
		rm:        newPerson(t, s, "remy", "release_manager"),
		requester: newPerson(t, s, "rita", "requester"),
		auditor:   newPerson(t, s, "audrey", "auditor"),
		agent:     newPerson(t, s, "agent1", "agent"),
		t0:        time.Now().UTC().Truncate(time.Second),
	}
}

func (e *catalogEnv) do(t *testing.T, p person, method, path string, body any) apitest.Response {
	t.Helper()
	return e.s.Do(t, apitest.Request{Method: method, Path: path, Token: p.token, Body: body})
}

func readCSAF(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(csafDir, name))
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	return b
}

// importRaw posts a document as the body.
func (e *catalogEnv) importRaw(t *testing.T, p person, doc []byte) apitest.Response {
	t.Helper()
	return e.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/updates/import", Token: p.token, Body: doc})
}

// importForm posts a document and its hash file as a multipart form.
func (e *catalogEnv) importForm(t *testing.T, p person, name string, doc, hash []byte) apitest.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("document", name)
	part.Write(doc)
	if hash != nil {
		part, _ = w.CreateFormFile("hash", name+".sha512")
		part.Write(hash)
	}
	w.Close()
	return e.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/updates/import", Token: p.token, Body: body.Bytes(),
		Header: map[string]string{"Content-Type": w.FormDataContentType()}})
}

type updateImportOut struct {
	Outcome string       `json:"outcome"`
	Detail  string       `json:"detail"`
	Changes []string     `json:"changes"`
	Update  catUpdateOut `json:"update"`
}

type catUpdateOut struct {
	ID            string   `json:"id"`
	VendorID      string   `json:"vendor_id"`
	State         string   `json:"state"`
	Severity      string   `json:"severity"`
	CVEs          []string `json:"cves"`
	Version       int64    `json:"version"`
	Actions       []string `json:"actions"`
	SupersededBy  []string `json:"superseded_by"`
	FixedPackages []struct {
		Kind, Name, Version string
	} `json:"fixed_packages"`
	Document *struct {
		Version        string `json:"version"`
		DigestVerified string `json:"digest_verified"`
	} `json:"document"`
}

func (e *catalogEnv) mustImport(t *testing.T, name string) updateImportOut {
	t.Helper()
	res := e.importForm(t, e.rm, name, readCSAF(t, name), nil)
	if res.Status != http.StatusCreated {
		t.Fatalf("import %s: %d %s", name, res.Status, res.Body)
	}
	var out updateImportOut
	res.JSON(t, &out)
	return out
}

// mustUpdate enters an update by hand.
func (e *catalogEnv) mustUpdate(t *testing.T, body map[string]any) catUpdateOut {
	t.Helper()
	res := e.do(t, e.rm, "POST", "/api/v1/updates", body)
	if res.Status != http.StatusCreated {
		t.Fatalf("create update: %d %s", res.Status, res.Body)
	}
	var u catUpdateOut
	res.JSON(t, &u)
	return u
}

func (e *catalogEnv) fire(t *testing.T, p person, id, event string, extra map[string]any) apitest.Response {
	t.Helper()
	body := map[string]any{"event": event}
	for k, v := range extra {
		body[k] = v
	}
	return e.do(t, p, "POST", "/api/v1/updates/"+id+"/transitions", body)
}

// mustCI creates a CI through the CMDB API.
func (e *catalogEnv) mustCI(t *testing.T, name, os string, attrs map[string]string) string {
	t.Helper()
	res := e.do(t, e.admin, "POST", "/api/v1/cis", map[string]any{"name": name, "type": "server", "criticality": "high",
		"os": os, "environment": "production", "attributes": attrs})
	if res.Status != http.StatusCreated {
		t.Fatalf("CI %s: %d %s", name, res.Status, res.Body)
	}
	var c struct{ ID string }
	res.JSON(t, &c)
	return c.ID
}

type catPkg struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Version      string `json:"version"`
	Architecture string `json:"architecture"`
}

// mustReport reports a CI's inventory through the CMDB API, and waits for
// the job it enqueued to recompute the CI's compliance.
func (e *catalogEnv) mustReport(t *testing.T, ciID string, at time.Time, pkgs ...catPkg) {
	t.Helper()
	res := e.do(t, e.admin, "PUT", "/api/v1/cis/"+ciID+"/inventory", map[string]any{"reported_at": at.Format(time.RFC3339), "packages": pkgs})
	if res.Status != http.StatusOK {
		t.Fatalf("inventory of %s: %d %s", ciID, res.Status, res.Body)
	}
	e.s.Drain(t)
}
