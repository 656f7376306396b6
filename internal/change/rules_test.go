package change

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// permitted lists, for every pair the state machine allows, who gets what
// with a complete input on the MustRFC fixture (a significant change): a
// bare name is allowed, name=409 is refused as not ready, "*=409" is the
// same for everyone. Everyone else gets 403. Pairs not listed get 409 from
// the state machine, whoever asks.
var permitted = []struct {
	state State
	event Event
	who   string
}{
	{StateDraft, EventSubmit, "owner"},
	{StateDraft, EventCancel, "owner cm admin"},
	{StateSubmitted, EventReturn, "cm admin"},
	{StateSubmitted, EventClassify, "cm admin"},
	{StateSubmitted, EventCancel, "owner cm admin"},
	{StateClassified, EventReturn, "cm admin"},
	{StateClassified, EventRequestApproval, "cm admin"},
	{StateClassified, EventApprove, "cm=409 admin=409"}, // significant: the CAB decides
	{StateClassified, EventReject, "cm admin"},
	{StateClassified, EventCancel, "owner cm admin"},
	{StateAwaitingApproval, EventReturn, "cm admin"},
	{StateAwaitingApproval, EventApprove, "*=409"}, // only a board decision fires it
	{StateAwaitingApproval, EventReject, "*=409"},
	{StateAwaitingApproval, EventCancel, "owner cm admin"},
	{StateApproved, EventStartDevelopment, "rm"},
	{StateApproved, EventSchedule, "cm admin rm"},
	{StateApproved, EventStart, "rm=409"}, // not an emergency
	{StateApproved, EventCancel, "cm admin"},
	{StateInDevelopment, EventReady, "rm"},
	{StateInDevelopment, EventCancel, "cm admin"},
	{StateReadyForRelease, EventSchedule, "cm admin rm"},
	{StateReadyForRelease, EventCancel, "cm admin"},
	{StateScheduled, EventReschedule, "cm admin rm"},
	{StateScheduled, EventStart, "rm"},
	{StateScheduled, EventCancel, "cm admin"},
	{StateImplementing, EventComplete, "rm"},
	{StateImplementing, EventFail, "rm"},
	{StateImplementing, EventBackOut, "rm"},
	{StateImplemented, EventReview, "cm admin"},
	{StateFailed, EventBackOut, "rm"},
	{StateFailed, EventReview, "cm admin"},
	{StateBackedOut, EventReview, "cm admin"},
	{StateInReview, EventClose, "cm admin"},
}

// expected turns a permitted row into the code each actor gets.
func expected(who string) map[string]errs.Code {
	out := map[string]errs.Code{}
	for _, name := range actorNames() {
		out[name] = errs.Forbidden
	}
	for _, w := range strings.Fields(who) {
		name, code, _ := strings.Cut(w, "=")
		c := errs.Code("")
		if code == "409" {
			c = errs.Conflict
		}
		if name == "*" {
			for n := range out {
				out[n] = c
			}
			continue
		}
		out[name] = c
	}
	return out
}

func TestCheckTransitionEveryStateEventRole(t *testing.T) {
	rows := map[State]map[Event]string{}
	for _, p := range permitted {
		if rows[p.state] == nil {
			rows[p.state] = map[Event]string{}
		}
		rows[p.state][p.event] = p.who
	}
	for _, s := range States() {
		for _, ev := range Workflow().Events {
			who, listed := rows[s][ev]
			if _, ok := allowed[s][ev]; ok != listed {
				t.Fatalf("%s/%s: permission table and transition table disagree", s, ev)
			}
			want := expected(who)
			for _, name := range actorNames() {
				if !listed {
					want[name] = errs.Conflict
				}
				err := CheckTransition(MustRFC(t, s), actors[name], ev, fullInput(), now, Facts{})
				if got := errs.CodeOf(err); got != want[name] {
					t.Errorf("%s/%s as %s: code %q, want %q (%v)", s, ev, name, got, want[name], err)
				}
			}
		}
	}
}

// TestActionsMatchCheckTransition holds the promise of the API: the actions
// returned with an RFC are exactly the events the caller could fire.
func TestActionsMatchCheckTransition(t *testing.T) {
	for _, s := range States() {
		for _, name := range actorNames() {
			r, a := MustRFC(t, s), actors[name]
			var want []Event
			for _, ev := range Available(s) {
				if CheckTransition(r, a, ev, fullInput(), now, Facts{}) == nil {
					want = append(want, ev)
				}
			}
			if got := Actions(r, a, now); !slices.Equal(got, want) {
				t.Errorf("Actions(%s, %s) = %v, want %v", s, name, got, want)
			}
		}
	}
	t.Run("OfferedWhileInputMissing", func(t *testing.T) {
		r := MustRFC(t, StateDraft)
		r.Reason = ""
		got := Actions(r, actors["owner"], now)
		if !slices.Equal(got, []Event{EventCancel, EventSubmit}) {
			t.Fatalf("Actions = %v", got)
		}
	})
	t.Run("AuditorNeverActs", func(t *testing.T) {
		for _, s := range States() {
			r := MustRFC(t, s)
			r.RequesterID = "u-aud" // not even on their own RFC
			if got := Actions(r, actors["auditor"], now); len(got) != 0 {
				t.Errorf("auditor may %v in %s", got, s)
			}
		}
	})
}

