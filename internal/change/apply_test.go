package change

import (
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
)

// flow drives one RFC through the process the way the use cases will.
type flow struct {
	t   *testing.T
	r   RFC
	now time.Time
}

func newFlow(t *testing.T) *flow {
	r := MustRFC(t, StateDraft)
	r.Window = &Window{Start: at(10, 22), End: at(11, 2), TimeZone: "Europe/Paris"}
	r.ApprovedWindow, r.ApprovalRound = nil, 0
	return &flow{t: t, r: r, now: now}
}

// fire fires ev as the named actor and fails the test on error.
func (f *flow) fire(who string, ev Event, in TransitionInput, facts Facts) {
	f.t.Helper()
	out, err := Fire(f.r, actors[who], ev, in, f.now, facts)
	if err != nil {
		f.t.Fatalf("%s by %s in %s: %v", ev, who, f.r.State, err)
	}
	f.r = out
}

// classify submits the draft and classifies it.
func (f *flow) classify(c Category, p Priority) {
	f.t.Helper()
	f.fire("owner", EventSubmit, TransitionInput{}, Facts{})
	f.fire("cm", EventClassify, TransitionInput{Category: c, Priority: p}, Facts{})
}

// decide runs one board's vote to its decision and applies it.
func (f *flow) decide(kind BoardKind, voters string) Event {
	f.t.Helper()
	b := Board{ID: string(kind), Kind: kind, Members: []string{"a", "b", "c"}, Quorum: 2, Rule: RuleVeto}
	var cast []Vote
	for _, v := range votes(voters) {
		if err := CanVote(f.r, b, member(v.VoterID), cast); err != nil {
			f.t.Fatalf("vote of %s: %v", v.VoterID, err)
		}
		v.BoardID, v.Round = b.ID, f.r.ApprovalRound
		cast = append(cast, v)
	}
	out, ev, err := Advance(f.r, Tally(b, cast), f.now, Policy{})
	if err != nil {
		f.t.Fatal(err)
	}
	f.r = out
	return ev
}

// ship runs an approved RFC through implementation, review and close.
func (f *flow) ship(emergency bool) {
	f.t.Helper()
	if !emergency {
		f.fire("rm", EventSchedule, TransitionInput{}, Facts{})
		f.now = f.r.Window.Start
	}
	f.fire("rm", EventStart, TransitionInput{}, Facts{})
	f.fire("rm", EventComplete, TransitionInput{}, Facts{})
	f.fire("cm", EventReview, TransitionInput{}, Facts{})
}

func (f *flow) close() error {
	out, err := Fire(f.r, actors["cm"], EventClose, TransitionInput{CloseCode: CloseSuccessful, ReviewNotes: "ok"}, f.now, Facts{})
	if err == nil {
		f.r = out
	}
	return err
}

func TestRouteStandardViaTemplate(t *testing.T) {
	f := newFlow(t)
	f.classify(CategoryStandard, PriorityLow)
	if f.r.ChangeManagerID != "u-cm" || f.r.Risk.Score == 0 || f.r.RiskInputs.Category != CategoryStandard {
		t.Fatalf("classify did not record manager and risk: %+v", f.r)
	}
	f.fire("cm", EventApprove, TransitionInput{TemplateID: "tpl-1"}, Facts{Template: &Template{ID: "tpl-1", Approved: true}})
	if f.r.State != StateApproved || f.r.TemplateID != "tpl-1" || *f.r.ApprovedWindow != *f.r.Window {
		t.Fatalf("after approve: %+v", f.r)
	}
	f.ship(false)
	wantCode(t, f.close(), "")
	if f.r.State != StateClosed || f.r.CloseCode != CloseSuccessful || f.r.Window.TimeZone != "Europe/Paris" {
		t.Fatalf("after close: %+v", f.r)
	}
}

func TestRouteMinorByChangeManager(t *testing.T) {
	f := newFlow(t)
	f.classify(CategoryMinor, PriorityMedium)
	f.fire("cm", EventApprove, TransitionInput{}, Facts{})
	f.fire("rm", EventStartDevelopment, TransitionInput{}, Facts{})
	f.fire("rm", EventReady, TransitionInput{}, Facts{})
	f.ship(false)
	wantCode(t, f.close(), "")
	if f.r.ApprovalRound != 0 {
		t.Fatalf("a minor change went to a board: round %d", f.r.ApprovalRound)
	}
}

