package webui

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
)

type newRFCView struct {
	Form   url.Values
	CIs    []cmdb.CI
	Errors formErrors
}

// Selected reports whether the form chose value for a multi-valued field.
func (v newRFCView) Selected(field, value string) bool {
	for _, s := range v.Form[field] {
		if s == value {
			return true
		}
	}
	return false
}

func (u *UI) newRFC(w http.ResponseWriter, r *http.Request) {
	u.renderNewRFC(w, r, http.StatusOK, url.Values{}, nil)
}

func (u *UI) renderNewRFC(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error) {
	v := newRFCView{Form: form}
	if err != nil {
		v.Errors = toFormErrors(err)
	}
	cis, lerr := u.CMDB.ListCIs(r.Context(), from(r.Context()).actor, cmdb.CIFilter{Limit: 500})
	if lerr == nil {
		v.CIs = cis.Items
	}
	u.render(w, r, status, "change_new", v)
}

// createRFC creates a draft through the API's own use case: its field
// errors come back next to the fields and nothing is written.
func (u *UI) createRFC(w http.ResponseWriter, r *http.Request) {
	form := r.PostForm
	var f errs.Fields
	in := change.RFC{Title: strings.TrimSpace(form.Get("title")), Description: form.Get("description"),
		Reason: form.Get("reason"), AffectedCIs: form["affected_cis"], ImplementationPlan: form.Get("implementation_plan"),
		BackoutPlan: form.Get("backout_plan"), TestPlan: form.Get("test_plan"), TestEvidence: form.Get("test_evidence")}
	if form.Get("window.start") != "" || form.Get("window.end") != "" {
		in.Window = parseWindow(&f, form, zoneOf(r))
	}
	if err := f.Err(); err != nil {
		u.renderNewRFC(w, r, http.StatusBadRequest, form, err)
		return
	}
	rfc, err := u.Change.CreateRFC(r.Context(), from(r.Context()).actor, in)
	if err != nil {
		if statusOf(err) >= 500 {
			u.fail(w, r, err)
			return
		}
		u.renderNewRFC(w, r, statusOf(err), form, err)
		return
	}
	http.Redirect(w, r, Prefix+"/changes/"+rfc.ID+"?notice="+url.QueryEscape(rfc.Ref()+" created as a draft"), http.StatusSeeOther)
}

// stateDiagram is the RFC state machine drawn as SVG on the server, with
// the current state highlighted.
type stateDiagram struct {
	SVG template.HTML
}

// diagram lays the states out in rows in the machine's own order; every
// label is a state name from the one table, so nothing needs escaping
// beyond what fmt does with %s of known identifiers.
func diagram(current change.State) stateDiagram {
	const cols, bw, bh, gap = 4, 150, 30, 12
	states := change.States()
	rows := (len(states) + cols - 1) / cols
	width, height := cols*(bw+gap)+gap, rows*(bh+gap)+gap
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="diagram" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="diagram-title">`, width, height, width, height)
	fmt.Fprintf(&b, `<title id="diagram-title">RFC states; the current state is %s</title>`, template.HTMLEscapeString(string(current)))
	for i, s := range states {
		x, y := gap+(i%cols)*(bw+gap), gap+(i/cols)*(bh+gap)
		cls := "state"
		if s == current {
			cls = "state current"
		}
		name := template.HTMLEscapeString(strings.ReplaceAll(string(s), "_", " "))
		fmt.Fprintf(&b, `<g class="%s"><rect x="%d" y="%d" width="%d" height="%d" rx="6"/><text x="%d" y="%d" text-anchor="middle">%s</text></g>`,
			cls, x, y, bw, bh, x+bw/2, y+bh/2+5, name)
	}
	b.WriteString(`</svg>`)
	return stateDiagram{SVG: template.HTML(b.String())}
}