func TestCheckTransitionInputs(t *testing.T) {
	cases := []struct {
		name   string
		state  State
		event  Event
		edit   func(*RFC, *TransitionInput)
		fields []string
	}{
		{"ErrSubmitIncomplete", StateDraft, EventSubmit, func(r *RFC, _ *TransitionInput) {
			r.Reason, r.ImplementationPlan, r.BackoutPlan, r.TestPlan, r.AffectedCIs = " ", "", "", "", nil
		}, []string{"reason", "implementation_plan", "backout_plan", "test_plan", "affected_cis"}},
		{"ErrSubmitBadWindow", StateDraft, EventSubmit, func(r *RFC, _ *TransitionInput) {
			r.Window = &Window{Start: at(5, 0), End: at(4, 0), TimeZone: "Mars/Olympus"}
		}, []string{"window.end", "window.time_zone"}},
		{"ErrClassifyEmpty", StateSubmitted, EventClassify, func(_ *RFC, in *TransitionInput) {
			in.Category, in.Priority = "", "urgent"
		}, []string{"category", "priority"}},
		{"ErrReturnWithoutComment", StateSubmitted, EventReturn, func(_ *RFC, in *TransitionInput) { in.Comment = "" }, []string{"comment"}},
		{"ErrCancelWithoutComment", StateDraft, EventCancel, func(_ *RFC, in *TransitionInput) { in.Comment = "" }, []string{"comment"}},
		{"ErrRejectWithoutComment", StateClassified, EventReject, func(_ *RFC, in *TransitionInput) { in.Comment = "" }, []string{"comment"}},
		{"ErrScheduleNoWindow", StateApproved, EventSchedule, func(r *RFC, in *TransitionInput) {
			in.Window, r.Window = nil, nil
		}, []string{"window"}},
		{"ErrScheduleOutsideApproval", StateApproved, EventSchedule, func(_ *RFC, in *TransitionInput) {
			in.Window = &Window{Start: at(30, 22), End: at(31, 2)}
		}, []string{"window"}},
		{"ErrScheduleInThePast", StateReadyForRelease, EventSchedule, func(_ *RFC, in *TransitionInput) {
			in.Window = &Window{Start: at(1, 1), End: at(1, 3)}
		}, []string{"window.end"}},
		{"ErrScheduleBackwards", StateScheduled, EventReschedule, func(_ *RFC, in *TransitionInput) {
			in.Window = &Window{Start: at(13, 2), End: at(12, 22)}
		}, []string{"window.end"}},
		{"ErrCloseWithoutReview", StateInReview, EventClose, func(_ *RFC, in *TransitionInput) {
			in.CloseCode, in.ReviewNotes = "", ""
		}, []string{"close_code", "review_notes"}},
		{"ErrCloseBadCode", StateInReview, EventClose, func(_ *RFC, in *TransitionInput) { in.CloseCode = "meh" }, []string{"close_code"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, in := MustRFC(t, c.state), fullInput()
			c.edit(&r, &in)
			a := actors["cm"]
			if c.event == EventSubmit || (c.event == EventCancel && c.state == StateDraft) {
				a = actors["owner"]
			}
			if c.event == EventReschedule {
				a = actors["rm"]
			}
			wantFields(t, CheckTransition(r, a, c.event, in, now, Facts{}), c.fields...)
		})
	}
}