func TestRouteSignificantByCAB(t *testing.T) {
	f := newFlow(t)
	f.classify(CategorySignificant, PriorityHigh)
	f.fire("cm", EventRequestApproval, TransitionInput{}, Facts{})
	if f.r.ApprovalRound != 1 || f.r.ApprovalStage != 0 {
		t.Fatalf("round %d stage %d", f.r.ApprovalRound, f.r.ApprovalStage)
	}
	if ev := f.decide(BoardCAB, "a+"); ev != "" || f.r.State != StateAwaitingApproval {
		t.Fatalf("one vote below quorum fired %q, state %s", ev, f.r.State)
	}
	if ev := f.decide(BoardCAB, "a+ b+"); ev != EventApprove || f.r.State != StateApproved {
		t.Fatalf("quorum fired %q, state %s", ev, f.r.State)
	}
	f.ship(false)
	wantCode(t, f.close(), "")
}

func TestRouteMajorByCABThenExecutive(t *testing.T) {
	f := newFlow(t)
	f.classify(CategoryMajor, PriorityMedium)
	f.fire("cm", EventRequestApproval, TransitionInput{}, Facts{})
	if ev := f.decide(BoardCAB, "a+ b+"); ev != "" || f.r.ApprovalStage != 1 || f.r.State != StateAwaitingApproval {
		t.Fatalf("after the CAB: event %q, stage %d, state %s", ev, f.r.ApprovalStage, f.r.State)
	}
	if kind, _ := CurrentBoard(f.r); kind != BoardExecutive {
		t.Fatalf("current board %s", kind)
	}
	if ev := f.decide(BoardExecutive, "c+ a0"); ev != EventApprove || f.r.State != StateApproved {
		t.Fatalf("after the executive board: %q %s", ev, f.r.State)
	}
}

func TestRouteRejectedByCAB(t *testing.T) {
	f := newFlow(t)
	f.classify(CategoryMajor, PriorityLow)
	f.fire("cm", EventRequestApproval, TransitionInput{}, Facts{})
	if ev := f.decide(BoardCAB, "a+ b-"); ev != EventReject || f.r.State != StateRejected {
		t.Fatalf("veto fired %q, state %s", ev, f.r.State)
	}
	_, _, err := Advance(f.r, DecisionApproved, now, Policy{})
	wantCode(t, err, errs.Conflict)
}

func TestReturnStartsNewRound(t *testing.T) {
	f := newFlow(t)
	f.classify(CategorySignificant, PriorityMedium)
	f.fire("cm", EventRequestApproval, TransitionInput{}, Facts{})
	old := Vote{BoardID: string(BoardCAB), VoterID: "a", Decision: ChoiceReject, Round: f.r.ApprovalRound}
	f.fire("cm", EventReturn, TransitionInput{Comment: "which CIs?"}, Facts{})
	f.classify(CategorySignificant, PriorityMedium)
	f.fire("cm", EventRequestApproval, TransitionInput{}, Facts{})
	if f.r.ApprovalRound != 2 {
		t.Fatalf("round %d, want 2", f.r.ApprovalRound)
	}
	b := Board{ID: string(BoardCAB), Kind: BoardCAB, Members: []string{"a", "b"}, Quorum: 1, Rule: RuleVeto}
	wantCode(t, CanVote(f.r, b, member("a"), []Vote{old}), "")
	cur := Vote{BoardID: b.ID, VoterID: "a", Decision: ChoiceApprove, Round: f.r.ApprovalRound}
	if got := Tally(b, []Vote{cur}); got != DecisionApproved {
		t.Fatalf("new round tally %s", got)
	}
}

