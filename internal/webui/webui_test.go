package webui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

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

// TestPagesAreAccessible renders every page for each role and checks the
// markup (checkPage); the RFC page is checked in several states, where
// different forms appear.
func TestPagesAreAccessible(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newEstate(t, s)
		id := e.draft(t)
		b := newBrowser(t, s)
		checkPage(t, "/ui/login", b.get("/ui/login").Body)
		steps := []struct {
			who   string
			event string
			extra map[string]any
		}{
			{"rita", "", nil},
			{"rita", "submit", nil},
			{"carl", "classify", map[string]any{"category": "significant", "priority": "medium"}},
			{"carl", "request_approval", nil},
			{"member0", "", nil},
			{"audrey", "", nil},
		}
		for _, st := range steps {
			if st.event != "" {
				e.fire(t, st.who, id, st.event, st.extra)
			}
			b := newBrowser(t, s)
			b.login(st.who, apitest.UserPassword)
			paths := append(pagePaths, "/ui/changes/"+id)
			if st.who == "audrey" {
				paths = append(paths, "/ui/audit", "/ui/audit?verify=1&entity_id="+id)
			}
			for _, path := range paths {
				p := b.get(path)
				if p.Status != 200 {
					t.Errorf("%s as %s: %d", path, st.who, p.Status)
				}
				checkPage(t, path+" as "+st.who, p.Body)
			}
		}
	})
}

// TestSessionEnds: a logged-out session's cookie no longer works, nor
// does a session whose user an admin disables; the cookie is HttpOnly
// and SameSite=Lax, and only its hash is stored.
func TestSessionEnds(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newEstate(t, s)
		b := newBrowser(t, s)
		lp := b.get("/ui/login")
		req, _ := http.NewRequest("POST", s.URL+"/ui/login", strings.NewReader(url.Values{
			"username": {"rita"}, "password": {apitest.UserPassword}, "csrf": {lp.csrf(t)}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range b.c.Jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var cookie *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "cb_session" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", cookie)
		}
		var rows, plain int64
		// The value is base64url: safe to put in the query as a literal.
		q := "SELECT COUNT(*), COALESCE(SUM(CASE WHEN id_hash = '" + cookie.Value + "' THEN 1 ELSE 0 END), 0) FROM web_sessions"
		if err := s.App.DB.SQL().QueryRow(q).Scan(&rows, &plain); err != nil || rows != 1 || plain != 0 {
			t.Fatalf("sessions stored: %d, with the plain cookie value: %d (%v); want 1 and 0", rows, plain, err)
		}
		withCookie := func() page {
			r, _ := http.NewRequest("GET", s.URL+"/ui/", nil)
			r.AddCookie(&http.Cookie{Name: "cb_session", Value: cookie.Value})
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			return read(t, res)
		}
		if p := withCookie(); p.URL != "/ui/" {
			t.Fatalf("the session does not work: at %s", p.URL)
		}
		// Disabled by an admin: the next page is the login.
		up := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/users/" + e.requester, Token: s.Admin, Body: map[string]any{"disabled": true}})
		if up.Status != http.StatusOK {
			t.Fatalf("disable: %d %s", up.Status, up.Body)
		}
		if p := withCookie(); p.URL != "/ui/login" {
			t.Errorf("a disabled user's session still works: at %s", p.URL)
		}
		s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/users/" + e.requester, Token: s.Admin, Body: map[string]any{"disabled": false}})
		if p := withCookie(); p.URL != "/ui/" {
			t.Fatalf("re-enabled: at %s", p.URL)
		}
		// Logged out: the old cookie is dead.
		b.c.Jar.SetCookies(req.URL, []*http.Cookie{cookie})
		home := b.get("/ui/")
		if p := b.post("/ui/logout", url.Values{"csrf": {home.csrf(t)}}); p.URL != "/ui/login" {
			t.Fatalf("logout: at %s", p.URL)
		}
		if p := withCookie(); p.URL != "/ui/login" {
			t.Errorf("a logged-out session still works: at %s", p.URL)
		}
	})
}

