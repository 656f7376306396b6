package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/changeboard/changeboard/internal/audit"
)

// The database implements the audit capability's checkpoint storage.
var _ audit.CheckpointStore = (*DB)(nil)

type checkpointRow struct {
	ID        int64 `gorm:"primaryKey"`
	Seq       int64
	HeadHash  string
	SignedAt  time.Time
	KeyID     string
	Signature string
}

func (checkpointRow) TableName() string { return "audit_checkpoints" }

// ChainHead implements audit.CheckpointStore.
func (db *DB) ChainHead(ctx context.Context) (audit.Seal, error) {
	var head sealRow
	err := db.conn(ctx).Order("seq DESC").Limit(1).Find(&head).Error
	return audit.Seal{Seq: head.Seq, EventID: head.EventID, PrevHash: head.PrevHash, Hash: head.Hash, MAC: head.MAC},
		translate(err, "audit chain head")
}

// AppendCheckpoint implements audit.CheckpointStore.
func (db *DB) AppendCheckpoint(ctx context.Context, c *audit.Checkpoint) error {
	row := checkpointRow{Seq: c.Seq, HeadHash: c.HeadHash, SignedAt: c.SignedAt.UTC(), KeyID: c.KeyID, Signature: c.Signature}
	if err := db.conn(ctx).Create(&row).Error; err != nil {
		return translate(err, "audit checkpoint")
	}
	c.ID = row.ID
	return nil
}

// FindCheckpoints implements audit.CheckpointStore.
func (db *DB) FindCheckpoints(ctx context.Context, beforeID int64, limit int) ([]audit.Checkpoint, error) {
	q := db.conn(ctx).Order("id DESC")
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	var rows []checkpointRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err, "audit checkpoints")
	}
	out := make([]audit.Checkpoint, len(rows))
	for i, r := range rows {
		out[i] = audit.Checkpoint{ID: r.ID, Seq: r.Seq, HeadHash: r.HeadHash, SignedAt: r.SignedAt.UTC(),
			KeyID: r.KeyID, Signature: r.Signature}
	}
	return out, nil
}

// conn is the transaction ctx carries, else the pool: a read outside a
// use case's transaction must not wait for SQLite's one connection held by it.
func (db *DB) conn(ctx context.Context) *gorm.DB {
	if tx, ok := db.txFrom(ctx); ok {
		return tx.g
	}
	return db.gorm.WithContext(ctx)
}
