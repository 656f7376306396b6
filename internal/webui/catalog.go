package webui

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/errs"
)

type updateListView struct {
	Filter     url.Values
	Items      []catalog.Update
	Next       string
	Errors     formErrors
	States     []catalog.State
	Severities []catalog.Severity
}

// listUpdates is the catalog: updates with the API's filters and paging.
func (u *UI) listUpdates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := updateListView{Filter: q, States: catalog.States(), Severities: catalog.Severities()}
	var f errs.Fields
	filter := catalog.UpdateFilter{CVE: q.Get("cve"), Product: q.Get("product"), Query: q.Get("q"), Limit: listSize}
	parseEnum(&f, q.Get("state"), catalog.ParseState, &filter.State)
	parseEnum(&f, q.Get("severity"), catalog.ParseSeverity, &filter.Severity)
	if cur := q.Get("cursor"); cur != "" {
		if filter.After = catalog.DecodeUpdateCursor(cur); filter.After == nil {
			f.Add("cursor", "not a cursor returned by this list")
		}
	}
	if err := f.Err(); err != nil {
		v.Errors = toFormErrors(err)
		u.render(w, r, http.StatusBadRequest, "updates", v)
		return
	}
	p, err := u.Catalog.ListUpdates(r.Context(), from(r.Context()).actor, filter)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v.Items = p.Items
	if p.NextCursor != "" {
		next := url.Values{}
		for k, vs := range q {
			next[k] = vs
		}
		next.Set("cursor", p.NextCursor)
		v.Next = next.Encode()
	}
	u.render(w, r, http.StatusOK, "updates", v)
}

type updateView struct {
	Update     catalog.Update
	Actions    []catalog.Event
	Compliance *catalog.UpdateCompliance
	Errors     formErrors
	Failed     string
	Form       url.Values
	Orphan     bool
}

func (u *UI) showUpdate(w http.ResponseWriter, r *http.Request) {
	u.renderUpdate(w, r, http.StatusOK, "", nil, nil)
}

func (u *UI) renderUpdate(w http.ResponseWriter, r *http.Request, status int, failed string, form url.Values, err error) {
	ctx, actor := r.Context(), from(r.Context()).actor
	up, gerr := u.Catalog.GetUpdate(ctx, actor, r.PathValue("id"))
	if gerr != nil {
		u.fail(w, r, gerr)
		return
	}
	v := updateView{Update: up, Actions: u.Catalog.Actions(up, actor), Failed: failed, Form: form}
	if err != nil {
		v.Errors = toFormErrors(err)
	}
	v.Orphan = failed != "" && !slices.Contains(v.Actions, catalog.Event(failed))
	if c, cerr := u.Catalog.UpdateCompliance(ctx, actor, up.ID, catalog.ResultQuery{Limit: 100}); cerr == nil {
		v.Compliance = &c
	} else if !errs.Is(cerr, errs.Forbidden) {
		u.fail(w, r, cerr)
		return
	}
	u.render(w, r, status, "update", v)
}

// transitionUpdate fires an event on an update (approve, decline, …).
func (u *UI) transitionUpdate(w http.ResponseWriter, r *http.Request) {
	form := r.PostForm
	ev, err := catalog.ParseEvent(form.Get("event"))
	if err != nil {
		u.renderUpdate(w, r, statusOf(err), form.Get("event"), form, err)
		return
	}
	var f errs.Fields
	version := parseVersion(&f, form.Get("version"))
	if err := f.Err(); err != nil {
		u.renderUpdate(w, r, http.StatusBadRequest, string(ev), form, err)
		return
	}
	up, err := u.Catalog.Transition(r.Context(), from(r.Context()).actor, r.PathValue("id"), ev,
		catalog.TransitionInput{Comment: form.Get("comment"), SupersededBy: form.Get("superseded_by")}, version)
	if err != nil {
		u.renderUpdate(w, r, statusOf(err), string(ev), form, err)
		return
	}
	http.Redirect(w, r, Prefix+"/updates/"+up.ID+"?notice="+url.QueryEscape(string(ev)+" done"), http.StatusSeeOther)
}