// TestCMDBAndCatalogPages: the CI list and page, and an update's page
// whose approve form goes through the catalog's own use case.
func TestCMDBAndCatalogPages(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newEstate(t, s)
		upd := e.post(t, "/api/v1/updates", map[string]any{"vendor_id": "DSA-9999-1", "title": "openssl security update",
			"severity": "critical", "publisher": "Debian", "released_at": "2026-11-01T00:00:00Z",
			"cves": []map[string]any{{"id": "CVE-2026-1234", "title": "overflow"}}})
		b := newBrowser(t, s)
		b.login("carl", apitest.UserPassword)
		if p := b.get("/ui/cis?q=web"); p.Status != 200 || !strings.Contains(p.Body, "web-01") || strings.Contains(p.Body, "db-01") {
			t.Errorf("CI list filtered by name: %d", p.Status)
		}
		if p := b.get("/ui/cis/" + e.web); p.Status != 200 || !strings.Contains(p.Body, "criticality high") {
			t.Errorf("CI page: %d", p.Status)
		}
		if p := b.get("/ui/updates?severity=critical"); p.Status != 200 || !strings.Contains(p.Body, "DSA-9999-1") {
			t.Errorf("update list: %d", p.Status)
		}
		if p := b.get("/ui/updates?severity=bogus"); p.Status != 400 {
			t.Errorf("bad severity: %d, want 400", p.Status)
		}
		p := b.get("/ui/updates/" + upd)
		if p.Status != 200 || !strings.Contains(p.Body, "CVE-2026-1234") {
			t.Fatalf("update page: %d", p.Status)
		}
		checkPage(t, "/ui/updates/{id}", p.Body)
		checkPage(t, "/ui/cis/{id}", b.get("/ui/cis/"+e.web).Body)
		if !strings.Contains(p.Body, `value="approve"`) {
			t.Fatalf("the change manager is not offered approve:\n%s", p.Body)
		}
		p = b.post("/ui/updates/"+upd+"/transitions", url.Values{"csrf": {p.csrf(t)}, "event": {"approve"}, "comment": {"needed"}})
		if p.Status != 200 || !strings.Contains(p.Body, "approve done") {
			t.Fatalf("approve: %d\n%s", p.Status, p.Body)
		}
		var u struct{ State string }
		s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/updates/" + upd, Token: s.Admin}).JSON(t, &u)
		if u.State != "approved" {
			t.Errorf("update state %s, want approved", u.State)
		}
		// A requester may not approve: no form, and a forged one is refused.
		r := newBrowser(t, s)
		r.login("rita", apitest.UserPassword)
		rp := r.get("/ui/updates/" + upd)
		if strings.Contains(rp.Body, `value="approve"`) {
			t.Error("the requester is offered approve")
		}
		if fp := r.post("/ui/updates/"+upd+"/transitions", url.Values{"csrf": {rp.csrf(t)}, "event": {"decline"}, "comment": {"no"}}); fp.Status != 403 {
			t.Errorf("a requester's forged decline: %d, want 403", fp.Status)
		}
	})
}

