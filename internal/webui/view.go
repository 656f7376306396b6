package webui

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/session"
	"github.com/changeboard/changeboard/web"
)

// pages are the parsed templates, one set per page (each with the layout).
type pages map[string]*template.Template

var funcs = template.FuncMap{
	"when":     when,
	"upper":    strings.ToUpper,
	"join":     func(s []string) string { return strings.Join(s, ", ") },
	"humanize": func(s any) string { return strings.ReplaceAll(fmt.Sprint(s), "_", " ") },
	"list":     func(s ...string) []string { return s },
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict needs key and value pairs")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, errors.New("dict keys are strings")
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"add": func(a, b int) int { return a + b },
	"pct": func(part, whole int) int {
		if whole <= 0 {
			return 0
		}
		return part * 100 / whole
	},
}

// parsePages parses layout.html with each other template; a syntax error
// or a missing template fails the start.
func parsePages() (pages, error) {
	names, err := fs.Glob(web.FS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := pages{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(web.FS, "templates/layout.html", "templates/_*.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		if t.Lookup("content") == nil || t.Lookup("title") == nil {
			return nil, fmt.Errorf("template %s: defines no content or title", n)
		}
		p[base] = t
	}
	return p, nil
}

// pageData is what every template gets: the caller, the CSRF token for its
// forms, the zone to show times in, and the page's own data.
type pageData struct {
	Actor  identity.Actor
	CSRF   string
	Zone   *time.Location
	Path   string
	Notice string
	Data   any
}

// Can reports whether the caller holds one of the roles (for navigation
// only: the use cases decide what is allowed).
func (p pageData) Can(roles ...string) bool {
	for _, r := range roles {
		if p.Actor.Has(identity.Role(r)) {
			return true
		}
	}
	return false
}

// render writes a page; a template that fails writes the error page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := u.pages[name]
	if !ok {
		http.Error(w, "no page "+name, http.StatusInternalServerError)
		return
	}
	req := from(r.Context())
	p := pageData{Actor: req.actor, Zone: zoneOf(r), Path: r.URL.Path, Notice: r.URL.Query().Get("notice"), Data: data}
	if req.raw != "" {
		p.CSRF = session.CSRFToken(req.raw)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		u.Log.Error("template failed", "page", name, "err", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// zoneOf is the zone the browser reported (static/app.js sets the cookie),
// or UTC without JavaScript.
func zoneOf(r *http.Request) *time.Location {
	if c, err := r.Cookie(zoneCookie); err == nil && c.Value != "" && len(c.Value) < 64 {
		if loc, err := time.LoadLocation(c.Value); err == nil {
			return loc
		}
	}
	return time.UTC
}

// when shows a time in zone with its UTC form on hover; a nil or zero time
// shows a dash.
func when(zone *time.Location, v any) template.HTML {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return "—"
	}
	local := t.In(zone).Format("2006-01-02 15:04 MST")
	utc := t.UTC().Format("2006-01-02 15:04:05 UTC")
	return template.HTML(fmt.Sprintf(`<time datetime="%s" title="%s">%s</time>`,
		t.UTC().Format(time.RFC3339), template.HTMLEscapeString(utc), template.HTMLEscapeString(local)))
}

// formErrors are a failed form's field errors by field name, and the
// message of an error that names no field.
type formErrors struct {
	Fields  map[string]string
	Message string
}

func toFormErrors(err error) formErrors {
	fe := formErrors{Fields: map[string]string{}}
	var e *errs.Error
	if !errors.As(err, &e) {
		fe.Message = "internal error"
		return fe
	}
	for _, f := range e.Fields {
		if _, dup := fe.Fields[f.Field]; !dup {
			fe.Fields[f.Field] = f.Reason
		}
	}
	if len(e.Fields) == 0 {
		fe.Message = e.Message
	}
	return fe
}

// Of returns the error of one field.
func (f formErrors) Of(field string) string { return f.Fields[field] }

// Any reports whether there is an error at all.
func (f formErrors) Any() bool { return len(f.Fields) > 0 || f.Message != "" }

func staticHandler() (http.Handler, error) {
	sub, err := fs.Sub(web.FS, "static")
	if err != nil {
		return nil, err
	}
	files := http.StripPrefix(Prefix+"/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}), nil
}
