package httpapi

import (
	"time"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
)

type windowDTO struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	TimeZone string `json:"time_zone,omitempty"`
}

type windowOut struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	TimeZone string    `json:"time_zone"`
}

func toWindowOut(w *change.Window) *windowOut {
	if w == nil {
		return nil
	}
	return &windowOut{Start: w.Start, End: w.End, TimeZone: w.TimeZone}
}

// window parses a window; field prefixes the names in errors.
func (w *windowDTO) window(f *errs.Fields, field string) *change.Window {
	if w == nil {
		return nil
	}
	out := &change.Window{TimeZone: w.TimeZone}
	if t := parseTime(f, field+".start", w.Start); t != nil {
		out.Start = *t
	}
	if t := parseTime(f, field+".end", w.End); t != nil {
		out.End = *t
	}
	return out
}

type riskFactorDTO struct {
	Name        string `json:"name"`
	Value       string `json:"value"`
	Weight      int    `json:"weight"`
	Points      int    `json:"points"`
	Explanation string `json:"explanation"`
}

type riskDTO struct {
	Score   int             `json:"score"`
	Level   string          `json:"level"`
	Factors []riskFactorDTO `json:"factors"`
}

type retroDTO struct {
	Due        *time.Time `json:"due"`
	ReviewedAt *time.Time `json:"reviewed_at"`
	ReviewedBy string     `json:"reviewed_by"`
	Notes      string     `json:"notes"`
	Overdue    bool       `json:"overdue"`
}

type rfcDTO struct {
	ID                 string         `json:"id"`
	Number             int64          `json:"number"`
	Ref                string         `json:"ref"`
	Title              string         `json:"title"`
	Description        string         `json:"description"`
	Reason             string         `json:"reason"`
	Category           string         `json:"category"`
	Priority           string         `json:"priority"`
	State              string         `json:"state"`
	RequesterID        string         `json:"requester_id"`
	ChangeManagerID    string         `json:"change_manager_id"`
	AffectedCIs        []string       `json:"affected_cis"`
	LinkedUpdates      []string       `json:"linked_updates"`
	SupersededUpdates  []string       `json:"superseded_updates"`
	ReleaseID          string         `json:"release_id"`
	Window             *windowOut     `json:"window"`
	ImplementationPlan string         `json:"implementation_plan"`
	BackoutPlan        string         `json:"backout_plan"`
	TestPlan           string         `json:"test_plan"`
	TestEvidence       string         `json:"test_evidence"`
	Risk               riskDTO        `json:"risk"`
	TemplateID         string         `json:"template_id"`
	CloseCode          string         `json:"close_code"`
	ReviewNotes        string         `json:"review_notes"`
	ApprovalRound      int            `json:"approval_round"`
	AwaitingBoard      *string        `json:"awaiting_board"`
	ApprovedWindow     *windowOut     `json:"approved_window"`
	RetroReview        *retroDTO      `json:"retro_review"`
	ScheduleOverride   *overrideDTO   `json:"schedule_override,omitempty"`
	Actions            []change.Event `json:"actions"`
	Version            int64          `json:"version"`
	CreatedAt          time.Time      `json:"created_at"`
	UpdatedAt          time.Time      `json:"updated_at"`
}

