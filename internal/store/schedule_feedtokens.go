package store

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/schedule"
)

// The transaction implements schedule.FeedTokenRepository (checked by the compiler).
var _ schedule.FeedTokenRepository = (*Tx)(nil)

type feedTokenRow struct {
	ID        string
	UserID    string
	Name      string
	TokenHash string
	CreatedAt time.Time
	RevokedAt *time.Time
}

func (feedTokenRow) TableName() string { return "schedule_feed_tokens" }

func (r feedTokenRow) token() schedule.FeedToken {
	return schedule.FeedToken{ID: r.ID, UserID: r.UserID, Name: r.Name, CreatedAt: r.CreatedAt.UTC(), RevokedAt: utcPtr(r.RevokedAt)}
}

// CreateFeedToken implements schedule.FeedTokenRepository.
func (tx *Tx) CreateFeedToken(ctx context.Context, t *schedule.FeedToken, hash string) error {
	row := feedTokenRow{ID: t.ID, UserID: t.UserID, Name: t.Name, TokenHash: hash, CreatedAt: t.CreatedAt.UTC()}
	return translate(tx.g.Create(&row).Error, "feed token")
}

// FindFeedTokenByHash implements schedule.FeedTokenRepository.
func (tx *Tx) FindFeedTokenByHash(ctx context.Context, hash string) (schedule.FeedToken, error) {
	var row feedTokenRow
	if err := tx.g.Where("token_hash = ?", hash).Take(&row).Error; err != nil {
		return schedule.FeedToken{}, translate(err, "feed token")
	}
	t := row.token()
	var enabled int64
	if err := tx.g.Model(&userRow{}).Where("id = ? AND disabled = ?", t.UserID, false).Count(&enabled).Error; err != nil {
		return schedule.FeedToken{}, translate(err, "feed token's user")
	}
	t.OwnerDisabled = enabled == 0
	return t, nil
}

// FindFeedToken implements schedule.FeedTokenRepository.
func (tx *Tx) FindFeedToken(ctx context.Context, id string) (schedule.FeedToken, error) {
	var row feedTokenRow
	if err := tx.g.Where("id = ?", id).Take(&row).Error; err != nil {
		return schedule.FeedToken{}, translate(err, "feed token "+id)
	}
	return row.token(), nil
}

// FindFeedTokens implements schedule.FeedTokenRepository, newest first.
func (tx *Tx) FindFeedTokens(ctx context.Context, userID string) ([]schedule.FeedToken, error) {
	var rows []feedTokenRow
	if err := tx.g.Where("user_id = ?", userID).Order("created_at DESC, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "feed tokens")
	}
	out := make([]schedule.FeedToken, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.token())
	}
	return out, nil
}

// RevokeFeedToken implements schedule.FeedTokenRepository.
func (tx *Tx) RevokeFeedToken(ctx context.Context, id string, at time.Time) error {
	res := tx.g.Exec("UPDATE schedule_feed_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", at.UTC(), id)
	if err := translate(res.Error, "feed token "+id); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.Conflict, "feed token %s was revoked already", id)
	}
	return nil
}
