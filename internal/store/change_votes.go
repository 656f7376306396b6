package store

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/change"
)

// The transaction implements change.VoteRepository (checked by the compiler).
var _ change.VoteRepository = (*Tx)(nil)

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

// CreateVote implements change.VoteRepository; the unique key makes a second vote of
// the same member in the same round a conflict.
func (tx *Tx) CreateVote(ctx context.Context, v *change.Vote) error {
	row := voteRow{ID: v.ID, RFCID: v.RFCID, BoardID: v.BoardID, Round: v.Round, VoterID: v.VoterID,
		Decision: string(v.Decision), Reason: v.Reason, MeetingID: v.MeetingID, CastAt: v.CastAt.UTC()}
	return translate(tx.g.Create(&row).Error, "a vote of this member in this round")
}

// FindVotes implements change.VoteRepository.
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
