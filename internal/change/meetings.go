package change

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// MeetingState is where a CAB meeting is.
type MeetingState string

// The meeting states: decisions are taken while scheduled; closing writes
// the minutes.
const (
	MeetingScheduled MeetingState = "scheduled"
	MeetingClosed    MeetingState = "closed"
)

// AgendaItem is one RFC to decide in a meeting.
type AgendaItem struct {
	RFCID        string
	Ref          string
	Title        string
	RiskScore    int
	PlannedStart *time.Time
	// Conflicts are the calendar's conflicts of the planned window when
	// the agenda was made (schedule.md), one line each.
	Conflicts []string
}

// Meeting is a CAB (or ECAB, executive) meeting: an agenda built from the
// queue, attendance, the votes taken in it and generated minutes.
type Meeting struct {
	ID        string
	BoardID   string
	Title     string
	StartsAt  time.Time
	State     MeetingState
	Agenda    []AgendaItem
	Attendees []string
	Minutes   string
	CreatedBy string
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MeetingMaxLength bounds a meeting's session: votes are taken in it from
// its start until it is closed, and no later than this after its start (a
// meeting left open is not a place to vote days later).
const MeetingMaxLength = 12 * time.Hour

// checkInSession refuses what needs the meeting to be held now: a vote in
// it, and its close (whose minutes say it was held).
func (m Meeting) checkInSession(now time.Time, what string) error {
	if now.Before(m.StartsAt) {
		return errs.E(errs.Conflict, "the meeting starts at %s: %s once it has started", m.StartsAt.UTC().Format(time.RFC3339), what)
	}
	return nil
}

func (m Meeting) onAgenda(rfcID string) bool {
	return slices.ContainsFunc(m.Agenda, func(a AgendaItem) bool { return a.RFCID == rfcID })
}

// MeetingHorizon is how far after a meeting planned windows may start for
// their RFC to be on its agenda; RFCs without a window always are.
const MeetingHorizon = 14 * 24 * time.Hour

// NewMeeting is the input of CreateMeeting.
type NewMeeting struct {
	BoardID  string
	Title    string
	StartsAt time.Time
}

// CreateMeeting schedules a meeting of a board with an agenda built from
// the RFCs awaiting that board whose planned window starts before the
// meeting's horizon, riskiest first, then by planned start.
func (s *Service) CreateMeeting(ctx context.Context, actor identity.Actor, in NewMeeting) (Meeting, error) {
	if err := s.guard.Require(ctx, actor, "meeting.create", "cab_meeting", "", managers...); err != nil {
		return Meeting{}, err
	}
	var fs errs.Fields
	addRequired(&fs, "board_id", in.BoardID)
	if in.StartsAt.IsZero() {
		fs.Add("starts_at", "is required")
	}
	if len(in.Title) > MaxTitleLen {
		fs.Add("title", "is too long")
	}
	if err := fs.Err(); err != nil {
		return Meeting{}, err
	}
	var m Meeting
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		b, err := tx.FindBoard(ctx, in.BoardID)
		if errs.Is(err, errs.NotFound) {
			return errs.Field("board_id", "no such board")
		} else if err != nil {
			return err
		}
		agenda, err := s.agenda(ctx, tx, b, in.StartsAt)
		if err != nil {
			return err
		}
		now := s.now()
		m = Meeting{ID: uuid.NewString(), BoardID: b.ID, StartsAt: in.StartsAt.UTC(), State: MeetingScheduled,
			Title:  cmp.Or(strings.TrimSpace(in.Title), fmt.Sprintf("%s meeting %s", b.Name, in.StartsAt.UTC().Format("2006-01-02"))),
			Agenda: agenda, Attendees: []string{}, CreatedBy: actor.UserID, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateMeeting(ctx, &m); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(managers...), Action: "meeting.create",
			EntityType: "cab_meeting", EntityID: m.ID, After: m})
	})
	return m, err
}

func (s *Service) agenda(ctx context.Context, tx Tx, b Board, startsAt time.Time) ([]AgendaItem, error) {
	waiting, err := tx.FindRFCs(ctx, RFCFilter{State: StateAwaitingApproval, Limit: 1000})
	if err != nil {
		return nil, err
	}
	horizon := startsAt.Add(MeetingHorizon)
	items := []AgendaItem{}
	for _, r := range waiting {
		kind, ok := CurrentBoard(r)
		if !ok || kind != b.Kind || (r.Window != nil && r.Window.Start.After(horizon)) {
			continue
		}
		item := AgendaItem{RFCID: r.ID, Ref: r.Ref(), Title: r.Title, RiskScore: r.Risk.Score}
		if r.Window != nil {
			start := r.Window.Start
			item.PlannedStart = &start
			if s.conflicts != nil {
				found, err := s.conflicts.WindowConflicts(ctx, r, *r.Window)
				if err != nil {
					return nil, err
				}
				for _, c := range found {
					item.Conflicts = append(item.Conflicts, c.String())
				}
			}
		}
		items = append(items, item)
	}
	slices.SortStableFunc(items, func(a, b AgendaItem) int {
		if c := cmp.Compare(b.RiskScore, a.RiskScore); c != 0 {
			return c
		}
		switch {
		case a.PlannedStart == nil && b.PlannedStart == nil:
			return cmp.Compare(a.Ref, b.Ref)
		case a.PlannedStart == nil:
			return 1
		case b.PlannedStart == nil:
			return -1
		}
		return a.PlannedStart.Compare(*b.PlannedStart)
	})
	return items, nil
}

