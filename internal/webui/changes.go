package webui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// listSize is the RFC list's page size.
const listSize = 50

type rfcListView struct {
	Filter  url.Values
	States  []change.State
	Items   []change.RFC
	Next    string // the next page's query string, empty on the last page
	Errors  formErrors
	Total   int
	Showing string
}

// listRFCs is the RFC list with the API's filters and its keyset paging.
func (u *UI) listRFCs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f errs.Fields
	filter := change.RFCFilter{Query: q.Get("q"), CI: q.Get("ci"), Limit: listSize}
	if q.Get("mine") == "1" {
		filter.RequesterID = from(r.Context()).actor.UserID
	}
	parseEnum(&f, q.Get("state"), change.ParseState, &filter.State)
	parseEnum(&f, q.Get("category"), change.ParseCategory, &filter.Category)
	parseEnum(&f, q.Get("priority"), change.ParsePriority, &filter.Priority)
	if cur := q.Get("cursor"); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n < 1 {
			f.Add("cursor", "not a cursor returned by this list")
		}
		filter.BeforeNumber = n
	}
	v := rfcListView{Filter: q, States: change.States()}
	if err := f.Err(); err != nil {
		v.Errors = toFormErrors(err)
		u.render(w, r, http.StatusBadRequest, "changes", v)
		return
	}
	p, err := u.Change.ListRFCs(r.Context(), from(r.Context()).actor, filter)
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
	u.render(w, r, http.StatusOK, "changes", v)
}

// parseEnum parses an optional enum filter; the parser's error names the
// field.
func parseEnum[T ~string](f *errs.Fields, v string, parse func(string) (T, error), dst *T) {
	if v == "" {
		return
	}
	t, err := parse(v)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) {
			*f = append(*f, e.Fields...)
		}
		return
	}
	*dst = t
}

// rfcView is the RFC page: the record, what the caller may do, the votes
// and the history.
type rfcView struct {
	RFC      change.RFC
	Actions  []change.Event
	CanVote  bool
	Votes    []change.Vote
	History  []audit.Event
	CIs      []cmdb.CI
	Names    map[string]string // user id → name, for votes and history
	Board    string
	Errors   formErrors
	Failed   string // the event whose form failed
	Form     url.Values
	Diagram  stateDiagram
	Meetings []change.Meeting
	// Orphan is set when the failed form is no longer on the page (the
	// RFC moved on meanwhile): its error is shown at the top.
	Orphan bool
}

func (u *UI) showRFC(w http.ResponseWriter, r *http.Request) {
	u.renderRFC(w, r, http.StatusOK, r.PathValue("id"), "", nil, nil)
}

// renderRFC renders the RFC page; failed and err are a form that failed,
// shown with its field errors next to its fields.
func (u *UI) renderRFC(w http.ResponseWriter, r *http.Request, status int, id, failed string, form url.Values, err error) {
	ctx, actor := r.Context(), from(r.Context()).actor
	rfc, gerr := u.Change.GetRFC(ctx, actor, id)
	if gerr != nil {
		u.fail(w, r, gerr)
		return
	}
	v := rfcView{RFC: rfc, Actions: u.Change.Actions(rfc, actor), Failed: failed, Form: form, Diagram: diagram(rfc.State)}
	if err != nil {
		v.Errors = toFormErrors(err)
	}
	if kind, ok := change.CurrentBoard(rfc); ok {
		v.Board = string(kind)
	}
	if v.Votes, gerr = u.Change.Votes(ctx, actor, rfc.ID); gerr != nil {
		u.fail(w, r, gerr)
		return
	}
	h, gerr := u.Change.History(ctx, actor, rfc.ID, 0, 200)
	if gerr != nil && !errs.Is(gerr, errs.Forbidden) {
		u.fail(w, r, gerr)
		return
	}
	v.History = h.Items
	if len(rfc.AffectedCIs) > 0 {
		if v.CIs, gerr = u.CMDB.FindCIs(ctx, actor, rfc.AffectedCIs); gerr != nil && !errs.Is(gerr, errs.Forbidden) {
			u.fail(w, r, gerr)
			return
		}
	}
	if rfc.State == change.StateAwaitingApproval && actor.Has(identity.CABMember) {
		// The same rule as the vote itself: the RFCs this caller may vote on.
		mine, merr := u.Change.MyApprovals(ctx, actor)
		if merr != nil {
			u.fail(w, r, merr)
			return
		}
		v.CanVote = slices.ContainsFunc(mine, func(m change.RFC) bool { return m.ID == rfc.ID })
	}
	ids := []string{rfc.RequesterID, rfc.ChangeManagerID}
	for _, vo := range v.Votes {
		ids = append(ids, vo.VoterID)
	}
	for _, e := range v.History {
		ids = append(ids, e.ActorID)
	}
	v.Names = u.names(r, ids...)
	v.Orphan = failed != "" && !slices.Contains(v.Actions, change.Event(failed)) && !(failed == "vote" && v.CanVote)
	u.render(w, r, status, "change", v)
}

