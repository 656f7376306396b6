package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

type settingRow struct {
	Key       string `gorm:"primaryKey"`
	Value     string
	CreatedAt time.Time
}

func (settingRow) TableName() string { return "settings" }

// EnsureSetting returns the stored value of key, storing generate()'s
// result first if there is none. Replicas racing here all end up with the
// value of whichever inserted first.
func (db *DB) EnsureSetting(ctx context.Context, key string, generate func() string) (string, error) {
	var r settingRow
	err := db.InTx(ctx, func(ctx context.Context, tx *Tx) error {
		row := settingRow{Key: key, Value: generate(), CreatedAt: db.now()}
		if err := tx.g.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return err
		}
		return tx.g.Where("key = ?", key).Take(&r).Error
	})
	return r.Value, translate(err, "setting "+key)
}
