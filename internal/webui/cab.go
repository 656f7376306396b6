package webui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

type cabView struct {
	Boards   []change.Board
	Meetings []change.Meeting
	Queue    []change.RFC
	Form     url.Values
	Errors   formErrors
}

// cab is the CAB's page: the queue of RFCs awaiting a board, the boards
// and the meetings, and (for change managers) a form to call a meeting.
func (u *UI) cab(w http.ResponseWriter, r *http.Request) {
	u.renderCAB(w, r, http.StatusOK, url.Values{}, nil)
}

func (u *UI) renderCAB(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error) {
	ctx, actor := r.Context(), from(r.Context()).actor
	v := cabView{Form: form}
	if err != nil {
		v.Errors = toFormErrors(err)
	}
	var gerr error
	if v.Boards, gerr = u.Change.ListBoards(ctx, actor); gerr != nil {
		u.fail(w, r, gerr)
		return
	}
	if v.Meetings, gerr = u.Change.ListMeetings(ctx, actor, nil, 50); gerr != nil {
		u.fail(w, r, gerr)
		return
	}
	q, gerr := u.Change.ListRFCs(ctx, actor, change.RFCFilter{State: change.StateAwaitingApproval, Limit: 50})
	if gerr != nil {
		u.fail(w, r, gerr)
		return
	}
	v.Queue = q.Items
	u.render(w, r, status, "cab", v)
}

func (u *UI) createMeeting(w http.ResponseWriter, r *http.Request) {
	form := r.PostForm
	var f errs.Fields
	in := change.NewMeeting{BoardID: form.Get("board_id"), Title: strings.TrimSpace(form.Get("title"))}
	if v := form.Get("starts_at"); v != "" {
		t, err := time.ParseInLocation(localLayout, v, zoneOf(r))
		if err != nil {
			f.Add("starts_at", "must be a date and time like 2026-01-02T15:04")
		}
		in.StartsAt = t.UTC()
	}
	if err := f.Err(); err != nil {
		u.renderCAB(w, r, http.StatusBadRequest, form, err)
		return
	}
	m, err := u.Change.CreateMeeting(r.Context(), from(r.Context()).actor, in)
	if err != nil {
		if statusOf(err) >= 500 {
			u.fail(w, r, err)
			return
		}
		u.renderCAB(w, r, statusOf(err), form, err)
		return
	}
	http.Redirect(w, r, Prefix+"/cab/meetings/"+m.ID+"?notice="+url.QueryEscape("meeting called"), http.StatusSeeOther)
}

type meetingView struct {
	Meeting  change.Meeting
	Board    change.Board
	Names    map[string]string
	CanVote  map[string]bool // agenda RFC id → the caller may vote on it now
	States   map[string]change.State
	Errors   formErrors
	Manager  bool
	Attended map[string]bool
}

func (u *UI) showMeeting(w http.ResponseWriter, r *http.Request) {
	u.renderMeeting(w, r, http.StatusOK, nil)
}

func (u *UI) renderMeeting(w http.ResponseWriter, r *http.Request, status int, err error) {
	ctx, actor := r.Context(), from(r.Context()).actor
	m, gerr := u.Change.GetMeeting(ctx, actor, r.PathValue("id"))
	if gerr != nil {
		u.fail(w, r, gerr)
		return
	}
	b, gerr := u.Change.GetBoard(ctx, actor, m.BoardID)
	if gerr != nil {
		u.fail(w, r, gerr)
		return
	}
	v := meetingView{Meeting: m, Board: b, CanVote: map[string]bool{}, States: map[string]change.State{},
		Manager: actor.Has(identity.ChangeManager), Attended: map[string]bool{}}
	if err != nil {
		v.Errors = toFormErrors(err)
	}
	for _, a := range m.Attendees {
		v.Attended[a] = true
	}
	if actor.Has(identity.CABMember) && m.State == change.MeetingScheduled {
		mine, merr := u.Change.MyApprovals(ctx, actor)
		if merr != nil {
			u.fail(w, r, merr)
			return
		}
		for _, it := range m.Agenda {
			v.CanVote[it.RFCID] = slices.ContainsFunc(mine, func(x change.RFC) bool { return x.ID == it.RFCID })
		}
	}
	for _, it := range m.Agenda {
		if rfc, gerr := u.Change.GetRFC(ctx, actor, it.RFCID); gerr == nil {
			v.States[it.RFCID] = rfc.State
		}
	}
	v.Names = u.names(r, append(slices.Clone(b.Members), m.CreatedBy)...)
	u.render(w, r, status, "meeting", v)
}

func (u *UI) meetingAttendance(w http.ResponseWriter, r *http.Request) {
	var f errs.Fields
	version := parseVersion(&f, r.PostForm.Get("version"))
	if err := f.Err(); err != nil {
		u.renderMeeting(w, r, http.StatusBadRequest, err)
		return
	}
	attendees := r.PostForm["attendees"]
	if attendees == nil {
		attendees = []string{}
	}
	m, err := u.Change.RecordAttendance(r.Context(), from(r.Context()).actor, r.PathValue("id"), attendees, version)
	if err != nil {
		u.renderMeeting(w, r, statusOf(err), err)
		return
	}
	http.Redirect(w, r, Prefix+"/cab/meetings/"+m.ID+"?notice="+url.QueryEscape("attendance recorded"), http.StatusSeeOther)
}

func (u *UI) closeMeeting(w http.ResponseWriter, r *http.Request) {
	var f errs.Fields
	version := parseVersion(&f, r.PostForm.Get("version"))
	if err := f.Err(); err != nil {
		u.renderMeeting(w, r, http.StatusBadRequest, err)
		return
	}
	m, err := u.Change.CloseMeeting(r.Context(), from(r.Context()).actor, r.PathValue("id"), version)
	if err != nil {
		u.renderMeeting(w, r, statusOf(err), err)
		return
	}
	http.Redirect(w, r, Prefix+"/cab/meetings/"+m.ID+"?notice="+url.QueryEscape("meeting closed; minutes written"), http.StatusSeeOther)
}
