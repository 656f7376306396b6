package webui_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
)

// estate is what the UI tests work on: one user per role, a CAB of three,
// and two real CIs.
type estate struct {
	s                             *apitest.Server
	requester, cm, auditor, admin string // user ids
	members                       []string
	web, db, cabID                string
}

func newEstate(t *testing.T, s *apitest.Server) *estate {
	t.Helper()
	e := &estate{s: s}
	e.requester, _ = s.MustUser(t, "rita", "requester")
	e.cm, _ = s.MustUser(t, "carl", "change_manager")
	e.auditor, _ = s.MustUser(t, "audrey", "auditor")
	for i := 0; i < 3; i++ {
		id, _ := s.MustUser(t, fmt.Sprintf("member%d", i), "cab_member")
		e.members = append(e.members, id)
	}
	e.cabID = e.post(t, "/api/v1/boards", map[string]any{"name": "CAB", "kind": "cab", "members": e.members, "quorum": 2, "rule": "veto"})
	e.post(t, "/api/v1/boards", map[string]any{"name": "ECAB", "kind": "ecab", "members": e.members[:2], "quorum": 1, "rule": "veto"})
	e.web = e.post(t, "/api/v1/cis", map[string]any{"name": "web-01", "type": "server", "criticality": "high"})
	e.db = e.post(t, "/api/v1/cis", map[string]any{"name": "db-01", "type": "server", "criticality": "critical"})
	return e
}

func (e *estate) post(t *testing.T, path string, body any) string {
	t.Helper()
	res := e.s.Do(t, apitest.Request{Method: "POST", Path: path, Token: e.s.Admin, Body: body})
	if res.Status != http.StatusCreated {
		t.Fatalf("POST %s: %d %s", path, res.Status, res.Body)
	}
	var out struct{ ID string }
	res.JSON(t, &out)
	return out.ID
}

// rfcState reads an RFC through the API, as an admin.
func (e *estate) rfc(t *testing.T, id string) (state string, votes int) {
	t.Helper()
	var r struct{ State string }
	e.s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/changes/" + id, Token: e.s.Admin}).JSON(t, &r)
	var v struct{ Items []any }
	e.s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/changes/" + id + "/votes", Token: e.s.Admin}).JSON(t, &v)
	return r.State, len(v.Items)
}

// browser is a plain HTTP client with a cookie jar: what a browser without
// JavaScript does.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, s *apitest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.URL, c: &http.Client{Jar: jar}}
}

type page struct {
	Status int
	URL    string
	Body   string
}

func (b *browser) get(path string) page {
	b.t.Helper()
	res, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, res)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, res)
}

func read(t *testing.T, res *http.Response) page {
	t.Helper()
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{Status: res.StatusCode, URL: res.Request.URL.Path, Body: string(body)}
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of the forms on p.
func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfPattern.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSRF token on %s", p.URL)
	}
	return m[1]
}

func (b *browser) login(user, password string) page {
	b.t.Helper()
	lp := b.get("/ui/login")
	p := b.post("/ui/login", url.Values{"username": {user}, "password": {password}, "csrf": {lp.csrf(b.t)}})
	if p.Status != http.StatusOK || p.URL != "/ui/" {
		b.t.Fatalf("login %s: %d at %s\n%s", user, p.Status, p.URL, p.Body)
	}
	return p
}

// pagePaths are the pages without parameters every signed-in role opens.
var pagePaths = []string{"/ui/", "/ui/changes", "/ui/changes/new", "/ui/changes?state=draft", "/ui/cab", "/ui/cis", "/ui/updates", "/ui/releases", "/ui/schedule"}

// draft creates an RFC as rita through the API and returns its id.
func (e *estate) draft(t *testing.T) string {
	t.Helper()
	tok := e.s.Login(t, "rita", apitest.UserPassword)
	res := e.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes", Token: tok, Body: map[string]any{
		"title": "Patch web-01", "reason": "CVE fixes", "affected_cis": []string{e.web, e.db},
		"implementation_plan": "apt-get upgrade", "backout_plan": "apt-get install old", "test_plan": "smoke tests",
	}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var r struct{ ID string }
	res.JSON(t, &r)
	return r.ID
}

// fire fires event on an RFC through the API as user.
func (e *estate) fire(t *testing.T, user, id, event string, extra map[string]any) {
	t.Helper()
	body := map[string]any{"event": event}
	for k, v := range extra {
		body[k] = v
	}
	res := e.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes/" + id + "/transitions",
		Token: e.s.Login(t, user, apitest.UserPassword), Body: body})
	if res.Status != http.StatusOK {
		t.Fatalf("%s: %d %s", event, res.Status, res.Body)
	}
}
