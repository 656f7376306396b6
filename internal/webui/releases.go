package webui

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/release"
)

type releaseListView struct {
	Filter url.Values
	States []release.State
	Items  []release.Release
	Next   string
	Errors formErrors
}

// listReleases is the release list with the API's state filter and paging.
func (u *UI) listReleases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := releaseListView{Filter: q, States: release.States()}
	var f errs.Fields
	filter := release.ReleaseFilter{RFCID: q.Get("rfc"), Limit: listSize}
	parseEnum(&f, q.Get("state"), release.ParseState, &filter.State)
	if cur := q.Get("cursor"); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n < 1 {
			f.Add("cursor", "not a cursor returned by this list")
		}
		filter.BeforeNumber = n
	}
	if err := f.Err(); err != nil {
		v.Errors = toFormErrors(err)
		u.render(w, r, http.StatusBadRequest, "releases", v)
		return
	}
	p, err := u.Release.ListReleases(r.Context(), from(r.Context()).actor, filter)
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
	u.render(w, r, http.StatusOK, "releases", v)
}

type releaseView struct {
	Release release.Release
	Reviews []release.Gate
	Names   map[string]string
}

// showRelease is a release: its package, RFCs, updates and the reviews
// (readiness, deployment complete) with their checklists.
func (u *UI) showRelease(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), from(r.Context()).actor
	rel, err := u.Release.GetRelease(ctx, actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := releaseView{Release: rel}
	if v.Reviews, err = u.Release.Reviews(ctx, actor, rel.ID); err != nil {
		u.fail(w, r, err)
		return
	}
	ids := []string{rel.OwnerID}
	for _, g := range v.Reviews {
		ids = append(ids, g.SignedBy)
	}
	v.Names = u.names(r, ids...)
	u.render(w, r, http.StatusOK, "release", v)
}
