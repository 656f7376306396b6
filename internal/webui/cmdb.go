package webui

import (
	"net/http"
	"net/url"
	"time"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/page"
)

type ciListView struct {
	Filter url.Values
	Items  []cmdb.CI
	Next   string
	Errors formErrors
}

// listCIs is the CMDB's CI list with the API's name search and paging.
func (u *UI) listCIs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := ciListView{Filter: q}
	f := cmdb.CIFilter{Query: q.Get("q"), Environment: q.Get("environment"), Limit: listSize}
	if c := q.Get("cursor"); c != "" {
		after, ok := page.ParseText(c)
		if !ok {
			v.Errors = toFormErrors(errs.Field("cursor", "not a cursor returned by this list"))
			u.render(w, r, http.StatusBadRequest, "cis", v)
			return
		}
		f.AfterName = after
	}
	p, err := u.CMDB.ListCIs(r.Context(), from(r.Context()).actor, f)
	if err != nil {
		if errs.Is(err, errs.Invalid) {
			v.Errors = toFormErrors(err)
			u.render(w, r, http.StatusBadRequest, "cis", v)
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
		v.Next = next.Encode()
	}
	u.render(w, r, http.StatusOK, "cis", v)
}

type ciView struct {
	CI            cmdb.CI
	AsOf          string
	Relationships []cmdb.Relationship
	History       []cmdb.CIVersion
	Compliance    *catalog.CICompliance
	Names         map[string]string
}

// showCI is a CI: attributes (as of a date, if asked), relationships,
// history and compliance.
func (u *UI) showCI(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), from(r.Context()).actor
	id := r.PathValue("id")
	var ci cmdb.CI
	var err error
	v := ciView{AsOf: r.URL.Query().Get("as_of")}
	if v.AsOf != "" {
		at, perr := time.ParseInLocation(localLayout, v.AsOf, zoneOf(r))
		if perr != nil {
			u.fail(w, r, errs.Field("as_of", "must be a date and time like 2026-01-02T15:04"))
			return
		}
		ci, err = u.CMDB.GetCIAt(ctx, actor, id, at.UTC())
	} else {
		ci, err = u.CMDB.GetCI(ctx, actor, id)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v.CI = ci
	if v.Relationships, err = u.CMDB.Relationships(ctx, actor, ci.ID, cmdb.RelationshipFilter{}); err != nil {
		u.fail(w, r, err)
		return
	}
	h, err := u.CMDB.History(ctx, actor, ci.ID, 0, 50)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v.History = h.Items
	if c, err := u.Catalog.CICompliance(ctx, actor, ci.ID, catalog.ResultQuery{Limit: 100}); err == nil {
		v.Compliance = &c
	} else if !errs.Is(err, errs.Forbidden) && !errs.Is(err, errs.NotFound) {
		u.fail(w, r, err)
		return
	}
	ids := make([]string, 0, len(v.History))
	for _, hv := range v.History {
		ids = append(ids, hv.ActorID)
	}
	v.Names = u.names(r, ids...)
	u.render(w, r, http.StatusOK, "ci", v)
}
