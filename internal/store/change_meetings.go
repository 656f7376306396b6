package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/changeboard/changeboard/internal/change"
)

// The transaction implements change.MeetingRepository (checked by the compiler).
var _ change.MeetingRepository = (*Tx)(nil)

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

// CreateMeeting implements change.MeetingRepository.
func (tx *Tx) CreateMeeting(ctx context.Context, m *change.Meeting) error {
	row := toMeetingRow(*m)
	return translate(tx.g.Create(&row).Error, "meeting")
}

// UpdateMeeting implements change.MeetingRepository.
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

// FindMeeting implements change.MeetingRepository.
func (tx *Tx) FindMeeting(ctx context.Context, id string) (change.Meeting, error) {
	var row meetingRow
	if err := tx.g.Where("id = ?", id).Take(&row).Error; err != nil {
		return change.Meeting{}, translate(err, "meeting "+id)
	}
	m, err := row.meeting()
	return m, translate(err, "meeting "+id)
}

// FindMeetings implements change.MeetingRepository.
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