// TestReleasePages: a release made through the API shows in the list and
// on its page, with its RFC and items.
func TestReleasePages(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newEstate(t, s)
		_, rmTok := s.MustUser(t, "remy", "release_manager")
		id := e.draft(t)
		e.fire(t, "rita", id, "submit", nil)
		e.fire(t, "carl", id, "classify", map[string]any{"category": "significant", "priority": "medium"})
		e.fire(t, "carl", id, "request_approval", nil)
		for _, m := range []string{"member0", "member1"} {
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes/" + id + "/votes",
				Token: s.Login(t, m, apitest.UserPassword), Body: map[string]any{"decision": "approve", "reason": "ok"}})
			if res.Status != http.StatusCreated {
				t.Fatalf("vote: %d %s", res.Status, res.Body)
			}
		}
		res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/releases", Token: rmTok, Body: map[string]any{
			"name": "October OpenSSL fixes", "rfc_ids": []string{id},
			"items":    []map[string]string{{"kind": "deb", "name": "openssl", "version": "3.0.11-1~deb12u2"}},
			"commands": []map[string]string{{"platform": "default", "install": "apt-get install -y {packages}", "backout": "apt-get install -y --allow-downgrades openssl=3.0.11-1~deb12u1"}},
		}})
		if res.Status != http.StatusCreated {
			t.Fatalf("release: %d %s", res.Status, res.Body)
		}
		var rel struct{ ID string }
		res.JSON(t, &rel)
		b := newBrowser(t, s)
		b.login("remy", apitest.UserPassword)
		if p := b.get("/ui/releases?state=planning"); p.Status != 200 || !strings.Contains(p.Body, "October OpenSSL fixes") {
			t.Errorf("release list: %d", p.Status)
		}
		p := b.get("/ui/releases/" + rel.ID)
		if p.Status != 200 || !strings.Contains(p.Body, "3.0.11-1~deb12u2") || !strings.Contains(p.Body, "/ui/changes/"+id) {
			t.Errorf("release page: %d\n%s", p.Status, p.Body)
		}
		checkPage(t, "/ui/releases/{id}", p.Body)
	})
}

// TestVoteInAMeeting: a CAB member votes from the meeting page's form; the
// vote is recorded in the meeting and the browser goes back to it.
func TestVoteInAMeeting(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newEstate(t, s)
		id := e.draft(t)
		e.fire(t, "rita", id, "submit", nil)
		e.fire(t, "carl", id, "classify", map[string]any{"category": "significant", "priority": "medium"})
		e.fire(t, "carl", id, "request_approval", nil)
		cm := newBrowser(t, s)
		cab := cm.login("carl", apitest.UserPassword)
		p := cm.post("/ui/cab/meetings", url.Values{"csrf": {cab.csrf(t)}, "board_id": {e.cabID}, "title": {"Weekly CAB"},
			"starts_at": {time.Now().UTC().Add(-10 * time.Minute).Format("2006-01-02T15:04")}})
		if p.Status != 200 || !strings.HasPrefix(p.URL, "/ui/cab/meetings/") || !strings.Contains(p.Body, "Patch web-01") {
			t.Fatalf("call a meeting: %d at %s\n%s", p.Status, p.URL, p.Body)
		}
		meeting := p.URL
		mid := strings.TrimPrefix(meeting, "/ui/cab/meetings/")
		p = cm.post(meeting+"/attendance", url.Values{"csrf": {p.csrf(t)}, "version": {"1"}, "attendees": {e.members[0]}})
		if p.Status != 200 || !strings.Contains(p.Body, "attendance recorded") {
			t.Fatalf("attendance: %d\n%s", p.Status, p.Body)
		}
		m := newBrowser(t, s)
		m.login("member0", apitest.UserPassword)
		mp := m.get(meeting)
		if !strings.Contains(mp.Body, `id="vote-`+id+`-reason"`) {
			t.Fatalf("member0 is not offered the vote on the meeting page:\n%s", mp.Body)
		}
		p = m.post("/ui/changes/"+id+"/votes", url.Values{"csrf": {mp.csrf(t)}, "meeting_id": {mid}, "back": {"meeting"},
			"decision": {"approve"}, "reason": {"fine"}})
		if p.Status != 200 || p.URL != meeting || !strings.Contains(p.Body, "vote recorded") {
			t.Fatalf("vote in the meeting: %d at %s\n%s", p.Status, p.URL, p.Body)
		}
		if _, n := e.rfc(t, id); n != 1 {
			t.Errorf("%d votes, want 1", n)
		}
	})
}
