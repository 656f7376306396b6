package change

import (
	"context"
	"time"
)

// RFCRepository stores RFCs and their affected-CI index.
type RFCRepository interface {
	NextRFCNumber(ctx context.Context) (int64, error)
	CreateRFC(ctx context.Context, r *RFC) error
	// FindRFC finds by id or by reference (RFC-1042).
	FindRFC(ctx context.Context, idOrRef string) (RFC, error)
	// LockRFC takes the RFC's row lock until the transaction ends; votes
	// take it so that a round's tally sees every earlier vote.
	LockRFC(ctx context.Context, id string) error
	// UpdateRFC writes r if its stored version is still version, and
	// increments r.Version.
	UpdateRFC(ctx context.Context, r *RFC, version int64) error
	// SetRFCCIs replaces the RFC's affected-CI index rows.
	SetRFCCIs(ctx context.Context, id string, cis []string) error
	FindRFCs(ctx context.Context, f RFCFilter) ([]RFC, error)
	// ChangeRecord counts closed RFCs of a category and those that failed.
	ChangeRecord(ctx context.Context, c Category) (closed, failed int, err error)
}

// BoardRepository stores the change authorities (CAB, ECAB, executive).
type BoardRepository interface {
	CreateBoard(ctx context.Context, b *Board) error
	UpdateBoard(ctx context.Context, b *Board, version int64) error
	FindBoard(ctx context.Context, id string) (Board, error)
	FindBoardByKind(ctx context.Context, k BoardKind) (Board, error)
	FindBoards(ctx context.Context) ([]Board, error)
}

// VoteRepository stores the board members' votes on RFCs.
type VoteRepository interface {
	CreateVote(ctx context.Context, v *Vote) error
	// FindVotes returns the votes on an RFC, of one round when round > 0.
	FindVotes(ctx context.Context, rfcID string, round int) ([]Vote, error)
}

// TemplateRepository stores standard-change templates.
type TemplateRepository interface {
	CreateTemplate(ctx context.Context, t *Template) error
	UpdateTemplate(ctx context.Context, t *Template, version int64) error
	FindTemplate(ctx context.Context, id string) (Template, error)
	FindTemplates(ctx context.Context) ([]Template, error)
}

// MeetingRepository stores CAB meetings.
type MeetingRepository interface {
	CreateMeeting(ctx context.Context, m *Meeting) error
	UpdateMeeting(ctx context.Context, m *Meeting, version int64) error
	FindMeeting(ctx context.Context, id string) (Meeting, error)
	FindMeetings(ctx context.Context, afterStartsAt *time.Time, limit int) ([]Meeting, error)
}