func TestCheckTransitionDefaults(t *testing.T) {
	t.Run("OKScheduleIntoRequestedWindow", func(t *testing.T) {
		in := fullInput()
		in.Window = nil
		wantCode(t, CheckTransition(MustRFC(t, StateApproved), actors["cm"], EventSchedule, in, now, Facts{}), "")
	})
	t.Run("OKScheduleWithoutApprovedWindow", func(t *testing.T) {
		r, in := MustRFC(t, StateApproved), fullInput()
		r.ApprovedWindow = nil
		in.Window = &Window{Start: at(30, 0), End: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
		wantCode(t, CheckTransition(r, actors["rm"], EventSchedule, in, now, Facts{}), "")
	})
	t.Run("OKCloseWithReviewOnRecord", func(t *testing.T) {
		r := MustRFC(t, StateInReview)
		r.CloseCode, r.ReviewNotes = CloseSuccessfulWithIssues, "slow"
		wantCode(t, CheckTransition(r, actors["admin"], EventClose, TransitionInput{}, now, Facts{}), "")
	})
}

func TestCheckTransitionGuards(t *testing.T) {
	t.Run("ErrStartBeforeWindow", func(t *testing.T) {
		r := MustRFC(t, StateScheduled)
		wantCode(t, CheckTransition(r, actors["rm"], EventStart, fullInput(), r.Window.End, Facts{}), errs.Conflict)
	})
	t.Run("OKEmergencyStartsAtOnce", func(t *testing.T) {
		r := MustRFC(t, StateApproved)
		r.Priority = PriorityEmergency
		wantCode(t, CheckTransition(r, actors["rm"], EventStart, TransitionInput{}, now, Facts{}), "")
	})
	t.Run("ErrEmergencyCloseWithoutRetroReview", func(t *testing.T) {
		r := MustRFC(t, StateInReview)
		r.Priority = PriorityEmergency
		wantCode(t, CheckTransition(r, actors["cm"], EventClose, fullInput(), now, Facts{}), errs.Conflict)
		reviewed := now
		r.RetroReviewedAt = &reviewed
		wantCode(t, CheckTransition(r, actors["cm"], EventClose, fullInput(), now, Facts{}), "")
	})
	t.Run("ErrRequestApprovalForMinor", func(t *testing.T) {
		r := MustRFC(t, StateClassified)
		r.Category = CategoryMinor
		wantCode(t, CheckTransition(r, actors["cm"], EventRequestApproval, fullInput(), now, Facts{}), errs.Conflict)
	})
	t.Run("ErrSelfApproval", func(t *testing.T) {
		r := MustRFC(t, StateClassified)
		r.Category, r.RequesterID = CategoryMinor, "u-cm"
		wantCode(t, CheckTransition(r, actors["cm"], EventApprove, fullInput(), now, Facts{}), errs.Forbidden)
	})
	t.Run("ErrOwnerWithoutWritingRole", func(t *testing.T) {
		r := MustRFC(t, StateDraft)
		r.RequesterID = "u-aud"
		wantCode(t, CheckTransition(r, actors["auditor"], EventSubmit, fullInput(), now, Facts{}), errs.Forbidden)
	})
	t.Run("ErrApproveBeforeLastBoard", func(t *testing.T) {
		r := MustRFC(t, StateAwaitingApproval)
		r.Category = CategoryMajor
		f := Facts{Decision: DecisionApproved}
		wantCode(t, CheckTransition(r, identity.System, EventApprove, TransitionInput{}, now, f), errs.Conflict)
		r.ApprovalStage = 1
		wantCode(t, CheckTransition(r, identity.System, EventApprove, TransitionInput{}, now, f), "")
	})
	t.Run("ErrRejectWithoutRejection", func(t *testing.T) {
		r := MustRFC(t, StateAwaitingApproval)
		f := Facts{Decision: DecisionApproved}
		wantCode(t, CheckTransition(r, identity.System, EventReject, TransitionInput{}, now, f), errs.Conflict)
		f.Decision = DecisionRejected
		wantCode(t, CheckTransition(r, identity.System, EventReject, TransitionInput{}, now, f), "")
	})
}

func TestApproveStandardNeedsTemplate(t *testing.T) {
	r := MustRFC(t, StateClassified)
	r.Category, r.Priority = CategoryStandard, PriorityLow
	in := fullInput()
	cases := []struct {
		name     string
		id       string
		template *Template
		code     errs.Code
	}{
		{"ErrNoTemplate", "", nil, errs.Invalid},
		{"ErrUnknownTemplate", "tpl-1", nil, errs.Invalid},
		{"ErrOtherTemplate", "tpl-1", &Template{ID: "tpl-2", Approved: true}, errs.Invalid},
		{"ErrUnapprovedTemplate", "tpl-1", &Template{ID: "tpl-1"}, errs.Invalid},
		{"OK", "tpl-1", &Template{ID: "tpl-1", Approved: true}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in.TemplateID = c.id
			err := CheckTransition(r, actors["cm"], EventApprove, in, now, Facts{Template: c.template})
			wantCode(t, err, c.code)
			if c.code == errs.Invalid {
				wantFields(t, err, "template_id")
			}
		})
	}
}

func TestCanCreate(t *testing.T) {
	for _, name := range actorNames() {
		want := errs.Code("")
		if name == "cab" || name == "agent" || name == "auditor" {
			want = errs.Forbidden
		}
		t.Run(fmt.Sprint(name), func(t *testing.T) { wantCode(t, CanCreate(actors[name]), want) })
	}
}