func toRFCDTO(r change.RFC, actions []change.Event, now time.Time) rfcDTO {
	d := rfcDTO{ID: r.ID, Number: r.Number, Ref: r.Ref(), Title: r.Title, Description: r.Description,
		Reason: r.Reason, Category: string(r.Category), Priority: string(r.Priority), State: string(r.State),
		RequesterID: r.RequesterID, ChangeManagerID: r.ChangeManagerID, AffectedCIs: nonNilStrings(r.AffectedCIs),
		LinkedUpdates: nonNilStrings(r.LinkedUpdates), SupersededUpdates: supersededFlag(r),
		ReleaseID: r.ReleaseID, Window: toWindowOut(r.Window),
		ImplementationPlan: r.ImplementationPlan, BackoutPlan: r.BackoutPlan, TestPlan: r.TestPlan,
		TestEvidence: r.TestEvidence, TemplateID: r.TemplateID, CloseCode: string(r.CloseCode),
		ReviewNotes: r.ReviewNotes, ApprovalRound: r.ApprovalRound, ApprovedWindow: toWindowOut(r.ApprovedWindow),
		Actions: actions, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Risk: riskDTO{Score: r.Risk.Score, Level: string(r.Risk.Level), Factors: []riskFactorDTO{}}}
	if d.Actions == nil {
		d.Actions = []change.Event{}
	}
	for _, f := range r.Risk.Factors {
		d.Risk.Factors = append(d.Risk.Factors, riskFactorDTO(f))
	}
	if kind, ok := change.CurrentBoard(r); ok {
		k := string(kind)
		d.AwaitingBoard = &k
	}
	if o := r.ScheduleOverride; o != nil {
		d.ScheduleOverride = &overrideDTO{Reason: o.Reason, By: o.By, At: o.At, Conflicts: nonNilStrings(o.Conflicts)}
	}
	if r.Emergency() {
		d.RetroReview = &retroDTO{Due: r.RetroReviewDue, ReviewedAt: r.RetroReviewedAt, ReviewedBy: r.RetroReviewedBy,
			Notes: r.RetroReviewNotes, Overdue: change.RetroReviewOverdue(r, now)}
	}
	return d
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type createRFCRequest struct {
	Title              string     `json:"title"`
	Description        string     `json:"description"`
	Reason             string     `json:"reason"`
	AffectedCIs        []string   `json:"affected_cis"`
	LinkedUpdates      []string   `json:"linked_updates"`
	ReleaseID          string     `json:"release_id"`
	Window             *windowDTO `json:"window"`
	ImplementationPlan string     `json:"implementation_plan"`
	BackoutPlan        string     `json:"backout_plan"`
	TestPlan           string     `json:"test_plan"`
	TestEvidence       string     `json:"test_evidence"`
}

// patchRFCRequest is decoded after the field names were checked against
// the RFC's edit rules.
type patchRFCRequest struct {
	Title              *string    `json:"title"`
	Description        *string    `json:"description"`
	Reason             *string    `json:"reason"`
	AffectedCIs        *[]string  `json:"affected_cis"`
	LinkedUpdates      *[]string  `json:"linked_updates"`
	ReleaseID          *string    `json:"release_id"`
	Window             *windowDTO `json:"window"`
	ImplementationPlan *string    `json:"implementation_plan"`
	BackoutPlan        *string    `json:"backout_plan"`
	TestPlan           *string    `json:"test_plan"`
	TestEvidence       *string    `json:"test_evidence"`
	ReviewNotes        *string    `json:"review_notes"`
	CloseCode          *string    `json:"close_code"`
}

type transitionRequest struct {
	Event       string     `json:"event"`
	Comment     string     `json:"comment"`
	Category    string     `json:"category"`
	Priority    string     `json:"priority"`
	TemplateID  string     `json:"template_id"`
	Window      *windowDTO `json:"window"`
	CloseCode   string     `json:"close_code"`
	ReviewNotes string     `json:"review_notes"`
	// OverrideReason schedules over blocking calendar conflicts.
	OverrideReason string `json:"override_reason"`
}

// overrideDTO is the record of a schedule over blocking conflicts.
type overrideDTO struct {
	Reason    string    `json:"reason"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Conflicts []string  `json:"conflicts"`
}

type voteRequest struct {
	Decision  string `json:"decision"`
	Reason    string `json:"reason"`
	MeetingID string `json:"meeting_id"`
}

type voteDTO struct {
	ID        string    `json:"id"`
	RFCID     string    `json:"rfc_id"`
	BoardID   string    `json:"board_id"`
	Round     int       `json:"round"`
	VoterID   string    `json:"voter_id"`
	Decision  string    `json:"decision"`
	Reason    string    `json:"reason"`
	MeetingID string    `json:"meeting_id"`
	CastAt    time.Time `json:"cast_at"`
}

func toVoteDTO(v change.Vote) voteDTO {
	return voteDTO{ID: v.ID, RFCID: v.RFCID, BoardID: v.BoardID, Round: v.Round, VoterID: v.VoterID,
		Decision: string(v.Decision), Reason: v.Reason, MeetingID: v.MeetingID, CastAt: v.CastAt}
}

type boardDTO struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Members   []string  `json:"members"`
	Quorum    int       `json:"quorum"`
	Rule      string    `json:"rule"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toBoardDTO(b change.Board) boardDTO {
	return boardDTO{ID: b.ID, Name: b.Name, Kind: string(b.Kind), Members: nonNilStrings(b.Members), Quorum: b.Quorum,
		Rule: string(b.Rule), Version: b.Version, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
}

type templateDTO struct {
	ID                 string     `json:"id"`
	Title              string     `json:"title"`
	Description        string     `json:"description"`
	ImplementationPlan string     `json:"implementation_plan"`
	BackoutPlan        string     `json:"backout_plan"`
	Approved           bool       `json:"approved"`
	CreatedBy          string     `json:"created_by"`
	ApprovedBy         string     `json:"approved_by"`
	ApprovedAt         *time.Time `json:"approved_at"`
	Version            int64      `json:"version"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

func toTemplateDTO(t change.Template) templateDTO {
	return templateDTO{ID: t.ID, Title: t.Title, Description: t.Description, ImplementationPlan: t.ImplementationPlan,
		BackoutPlan: t.BackoutPlan, Approved: t.Approved, CreatedBy: t.CreatedBy, ApprovedBy: t.ApprovedBy,
		ApprovedAt: t.ApprovedAt, Version: t.Version, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

type agendaItemDTO struct {
	RFCID        string     `json:"rfc_id"`
	Ref          string     `json:"ref"`
	Title        string     `json:"title"`
	RiskScore    int        `json:"risk_score"`
	PlannedStart *time.Time `json:"planned_start"`
	// Conflicts are the planned window's calendar conflicts.
	Conflicts []string `json:"conflicts"`
}

type meetingDTO struct {
	ID        string          `json:"id"`
	BoardID   string          `json:"board_id"`
	Title     string          `json:"title"`
	StartsAt  time.Time       `json:"starts_at"`
	State     string          `json:"state"`
	Agenda    []agendaItemDTO `json:"agenda"`
	Attendees []string        `json:"attendees"`
	Minutes   string          `json:"minutes"`
	CreatedBy string          `json:"created_by"`
	Version   int64           `json:"version"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

func toMeetingDTO(m change.Meeting) meetingDTO {
	d := meetingDTO{ID: m.ID, BoardID: m.BoardID, Title: m.Title, StartsAt: m.StartsAt, State: string(m.State),
		Agenda: []agendaItemDTO{}, Attendees: nonNilStrings(m.Attendees), Minutes: m.Minutes, CreatedBy: m.CreatedBy,
		Version: m.Version, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	for _, a := range m.Agenda {
		item := agendaItemDTO(a)
		item.Conflicts = nonNilStrings(a.Conflicts)
		d.Agenda = append(d.Agenda, item)
	}
	return d
}
