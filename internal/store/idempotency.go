package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/idempotency"
)

type idempotencyRow struct {
	ActorID     string `gorm:"primaryKey"`
	Key         string `gorm:"primaryKey"`
	MethodPath  string
	RequestHash string
	Status      int
	ContentType string
	Body        string
	Location    string
	CreatedAt   time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// staleClaim is how long an unanswered claim blocks its key: longer than
// any request may run, so a claim left by a crashed replica expires.
const staleClaim = 5 * time.Minute

// BeginIdempotent implements idempotency.Store.
func (db *DB) BeginIdempotent(ctx context.Context, actorID, key, methodPath, hash string) (*idempotency.StoredResponse, error) {
	var stored *idempotency.StoredResponse
	err := db.InTx(ctx, func(ctx context.Context, tx *Tx) error {
		now := db.now()
		tx.g.Where("actor_id = ? AND key = ? AND status = 0 AND created_at < ?", actorID, key, now.Add(-staleClaim)).
			Delete(&idempotencyRow{})
		row := idempotencyRow{ActorID: actorID, Key: key, MethodPath: methodPath, RequestHash: hash, CreatedAt: now}
		res := tx.g.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil || res.RowsAffected == 1 {
			return res.Error
		}
		if err := tx.g.Where("actor_id = ? AND key = ?", actorID, key).Take(&row).Error; err != nil {
			return err
		}
		switch {
		case row.RequestHash != hash || row.MethodPath != methodPath:
			return errs.E(errs.Unprocessable, "this Idempotency-Key was used for another request")
		case row.Status == 0:
			return errs.E(errs.Conflict, "a request with this Idempotency-Key is still being processed")
		}
		stored = &idempotency.StoredResponse{Status: row.Status, ContentType: row.ContentType, Body: []byte(row.Body), Location: row.Location}
		return nil
	})
	return stored, translate(err, "idempotency key")
}

// FinishIdempotent implements idempotency.Store.
func (db *DB) FinishIdempotent(ctx context.Context, actorID, key string, r idempotency.StoredResponse) error {
	err := db.gorm.WithContext(ctx).Model(&idempotencyRow{}).Where("actor_id = ? AND key = ?", actorID, key).
		Updates(map[string]any{"status": r.Status, "content_type": r.ContentType, "body": string(r.Body), "location": r.Location}).Error
	return translate(err, "idempotency key")
}

// AbandonIdempotent implements idempotency.Store: a failed request
// frees its key for a retry.
func (db *DB) AbandonIdempotent(ctx context.Context, actorID, key string) error {
	err := db.gorm.WithContext(ctx).Where("actor_id = ? AND key = ? AND status = 0", actorID, key).Delete(&idempotencyRow{}).Error
	return translate(err, "idempotency key")
}