// transitionRFC fires one event from an action form, then shows the RFC
// again (POST, redirect, GET); a refusal shows the page with the errors.
func (u *UI) transitionRFC(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	form := r.PostForm
	ev, err := change.ParseEvent(form.Get("event"))
	if err != nil {
		u.renderRFC(w, r, statusOf(err), id, form.Get("event"), form, err)
		return
	}
	var f errs.Fields
	in := change.TransitionInput{Comment: form.Get("comment"), Category: change.Category(form.Get("category")),
		Priority: change.Priority(form.Get("priority")), TemplateID: form.Get("template_id"),
		CloseCode: change.CloseCode(form.Get("close_code")), ReviewNotes: form.Get("review_notes")}
	if form.Get("window.start") != "" || form.Get("window.end") != "" {
		in.Window = parseWindow(&f, form, zoneOf(r))
	}
	version := parseVersion(&f, form.Get("version"))
	if err := f.Err(); err != nil {
		u.renderRFC(w, r, http.StatusBadRequest, id, string(ev), form, err)
		return
	}
	rfc, err := u.Change.Transition(r.Context(), from(r.Context()).actor, id, ev, in, version)
	if err != nil {
		u.renderRFC(w, r, statusOf(err), id, string(ev), form, err)
		return
	}
	http.Redirect(w, r, Prefix+"/changes/"+rfc.ID+"?notice="+url.QueryEscape(humanEvent(ev)+" done"), http.StatusSeeOther)
}

func (u *UI) voteRFC(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	form := r.PostForm
	_, rfc, err := u.Change.Vote(r.Context(), from(r.Context()).actor, id, change.VoteInput{
		Decision: form.Get("decision"), Reason: form.Get("reason"), MeetingID: form.Get("meeting_id")})
	if err != nil {
		u.renderRFC(w, r, statusOf(err), id, "vote", form, err)
		return
	}
	back := Prefix + "/changes/" + rfc.ID
	if m := form.Get("meeting_id"); m != "" && form.Get("back") == "meeting" {
		back = Prefix + "/cab/meetings/" + url.PathEscape(m)
	}
	http.Redirect(w, r, back+"?notice="+url.QueryEscape("vote recorded"), http.StatusSeeOther)
}

func humanEvent(ev change.Event) string {
	s := strings.ReplaceAll(string(ev), "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// parseVersion reads the version the form was rendered from, so that a
// page left open while someone else acted gets a conflict, not a surprise.
func parseVersion(f *errs.Fields, v string) *int64 {
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		f.Add("version", "must be a positive whole number")
		return nil
	}
	return &n
}

// localLayout is what <input type="datetime-local"> sends.
const localLayout = "2006-01-02T15:04"

// parseWindow reads window.start and window.end (local times in the
// window's zone, or the browser's when none is chosen) and window.time_zone.
func parseWindow(f *errs.Fields, form url.Values, zone *time.Location) *change.Window {
	w := &change.Window{TimeZone: form.Get("window.time_zone")}
	loc := zone
	if w.TimeZone != "" {
		l, err := time.LoadLocation(w.TimeZone)
		if err != nil {
			f.Add("window.time_zone", "must be an IANA time zone such as Europe/Paris")
			return w
		}
		loc = l
	} else if zone != time.UTC {
		w.TimeZone = zone.String()
	}
	for _, part := range []struct {
		name string
		dst  *time.Time
	}{{"window.start", &w.Start}, {"window.end", &w.End}} {
		v := form.Get(part.name)
		if v == "" {
			continue
		}
		t, err := time.ParseInLocation(localLayout, v, loc)
		if err != nil {
			if t, err = time.ParseInLocation(localLayout+":05", v, loc); err != nil {
				f.Add(part.name, "must be a date and time like 2026-01-02T15:04")
				continue
			}
		}
		*part.dst = t.UTC()
	}
	return w
}

// names maps the user ids a page shows to usernames.
func (u *UI) names(r *http.Request, ids ...string) map[string]string {
	out, err := u.Auth.UserNames(r.Context(), from(r.Context()).actor, ids)
	if err != nil {
		u.Log.Warn("user names", "err", err.Error())
	}
	return out
}
