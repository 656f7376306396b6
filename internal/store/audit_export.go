package store

import (
	"context"
	"database/sql"

	"gorm.io/gorm"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/config"
)

// The database streams exports.
var _ audit.ExportStore = (*DB)(nil)

// StreamChain implements audit.ExportStore: one read-only snapshot
// (repeatable read on PostgreSQL), the head first, then the sealed events
// in sequence order through one cursor, never a slice of them.
func (db *DB) StreamChain(ctx context.Context, f audit.ExportFilter, head func(audit.Seal) error, row func(audit.Event) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == config.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		var h sealRow
		if err := g.Order("seq DESC").Limit(1).Find(&h).Error; err != nil {
			return translate(err, "audit chain head")
		}
		if err := head(audit.Seal{Seq: h.Seq, EventID: h.EventID, PrevHash: h.PrevHash, Hash: h.Hash}); err != nil {
			return err
		}
		q := g.Table("audit_seals AS s").Select("s.seq, s.prev_hash, s.hash, "+eventColumns).
			Joins("JOIN audit_events e ON e.id = s.event_id").Where("s.seq > ?", f.AfterSeq)
		for col, v := range map[string]string{"e.entity_type": f.EntityType, "e.entity_id": f.EntityID,
			"e.actor_id": f.Actor, "e.action": f.Action} {
			if v != "" {
				q = q.Where(col+" = ?", v)
			}
		}
		if f.From != nil {
			q = q.Where("e.occurred_at >= ?", f.From.UTC())
		}
		if f.To != nil {
			q = q.Where("e.occurred_at < ?", f.To.UTC())
		}
		rows, err := q.Order("s.seq").Rows()
		if err != nil {
			return translate(err, "audit export")
		}
		defer rows.Close()
		var seq int64
		var prev, hash string
		var ev nullableEvent
		targets := append([]any{&seq, &prev, &hash}, ev.targets()...)
		for rows.Next() {
			if err := rows.Scan(targets...); err != nil {
				return translate(err, "audit export")
			}
			e, _ := ev.event()
			e.Seq, e.PrevHash, e.Hash = seq, prev, hash
			if err := row(e); err != nil {
				return err
			}
		}
		return translate(rows.Err(), "audit export")
	}, opts)
}
