package store

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/session"
)

// The transaction implements session.Tx (checked by the compiler).
var _ session.Tx = (*Tx)(nil)

type webSessionRow struct {
	IDHash    string `gorm:"primaryKey"`
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (webSessionRow) TableName() string { return "web_sessions" }

// CreateSession implements session.Tx.
func (tx *Tx) CreateSession(ctx context.Context, idHash string, s session.Session) error {
	row := webSessionRow{IDHash: idHash, UserID: s.UserID, CreatedAt: s.CreatedAt.UTC(), ExpiresAt: s.ExpiresAt.UTC()}
	return translate(tx.g.WithContext(ctx).Create(&row).Error, "session")
}

// FindSession implements session.Tx.
func (tx *Tx) FindSession(ctx context.Context, idHash string) (session.Session, error) {
	var row webSessionRow
	if err := tx.g.WithContext(ctx).Where("id_hash = ?", idHash).Take(&row).Error; err != nil {
		return session.Session{}, translate(err, "session")
	}
	return session.Session{UserID: row.UserID, CreatedAt: row.CreatedAt.UTC(), ExpiresAt: row.ExpiresAt.UTC()}, nil
}

// DeleteSession implements session.Tx.
func (tx *Tx) DeleteSession(ctx context.Context, idHash string) error {
	return translate(tx.g.WithContext(ctx).Where("id_hash = ?", idHash).Delete(&webSessionRow{}).Error, "session")
}

// DeleteExpiredSessions implements session.Tx.
func (tx *Tx) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	return translate(tx.g.WithContext(ctx).Where("expires_at <= ?", now.UTC()).Delete(&webSessionRow{}).Error, "session")
}
