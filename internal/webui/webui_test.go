package webui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
)

var rfcPath = regexp.MustCompile(`^/ui/changes/([0-9a-f-]{36})$`)

func TestPagesNeedASession(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := newBrowser(t, s)
		for _, path := range []string{"/ui/", "/ui/changes", "/ui/changes/new"} {
			if p := b.get(path); p.URL != "/ui/login" || !strings.Contains(p.Body, `name="password"`) {
				t.Errorf("%s without a session: at %s, want the login page", path, p.URL)
			}
		}
		lp := b.get("/ui/login")
		p := b.post("/ui/login", url.Values{"username": {"admin"}, "password": {"wrong"}, "csrf": {lp.csrf(t)}})
		if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "wrong username or password") {
			t.Errorf("wrong password: %d\n%s", p.Status, p.Body)
		}
	})
}

func TestCSRF(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newEstate(t, s)
		b := newBrowser(t, s)
		b.login("rita", apitest.UserPassword)
		form := url.Values{"title": {"no token"}, "reason": {"r"}}
		if p := b.post("/ui/changes", form); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "CSRF") {
			t.Errorf("POST without a token: %d, want 403 with the CSRF page", p.Status)
		}
		form.Set("csrf", "forged")
		if p := b.post("/ui/changes", form); p.Status != http.StatusForbidden {
			t.Errorf("POST with a wrong token: %d, want 403", p.Status)
		}
		// Login CSRF: a login form posted without the pre-session cookie's token.
		other := newBrowser(t, s)
		if p := other.post("/ui/login", url.Values{"username": {"rita"}, "password": {apitest.UserPassword}}); p.Status != http.StatusForbidden {
			t.Errorf("login without a token: %d, want 403", p.Status)
		}
		var list struct{ Items []any }
		s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/changes", Token: s.Admin}).JSON(t, &list)
		if len(list.Items) != 0 {
			t.Errorf("refused posts wrote %d RFCs", len(list.Items))
		}
		_ = e
	})
}

func TestCreateRFCShowsFieldErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newEstate(t, s)
		b := newBrowser(t, s)
		b.login("rita", apitest.UserPassword)
		np := b.get("/ui/changes/new")
		form := url.Values{"csrf": {np.csrf(t)}, "title": {""}, "reason": {"CVE fixes"},
			"window.start": {"2026-13-40T99:00"}}
		p := b.post("/ui/changes", form)
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="rfc-start"`) ||
			!strings.Contains(p.Body, "must be a date and time") {
			t.Fatalf("bad window: %d\n%s", p.Status, p.Body)
		}
		form.Del("window.start")
		p = b.post("/ui/changes", form)
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="rfc-title-err"`) {
			t.Fatalf("no title: %d, want 400 with the title's error next to it\n%s", p.Status, p.Body)
		}
		if !strings.Contains(p.Body, "CVE fixes") {
			t.Errorf("the form lost what was typed")
		}
		var list struct{ Items []any }
		s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/changes", Token: s.Admin}).JSON(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("a refused form wrote %d RFCs", len(list.Items))
		}
		form.Set("title", "Patch web-01")
		form["affected_cis"] = []string{e.web, e.db}
		p = b.post("/ui/changes", form)
		m := rfcPath.FindStringSubmatch(p.URL)
		if p.Status != http.StatusOK || m == nil || !strings.Contains(p.Body, "Patch web-01") {
			t.Fatalf("create: %d at %s", p.Status, p.URL)
		}
		if state, _ := e.rfc(t, m[1]); state != "draft" {
			t.Errorf("state %s, want draft", state)
		}
	})
}

func TestFriendlyErrorPages(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		newEstate(t, s)
		b := newBrowser(t, s)
		b.login("rita", apitest.UserPassword)
		for path, status := range map[string]int{"/ui/changes/RFC-999": 404, "/ui/nowhere": 404, "/ui/changes?state=bogus": 400} {
			p := b.get(path)
			if p.Status != status || !strings.Contains(p.Body, "<main") {
				t.Errorf("%s: %d, want %d and a page", path, p.Status, status)
			}
			if status == 404 && !strings.Contains(p.Body, "request id") {
				t.Errorf("%s: no request id on the error page", path)
			}
		}
	})
}