func TestRouteEmergencyWithRetrospectiveReview(t *testing.T) {
	f := newFlow(t)
	f.classify(CategorySignificant, PriorityEmergency)
	f.fire("cm", EventRequestApproval, TransitionInput{}, Facts{})
	if ev := f.decide(BoardECAB, "a+ b+"); ev != EventApprove {
		t.Fatalf("ECAB fired %q", ev)
	}
	f.ship(true) // starts at once, no schedule
	if f.r.RetroReviewDue == nil || !f.r.RetroReviewDue.Equal(now.Add(DefaultRetroReviewWindow)) {
		t.Fatalf("retro review due %v", f.r.RetroReviewDue)
	}
	wantCode(t, f.close(), errs.Conflict)
	if RetroReviewOverdue(f.r, now) || !RetroReviewOverdue(f.r, now.Add(8*24*time.Hour)) {
		t.Fatal("overdue is wrong")
	}
	_, err := RecordRetroReview(f.r, actors["cm"], "", now)
	wantFields(t, err, "notes")
	_, err = RecordRetroReview(f.r, actors["rm"], "ok", now)
	wantCode(t, err, errs.Forbidden)
	reviewed, err := RecordRetroReview(f.r, actors["cm"], "justified: active exploit", now)
	wantCode(t, err, "")
	f.r = reviewed
	if RetroReviewOverdue(f.r, now.Add(30*24*time.Hour)) || f.r.RetroReviewedBy != "u-cm" {
		t.Fatalf("after review: %+v", f.r)
	}
	_, err = RecordRetroReview(f.r, actors["admin"], "again", now)
	wantCode(t, err, errs.Conflict)
	wantCode(t, f.close(), "")
}

func TestRetroReviewRefusals(t *testing.T) {
	r := MustRFC(t, StateImplemented)
	_, err := RecordRetroReview(r, actors["cm"], "n", now)
	wantCode(t, err, errs.Conflict) // not an emergency
	r.Priority = PriorityEmergency
	r.State = StateApproved
	_, err = RecordRetroReview(r, actors["cm"], "n", now)
	wantCode(t, err, errs.Conflict) // not started
	r.State, r.RequesterID = StateInReview, "u-cm"
	_, err = RecordRetroReview(r, actors["cm"], "n", now)
	wantCode(t, err, errs.Forbidden) // own change
}

func TestFireRecords(t *testing.T) {
	t.Run("ConfiguredRetroWindow", func(t *testing.T) {
		r := MustRFC(t, StateApproved)
		r.Priority = PriorityEmergency
		out, err := Fire(r, actors["rm"], EventStart, TransitionInput{}, now, Facts{Policy: Policy{RetroReviewWindow: 48 * time.Hour}})
		wantCode(t, err, "")
		if !out.RetroReviewDue.Equal(now.Add(48 * time.Hour)) {
			t.Fatalf("due %v", out.RetroReviewDue)
		}
	})
	t.Run("ScheduleCopiesWindow", func(t *testing.T) {
		r, in := MustRFC(t, StateApproved), fullInput()
		in.Window.TimeZone = ""
		out, err := Fire(r, actors["rm"], EventSchedule, in, now, Facts{})
		wantCode(t, err, "")
		if out.Window == in.Window || out.Window.TimeZone != "UTC" || !out.Window.Start.Equal(in.Window.Start) {
			t.Fatalf("window %+v", out.Window)
		}
		if r.State != StateApproved || r.Window.Start.Equal(in.Window.Start) {
			t.Fatal("Fire changed its argument")
		}
		if out.State != StateScheduled || !out.UpdatedAt.Equal(now) || out.Version != r.Version {
			t.Fatalf("state %s updated %v version %d", out.State, out.UpdatedAt, out.Version)
		}
	})
	t.Run("ErrLeavesRFCAlone", func(t *testing.T) {
		r := MustRFC(t, StateDraft)
		out, err := Fire(r, actors["cm"], EventSubmit, TransitionInput{}, now, Facts{})
		wantCode(t, err, errs.Forbidden)
		if out.State != StateDraft {
			t.Fatalf("state %s", out.State)
		}
	})
	t.Run("ErrAdvanceUnknownDecision", func(t *testing.T) {
		_, _, err := Advance(MustRFC(t, StateAwaitingApproval), "maybe", now, Policy{})
		wantCode(t, err, errs.Internal)
	})
	t.Run("PolicyActorIsSystem", func(t *testing.T) {
		out, ev, err := Advance(MustRFC(t, StateAwaitingApproval), DecisionApproved, now, Policy{})
		wantCode(t, err, "")
		if ev != EventApprove || out.State != StateApproved || out.ApprovedWindow == nil {
			t.Fatalf("%q %s %v", ev, out.State, out.ApprovedWindow)
		}
	})
}
