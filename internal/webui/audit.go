package webui

import (
	"net/http"
	"net/url"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
)

type auditView struct {
	Filter url.Values
	Items  []audit.Event
	Next   string
	Report *audit.Report
	Errors formErrors
	Names  map[string]string
}

// auditTrail is the auditor's page: events with the API's filters and
// paging, and the chain's verification on request (?verify=1).
func (u *UI) auditTrail(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), from(r.Context()).actor
	q := r.URL.Query()
	v := auditView{Filter: q}
	f := audit.Filter{EntityType: q.Get("entity_type"), EntityID: q.Get("entity_id"), Actor: q.Get("actor"),
		Action: q.Get("action"), Limit: 100}
	if c := q.Get("cursor"); c != "" {
		id, err := audit.DecodeCursor("cursor", c)
		if err != nil {
			v.Errors = toFormErrors(err)
			u.render(w, r, http.StatusBadRequest, "audit", v)
			return
		}
		f.AfterID = id
	}
	p, err := u.Audit.List(ctx, actor, f)
	if err != nil {
		if errs.Is(err, errs.Invalid) {
			v.Errors = toFormErrors(err)
			u.render(w, r, http.StatusBadRequest, "audit", v)
			return
		}
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
		next.Del("verify")
		v.Next = next.Encode()
	}
	if q.Get("verify") == "1" {
		rep, err := u.Audit.Verify(ctx, actor)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		v.Report = &rep
	}
	ids := make([]string, 0, len(p.Items))
	for _, e := range p.Items {
		ids = append(ids, e.ActorID)
	}
	v.Names = u.names(r, ids...)
	u.render(w, r, http.StatusOK, "audit", v)
}
