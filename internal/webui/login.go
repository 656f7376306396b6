package webui

import (
	"net/http"
	"strings"

	"github.com/changeboard/changeboard/internal/session"
)

type loginView struct {
	Username string
	Next     string
	Token    string
	Errors   formErrors
}

// secure reports whether the browser reached us over TLS (directly or
// through a proxy that says so), so that cookies get the Secure flag.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Prefix + "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode})
}

// loginPage shows the form. The form's CSRF token is bound to a
// pre-session cookie, so that another site cannot log a browser in as
// someone else (login CSRF).
func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	u.showLogin(w, r, http.StatusOK, loginView{Next: safeNext(r.URL.Query().Get("next"))})
}

func (u *UI) showLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	pre := session.NewValue()
	setCookie(w, r, loginCookie, pre, 600)
	v.Token = session.CSRFToken(pre)
	w.Header().Set("Cache-Control", "no-store")
	u.render(w, r, status, "login", v)
}

// login runs the API's own login (the same lockout and audit), then opens
// a browser session.
func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	v := loginView{Username: r.PostFormValue("username"), Next: safeNext(r.PostFormValue("next"))}
	pre, err := r.Cookie(loginCookie)
	if err != nil || !session.CheckCSRF(pre.Value, r.PostFormValue("csrf")) {
		v.Errors = formErrors{Message: "the login form expired; please try again"}
		u.showLogin(w, r, http.StatusForbidden, v)
		return
	}
	ctx := r.Context()
	s, err := u.Auth.Login(ctx, v.Username, r.PostFormValue("password"))
	if err == nil {
		actor, aerr := u.Auth.Authenticate(ctx, s.AccessToken)
		if aerr == nil {
			raw, serr := u.Sessions.Start(ctx, actor)
			if serr == nil {
				setCookie(w, r, loginCookie, "", -1)
				setCookie(w, r, sessionCookie, raw, int(u.Sessions.TTL().Seconds()))
				next := v.Next
				if next == "" {
					next = Prefix + "/"
				}
				http.Redirect(w, r, next, http.StatusSeeOther)
				return
			}
			err = serr
		} else {
			err = aerr
		}
	}
	if statusOf(err) >= 500 {
		u.fail(w, r, err)
		return
	}
	v.Errors = toFormErrors(err)
	u.showLogin(w, r, statusOf(err), v)
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	req := from(r.Context())
	if err := u.Sessions.End(r.Context(), req.actor, req.raw); err != nil {
		u.fail(w, r, err)
		return
	}
	setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}

// safeNext keeps only a local UI path, so that the login form cannot be
// made to send the browser elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	return next
}