// RecordAttendance sets who attends an open meeting: members of its board.
func (s *Service) RecordAttendance(ctx context.Context, actor identity.Actor, id string, attendees []string, ifVersion *int64) (Meeting, error) {
	if err := s.guard.Require(ctx, actor, "meeting.attendance", "cab_meeting", id, managers...); err != nil {
		return Meeting{}, err
	}
	return s.changeMeeting(ctx, actor, id, ifVersion, "meeting.attendance", func(tx Tx, m *Meeting) error {
		b, err := tx.FindBoard(ctx, m.BoardID)
		if err != nil {
			return err
		}
		var fs errs.Fields
		addIDListProblems(&fs, "attendees", attendees)
		for _, a := range attendees {
			if !b.IsMember(a) {
				fs.Add("attendees", fmt.Sprintf("%s is not a member of %s", a, b.Name))
			}
		}
		m.Attendees = slices.Clone(attendees)
		return fs.Err()
	})
}

// CloseMeeting closes a meeting and writes its minutes from what happened:
// who attended, and for each agenda item the votes taken in the meeting and
// where the RFC stands now.
func (s *Service) CloseMeeting(ctx context.Context, actor identity.Actor, id string, ifVersion *int64) (Meeting, error) {
	if err := s.guard.Require(ctx, actor, "meeting.close", "cab_meeting", id, managers...); err != nil {
		return Meeting{}, err
	}
	return s.changeMeeting(ctx, actor, id, ifVersion, "meeting.close", func(tx Tx, m *Meeting) error {
		if err := m.checkInSession(s.now(), "it closes"); err != nil {
			return err
		}
		minutes, err := s.minutes(ctx, tx, *m)
		m.State, m.Minutes = MeetingClosed, minutes
		return err
	})
}

func (s *Service) changeMeeting(ctx context.Context, actor identity.Actor, id string, ifVersion *int64, action string, change func(Tx, *Meeting) error) (Meeting, error) {
	var m Meeting
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if m, err = tx.FindMeeting(ctx, id); err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != m.Version {
			return errs.E(errs.PreconditionFailed, "the meeting is at version %d, not %d", m.Version, *ifVersion)
		}
		if m.State != MeetingScheduled {
			return errs.E(errs.Conflict, "the meeting is closed")
		}
		before, version := m, m.Version
		if err := change(tx, &m); err != nil {
			return err
		}
		m.UpdatedAt = s.now()
		if err := tx.UpdateMeeting(ctx, &m, version); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(managers...), Action: action,
			EntityType: "cab_meeting", EntityID: m.ID, Before: before, After: m})
	})
	return m, err
}

func (s *Service) minutes(ctx context.Context, tx Tx, m Meeting) (string, error) {
	b, err := tx.FindBoard(ctx, m.BoardID)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "# %s\n\nBoard: %s (%s, quorum %d, rule %s)\nHeld: %s\nClosed: %s\n\n## Attendance\n\n",
		m.Title, b.Name, b.Kind, b.Quorum, b.Rule, m.StartsAt.Format(time.RFC3339), s.now().Format(time.RFC3339))
	if len(m.Attendees) == 0 {
		sb.WriteString("Nobody was recorded as attending.\n")
	}
	for _, a := range m.Attendees {
		fmt.Fprintf(&sb, "- %s\n", a)
	}
	sb.WriteString("\n## Decisions\n")
	for i, item := range m.Agenda {
		r, err := tx.FindRFC(ctx, item.RFCID)
		if err != nil {
			return "", err
		}
		votes, err := tx.FindVotes(ctx, r.ID, 0)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&sb, "\n### %d. %s %s (risk %d)\n\n", i+1, r.Ref(), r.Title, item.RiskScore)
		n := 0
		for _, v := range votes {
			if v.MeetingID == m.ID {
				n++
				fmt.Fprintf(&sb, "- %s voted %s%s\n", v.VoterID, v.Decision, reasonSuffix(v.Reason))
			}
		}
		if n == 0 {
			sb.WriteString("- No votes were taken in this meeting.\n")
		}
		fmt.Fprintf(&sb, "\nOutcome: %s is now %s.\n", r.Ref(), r.State)
	}
	return sb.String(), nil
}

func reasonSuffix(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}

// GetMeeting returns one meeting.
func (s *Service) GetMeeting(ctx context.Context, actor identity.Actor, id string) (Meeting, error) {
	if err := s.requireReader(ctx, actor, "meeting.read", "cab_meeting", id); err != nil {
		return Meeting{}, err
	}
	var m Meeting
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		m, err = tx.FindMeeting(ctx, id)
		return err
	})
	return m, err
}

// ListMeetings pages through meetings by start time.
func (s *Service) ListMeetings(ctx context.Context, actor identity.Actor, after *time.Time, limit int) ([]Meeting, error) {
	if err := s.requireReader(ctx, actor, "meeting.list", "cab_meeting", ""); err != nil {
		return nil, err
	}
	var out []Meeting
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindMeetings(ctx, after, limit)
		return err
	})
	return out, err
}
