package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/changeboard/changeboard/internal/change"
)

type boardRow struct {
	ID        string
	Name      string
	Kind      string
	Quorum    int
	Rule      string
	Members   string
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (boardRow) TableName() string { return "boards" }

func toBoardRow(b change.Board) boardRow {
	return boardRow{ID: b.ID, Name: b.Name, Kind: string(b.Kind), Quorum: b.Quorum, Rule: string(b.Rule),
		Members: mustJSON(nonNil(b.Members)), Version: b.Version, CreatedAt: b.CreatedAt.UTC(), UpdatedAt: b.UpdatedAt.UTC()}
}

func (r boardRow) board() (change.Board, error) {
	b := change.Board{ID: r.ID, Name: r.Name, Kind: change.BoardKind(r.Kind), Quorum: r.Quorum,
		Rule: change.Rule(r.Rule), Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	return b, json.Unmarshal([]byte(r.Members), &b.Members)
}

// CreateBoard implements change.Tx.
func (tx *Tx) CreateBoard(ctx context.Context, b *change.Board) error {
	row := toBoardRow(*b)
	return translate(tx.g.Create(&row).Error, "board "+b.Name+" or a board of kind "+string(b.Kind))
}

// UpdateBoard implements change.Tx.
func (tx *Tx) UpdateBoard(ctx context.Context, b *change.Board, version int64) error {
	row := toBoardRow(*b)
	row.Version = version + 1
	res := tx.g.Model(&boardRow{}).Where("id = ? AND version = ?", b.ID, version).
		Select("name", "quorum", "rule", "members", "version", "updated_at").Updates(&row)
	if err := translate(res.Error, "board "+b.Name); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("board " + b.Name)
	}
	b.Version = row.Version
	return nil
}

func (tx *Tx) findBoard(where string, arg any, what string) (change.Board, error) {
	var row boardRow
	if err := tx.g.Where(where, arg).Take(&row).Error; err != nil {
		return change.Board{}, translate(err, what)
	}
	b, err := row.board()
	return b, translate(err, what)
}

// FindBoard implements change.Tx.
func (tx *Tx) FindBoard(ctx context.Context, id string) (change.Board, error) {
	return tx.findBoard("id = ?", id, "board "+id)
}

// FindBoardByKind implements change.Tx.
func (tx *Tx) FindBoardByKind(ctx context.Context, k change.BoardKind) (change.Board, error) {
	return tx.findBoard("kind = ?", string(k), string(k)+" board")
}

// FindBoards implements change.Tx.
func (tx *Tx) FindBoards(ctx context.Context) ([]change.Board, error) {
	var rows []boardRow
	if err := tx.g.Order("name").Find(&rows).Error; err != nil {
		return nil, translate(err, "boards")
	}
	out := make([]change.Board, 0, len(rows))
	for _, r := range rows {
		b, err := r.board()
		if err != nil {
			return nil, translate(err, "board "+r.ID)
		}
		out = append(out, b)
	}
	return out, nil
}

type voteRow struct {
	ID        string
	RFCID     string `gorm:"column:rfc_id"`
	BoardID   string
	Round     int
	VoterID   string
	Decision  string
	Reason    string
	MeetingID string
	CastAt    time.Time
}

func (voteRow) TableName() string { return "votes" }

// CreateVote implements change.Tx; the unique key makes a second vote of
// the same member in the same round a conflict.
func (tx *Tx) CreateVote(ctx context.Context, v *change.Vote) error {
	row := voteRow{ID: v.ID, RFCID: v.RFCID, BoardID: v.BoardID, Round: v.Round, VoterID: v.VoterID,
		Decision: string(v.Decision), Reason: v.Reason, MeetingID: v.MeetingID, CastAt: v.CastAt.UTC()}
	return translate(tx.g.Create(&row).Error, "a vote of this member in this round")
}

// FindVotes implements change.Tx.
func (tx *Tx) FindVotes(ctx context.Context, rfcID string, round int) ([]change.Vote, error) {
	q := tx.g.Where("rfc_id = ?", rfcID)
	if round > 0 {
		q = q.Where("round = ?", round)
	}
	var rows []voteRow
	if err := q.Order("cast_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "votes")
	}
	out := make([]change.Vote, len(rows))
	for i, r := range rows {
		out[i] = change.Vote{ID: r.ID, RFCID: r.RFCID, BoardID: r.BoardID, Round: r.Round, VoterID: r.VoterID,
			Decision: change.Choice(r.Decision), Reason: r.Reason, MeetingID: r.MeetingID, CastAt: r.CastAt.UTC()}
	}
	return out, nil
}

type templateRow struct {
	ID                 string
	Name               string
	Description        string
	ImplementationPlan string
	BackoutPlan        string
	State              string
	CreatedBy          string
	ApprovedBy         string
	ApprovedAt         *time.Time
	Version            int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (templateRow) TableName() string { return "change_templates" }

const (
	templateProposed = "proposed"
	templateApproved = "approved"
)

func toTemplateRow(t change.Template) templateRow {
	state := templateProposed
	if t.Approved {
		state = templateApproved
	}
	return templateRow{ID: t.ID, Name: t.Title, Description: t.Description, ImplementationPlan: t.ImplementationPlan,
		BackoutPlan: t.BackoutPlan, State: state, CreatedBy: t.CreatedBy, ApprovedBy: t.ApprovedBy,
		ApprovedAt: utcPtr(t.ApprovedAt), Version: t.Version, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

func (r templateRow) template() change.Template {
	return change.Template{ID: r.ID, Title: r.Name, Description: r.Description, ImplementationPlan: r.ImplementationPlan,
		BackoutPlan: r.BackoutPlan, Approved: r.State == templateApproved, CreatedBy: r.CreatedBy,
		ApprovedBy: r.ApprovedBy, ApprovedAt: utcPtr(r.ApprovedAt), Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateTemplate implements change.Tx.
func (tx *Tx) CreateTemplate(ctx context.Context, t *change.Template) error {
	row := toTemplateRow(*t)
	return translate(tx.g.Create(&row).Error, "template "+t.Title)
}

// UpdateTemplate implements change.Tx.
func (tx *Tx) UpdateTemplate(ctx context.Context, t *change.Template, version int64) error {
	row := toTemplateRow(*t)
	row.Version = version + 1
	res := tx.g.Model(&templateRow{}).Where("id = ? AND version = ?", t.ID, version).
		Select("*").Omit("id", "created_at", "created_by").Updates(&row)
	if err := translate(res.Error, "template"); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("template " + t.Title)
	}
	t.Version = row.Version
	return nil
}

// FindTemplate implements change.Tx.
func (tx *Tx) FindTemplate(ctx context.Context, id string) (change.Template, error) {
	var row templateRow
	err := tx.g.Where("id = ?", id).Take(&row).Error
	return row.template(), translate(err, "template "+id)
}

// FindTemplates implements change.Tx.
func (tx *Tx) FindTemplates(ctx context.Context) ([]change.Template, error) {
	var rows []templateRow
	if err := tx.g.Order("name").Find(&rows).Error; err != nil {
		return nil, translate(err, "templates")
	}
	out := make([]change.Template, len(rows))
	for i, r := range rows {
		out[i] = r.template()
	}
	return out, nil
}

type meetingRow struct {
	ID        string
	BoardID   string
	Title     string
	StartsAt  time.Time
	State     string
	Agenda    string
	Attendees string
	Minutes   string
	CreatedBy string
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (meetingRow) TableName() string { return "cab_meetings" }

func toMeetingRow(m change.Meeting) meetingRow {
	return meetingRow{ID: m.ID, BoardID: m.BoardID, Title: m.Title, StartsAt: m.StartsAt.UTC(), State: string(m.State),
		Agenda: mustJSON(m.Agenda), Attendees: mustJSON(nonNil(m.Attendees)), Minutes: m.Minutes,
		CreatedBy: m.CreatedBy, Version: m.Version, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
}

func (r meetingRow) meeting() (change.Meeting, error) {
	m := change.Meeting{ID: r.ID, BoardID: r.BoardID, Title: r.Title, StartsAt: r.StartsAt.UTC(),
		State: change.MeetingState(r.State), Minutes: r.Minutes, CreatedBy: r.CreatedBy, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Agenda), &m.Agenda); err != nil {
		return m, err
	}
	return m, json.Unmarshal([]byte(r.Attendees), &m.Attendees)
}

// CreateMeeting implements change.Tx.
func (tx *Tx) CreateMeeting(ctx context.Context, m *change.Meeting) error {
	row := toMeetingRow(*m)
	return translate(tx.g.Create(&row).Error, "meeting")
}

// UpdateMeeting implements change.Tx.
func (tx *Tx) UpdateMeeting(ctx context.Context, m *change.Meeting, version int64) error {
	row := toMeetingRow(*m)
	row.Version = version + 1
	res := tx.g.Model(&meetingRow{}).Where("id = ? AND version = ?", m.ID, version).
		Select("*").Omit("id", "created_at", "created_by").Updates(&row)
	if err := translate(res.Error, "meeting"); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("meeting " + m.Title)
	}
	m.Version = row.Version
	return nil
}

// FindMeeting implements change.Tx.
func (tx *Tx) FindMeeting(ctx context.Context, id string) (change.Meeting, error) {
	var row meetingRow
	if err := tx.g.Where("id = ?", id).Take(&row).Error; err != nil {
		return change.Meeting{}, translate(err, "meeting "+id)
	}
	m, err := row.meeting()
	return m, translate(err, "meeting "+id)
}

// FindMeetings implements change.Tx.
func (tx *Tx) FindMeetings(ctx context.Context, after *time.Time, limit int) ([]change.Meeting, error) {
	q := tx.g.Model(&meetingRow{})
	if after != nil {
		q = q.Where("starts_at > ?", after.UTC())
	}
	var rows []meetingRow
	if err := q.Order("starts_at, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "meetings")
	}
	out := make([]change.Meeting, 0, len(rows))
	for _, r := range rows {
		m, err := r.meeting()
		if err != nil {
			return nil, translate(err, "meeting "+r.ID)
		}
		out = append(out, m)
	}
	return out, nil
}
