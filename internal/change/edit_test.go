package change

import (
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
)

func TestCheckEdit(t *testing.T) {
	cases := []struct {
		name   string
		state  State
		who    string
		fields []string
		want   errs.Code
	}{
		{"OKOwnerEditsDraft", StateDraft, "owner", []string{"title", "window", "affected_cis"}, ""},
		{"OKManagerEditsDraft", StateDraft, "cm", []string{"backout_plan"}, ""},
		{"ErrOtherRequester", StateDraft, "req", []string{"title"}, errs.Forbidden},
		{"ErrReadOnly", StateDraft, "owner", []string{"title", "state"}, errs.Invalid},
		{"ErrClassificationByPatch", StateDraft, "cm", []string{"category"}, errs.Invalid},
		{"ErrUnknownField", StateDraft, "owner", []string{"colour"}, errs.Invalid},
		{"ErrSubmittedIsFrozen", StateSubmitted, "owner", []string{"title"}, errs.Conflict},
		{"OKEvidenceDuringBuild", StateInDevelopment, "rm", []string{"test_evidence", "release_id"}, ""},
		{"ErrPlanAfterApproval", StateApproved, "rm", []string{"implementation_plan"}, errs.Conflict},
		{"ErrEvidenceByRequester", StateReadyForRelease, "owner", []string{"test_evidence"}, errs.Forbidden},
		{"OKReviewNotes", StateInReview, "cm", []string{"review_notes", "close_code"}, ""},
		{"ErrReviewByReleaseManager", StateInReview, "rm", []string{"review_notes"}, errs.Forbidden},
		{"ErrClosed", StateClosed, "admin", []string{"review_notes"}, errs.Conflict},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, CheckEdit(MustRFC(t, c.state), actors[c.who], c.fields), c.want)
		})
	}
	t.Run("NamesTheFields", func(t *testing.T) {
		wantFields(t, CheckEdit(MustRFC(t, StateDraft), actors["owner"], []string{"version", "colour"}), "version", "colour")
	})
}

func TestValidate(t *testing.T) {
	r := MustRFC(t, StateDraft)
	r.Title = strings.Repeat("x", MaxTitleLen+1)
	r.Category, r.Priority, r.CloseCode = "huge", "now", "meh"
	r.AffectedCIs = []string{"ci-1", "ci-1", ""}
	r.LinkedUpdates = []string{"KB1", "KB1"}
	r.Window = &Window{Start: at(2, 0), TimeZone: "Nowhere/Land"}
	r.BackoutPlan = strings.Repeat("y", MaxTextLen+1)
	wantFields(t, r.Validate(), "title", "category", "priority", "close_code", "affected_cis",
		"linked_updates", "window.end", "window.time_zone", "backout_plan")
	r = MustRFC(t, StateDraft)
	r.Title = " "
	wantFields(t, r.Validate(), "title")
}

func TestParse(t *testing.T) {
	if c, err := ParseCategory("major"); c != CategoryMajor || err != nil {
		t.Fatalf("ParseCategory = %q, %v", c, err)
	}
	for field, parse := range map[string]func(string) error{
		"category":   func(s string) error { _, err := ParseCategory(s); return err },
		"priority":   func(s string) error { _, err := ParsePriority(s); return err },
		"close_code": func(s string) error { _, err := ParseCloseCode(s); return err },
		"state":      func(s string) error { _, err := ParseState(s); return err },
		"event":      func(s string) error { _, err := ParseEvent(s); return err },
		"kind":       func(s string) error { _, err := ParseBoardKind(s); return err },
		"rule":       func(s string) error { _, err := ParseRule(s); return err },
	} {
		wantFields(t, parse(""), field)
		wantFields(t, parse("Major "), field)
	}
	if ev, err := ParseEvent("request_approval"); ev != EventRequestApproval || err != nil {
		t.Fatalf("ParseEvent = %q, %v", ev, err)
	}
}

func TestRef(t *testing.T) {
	if got := (RFC{Number: 1042}).Ref(); got != "RFC-1042" {
		t.Fatalf("Ref = %q", got)
	}
	for in, want := range map[string]int64{"RFC-1042": 1042, "rfc-7": 7, " RFC-1 ": 1} {
		if n, err := ParseRef(in); n != want || err != nil {
			t.Errorf("ParseRef(%q) = %d, %v", in, n, err)
		}
	}
	for _, in := range []string{"1042", "RFC-", "RFC-0", "RFC--1", "RFC-12a", "CHG-1"} {
		_, err := ParseRef(in)
		wantFields(t, err, "number")
	}
}

func TestWindow(t *testing.T) {
	w := Window{Start: at(1, 0), End: at(2, 0)}
	if !w.Includes(at(1, 0)) || w.Includes(at(2, 0)) || !w.Contains(w) || w.Contains(Window{Start: at(1, 0), End: at(2, 1)}) {
		t.Fatal("window arithmetic is wrong")
	}
	wantFields(t, Window{}.Validate("window"), "window.start", "window.end")
}

func TestNewRFC(t *testing.T) {
	in := MustRFC(t, StateApproved)
	in.Category, in.CloseCode, in.ApprovalRound = CategoryMajor, CloseSuccessful, 7
	r, err := NewRFC(actors["req"], in, now)
	wantCode(t, err, "")
	if r.State != StateDraft || r.RequesterID != "u-req2" || r.Category != "" || r.CloseCode != "" ||
		r.ApprovalRound != 0 || r.ApprovedWindow != nil || !r.CreatedAt.Equal(now) {
		t.Fatalf("NewRFC kept process fields: %+v", r)
	}
	if r.Title != in.Title || r.Window == in.Window || r.RiskInputs.AffectedCICount != 2 || r.Risk.Score == 0 {
		t.Fatalf("NewRFC lost content: %+v", r)
	}
	in.AffectedCIs[0] = "changed"
	if r.AffectedCIs[0] == "changed" {
		t.Fatal("NewRFC aliases its input")
	}
	_, err = NewRFC(actors["auditor"], in, now)
	wantCode(t, err, errs.Forbidden)
	in.Title = ""
	_, err = NewRFC(actors["req"], in, now)
	wantFields(t, err, "title")
}
