// Package webui is the browser front end: server-rendered html/template
// pages over the same use cases as the API (never a second implementation
// of a rule), with cookie sessions, CSRF tokens on every form, and plain
// forms that work without JavaScript (POST, then redirect to a GET).
package webui

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/release"
	"github.com/changeboard/changeboard/internal/schedule"
	"github.com/changeboard/changeboard/internal/session"
)

// Prefix is where the UI is mounted.
const Prefix = "/ui"

// Deps are the use cases the pages call.
type Deps struct {
	Auth     *auth.Service
	Sessions *session.Service
	Audit    *audit.Service
	Change   *change.Service
	CMDB     *cmdb.Service
	Catalog  *catalog.Service
	Release  *release.Service
	Schedule *schedule.Service
	Log      *slog.Logger
}

// UI is the web front end as an http.Handler.
type UI struct {
	Deps
	pages  pages
	static http.Handler
	mux    *http.ServeMux
	// cop refuses cross-origin form posts by their Fetch metadata headers;
	// the CSRF token below is the second line, for browsers without them.
	cop *http.CrossOriginProtection
}

// New parses every template (an error here stops the start, not a request)
// and returns the UI.
func New(d Deps) (*UI, error) {
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	u := &UI{Deps: d, pages: p, mux: http.NewServeMux(), cop: http.NewCrossOriginProtection()}
	u.static, err = staticHandler()
	if err != nil {
		return nil, err
	}
	u.routes()
	return u, nil
}

func (u *UI) routes() {
	m := u.mux
	m.Handle("GET /ui/static/", u.static)
	m.HandleFunc("GET /ui/login", u.loginPage)
	m.HandleFunc("POST /ui/login", u.login)
	m.HandleFunc("POST /ui/logout", u.signedIn(u.logout))
	m.HandleFunc("GET /ui/{$}", u.signedIn(u.dashboard))
	m.HandleFunc("GET /ui/changes", u.signedIn(u.listRFCs))
	m.HandleFunc("GET /ui/changes/new", u.signedIn(u.newRFC))
	m.HandleFunc("POST /ui/changes", u.signedIn(u.createRFC))
	m.HandleFunc("GET /ui/changes/{id}", u.signedIn(u.showRFC))
	m.HandleFunc("POST /ui/changes/{id}/transitions", u.signedIn(u.transitionRFC))
	m.HandleFunc("POST /ui/changes/{id}/votes", u.signedIn(u.voteRFC))
	u.extraRoutes(m)
	m.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		u.fail(w, r, errs.E(errs.NotFound, "there is no page at %s", r.URL.Path))
	})
}

// ServeHTTP implements http.Handler.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if err := u.cop.Check(r); err != nil {
		u.fail(w, r, errs.E(errs.Forbidden, "cross-origin form posts are refused"))
		return
	}
	u.mux.ServeHTTP(w, r)
}

// The session cookie and the login form's pre-session cookie.
const (
	sessionCookie = "cb_session"
	loginCookie   = "cb_login"
	zoneCookie    = "cb_tz"
)

type ctxKey struct{}

// request is what a signed-in page knows about its caller.
type request struct {
	actor identity.Actor
	raw   string // the session's cookie value
}

func from(ctx context.Context) request {
	r, _ := ctx.Value(ctxKey{}).(request)
	return r
}

// signedIn resumes the session (or sends the browser to the login page)
// and checks the CSRF token of every POST.
func (u *UI) signedIn(next func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		raw := ""
		if err == nil {
			raw = c.Value
		}
		actor, err := u.Sessions.Resume(r.Context(), raw)
		if errs.Is(err, errs.Unauthenticated) {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			u.fail(w, r, errs.E(errs.Unauthenticated, "your session has ended; log in again"))
			return
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		if r.Method == http.MethodPost && !session.CheckCSRF(raw, r.PostFormValue("csrf")) {
			u.fail(w, r, errs.E(errs.Forbidden, "the form's CSRF token is missing or wrong; reload the page and try again"))
			return
		}
		ctx := context.WithValue(r.Context(), ctxKey{}, request{actor: actor, raw: raw})
		w.Header().Set("Cache-Control", "no-store")
		next(w, r.WithContext(ctx))
	}
}

// statusOf is the status a page answers for a domain error.
func statusOf(err error) int {
	return errs.StatusOf(errs.CodeOf(err))
}

// fail renders the friendly error page with the request id; anything that
// is not a domain error is logged and shown as "internal error".
func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	msg := "internal error"
	var e *errs.Error
	if errors.As(err, &e) && status < 500 {
		msg = e.Message
	}
	rid := w.Header().Get("X-Request-Id")
	if status >= 500 {
		u.Log.Error("page failed", "request_id", rid, "method", r.Method, "path", r.URL.Path, "err", err.Error())
	}
	u.render(w, r, status, "error", errorView{Status: status, Title: http.StatusText(status), Message: msg, RequestID: rid})
}

type errorView struct {
	Status    int
	Title     string
	Message   string
	RequestID string
}
