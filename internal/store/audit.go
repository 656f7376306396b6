package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/config"
)

// The transaction implements audit.Appender (checked by the compiler).
var _ audit.Appender = (*Tx)(nil)

// auditRow is the audit_events table, for the query builder.
type auditRow struct {
	ID          int64 `gorm:"primaryKey"`
	OccurredAt  time.Time
	ActorID     string
	ActorRole   string
	Action      string
	Outcome     string
	EntityType  string
	EntityID    string
	BeforeJSON  string `gorm:"column:before_json"`
	AfterJSON   string `gorm:"column:after_json"`
	Reason      string
	RequestID   string
	SourceIP    string `gorm:"column:source_ip"`
	ContentHash string
}

func (auditRow) TableName() string { return "audit_events" }

type sealRow struct {
	Seq      int64 `gorm:"primaryKey;autoIncrement:false"`
	EventID  int64
	PrevHash string
	Hash     string
	MAC      string `gorm:"column:mac"`
	SealedAt time.Time
}

func (sealRow) TableName() string { return "audit_seals" }

// Advisory lock keys are per schema, so that test schemas sharing one
// database do not wait on each other.
const (
	auditLockKey = "hashtext('changeboard.audit.' || current_schema())"
	sealLockKey  = "hashtext('changeboard.seal.' || current_schema())"
)

// AppendAudit implements audit.Appender. On PostgreSQL the transaction
// first takes the audit lock in shared mode: writers never wait on each
// other, only (briefly) on the sealer's horizon barrier.
func (tx *Tx) AppendAudit(ctx context.Context, e *audit.Event) error {
	if tx.readOnly {
		return errors.New("audit event appended outside a transaction (in a Read)")
	}
	args := []any{e.OccurredAt.UTC(), e.ActorID, e.ActorRole, e.Action, string(e.Outcome), e.EntityType, e.EntityID,
		e.Before, e.After, e.Reason, e.RequestID, e.SourceIP, e.ContentHash}
	q := insertAuditEvent
	if tx.db.dialect == config.Postgres && !tx.auditLocked {
		// The lock rides in the same statement as the insert: one round
		// trip, and the lock is held before the id is drawn.
		q = insertAuditEventLocked
	}
	if err := tx.g.Raw(q, args...).Scan(&e.ID).Error; err != nil {
		return translate(err, "audit event")
	}
	tx.auditLocked = true
	return nil
}

const (
	auditColumns     = `(occurred_at, actor_id, actor_role, action, outcome, entity_type, entity_id, before_json, after_json, reason, request_id, source_ip, content_hash)`
	insertAuditEvent = `INSERT INTO audit_events ` + auditColumns + `
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	insertAuditEventLocked = `WITH audit_lock AS (SELECT pg_advisory_xact_lock_shared(` + auditLockKey + `))
		INSERT INTO audit_events ` + auditColumns + `
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM audit_lock RETURNING id`
)

// AppendStandalone implements audit.Store: e is written in a transaction
// of its own, so that it survives the refused use case. Inside a running
// transaction (a use case composed into another) it is written once that
// transaction has ended, committed or not.
func (db *DB) AppendStandalone(ctx context.Context, e *audit.Event) error {
	if tx, ok := db.txFrom(ctx); ok {
		tx.standalone = append(tx.standalone, e)
		return nil
	}
	return db.appendStandalone(ctx, []*audit.Event{e})
}

func (db *DB) appendStandalone(ctx context.Context, es []*audit.Event) error {
	countStatements(ctx, 2)
	return db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		tx := &Tx{g: g, db: db}
		for _, e := range es {
			if err := tx.AppendAudit(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// FindAuditEvents implements audit.Store: events in id order with their
// seals, through the (filter, id) indexes.
func (db *DB) FindAuditEvents(ctx context.Context, f audit.Filter) ([]audit.Event, error) {
	q := db.reader.WithContext(ctx).Table("audit_events AS e").
		Select("s.seq, s.prev_hash, s.hash, "+eventColumns).
		Joins("LEFT JOIN audit_seals s ON s.event_id = e.id").
		Where("e.id > ?", f.AfterID)
	for col, v := range map[string]string{"e.entity_type": f.EntityType, "e.entity_id": f.EntityID,
		"e.actor_id": f.Actor, "e.action": f.Action} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	if f.Since != nil {
		q = q.Where("e.occurred_at >= ?", f.Since.UTC())
	}
	if f.Until != nil {
		q = q.Where("e.occurred_at < ?", f.Until.UTC())
	}
	rows, err := q.Order("e.id").Limit(f.Limit).Rows()
	if err != nil {
		return nil, translate(err, "audit events")
	}
	defer rows.Close()
	out := []audit.Event{}
	for rows.Next() {
		var seq sql.NullInt64
		var prev, hash sql.NullString
		var ev nullableEvent
		if err := rows.Scan(append([]any{&seq, &prev, &hash}, ev.targets()...)...); err != nil {
			return nil, translate(err, "audit events")
		}
		e, _ := ev.event()
		e.Seq, e.PrevHash, e.Hash = seq.Int64, prev.String, hash.String
		out = append(out, e)
	}
	return out, translate(rows.Err(), "audit events")
}

// WalkChain implements audit.Store. It reads one snapshot: repeatable read
// on PostgreSQL, the single connection on SQLite.
func (db *DB) WalkChain(ctx context.Context, v *audit.Verifier) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == config.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		// Every row is examined: the links in sequence order, then every
		// event without a seal, wherever its id lies.
		if err := walkSealed(g, v); err != nil {
			return err
		}
		return walkUnsealed(g, v)
	}, opts)
}

// walkSealed feeds the links in sequence order until the first break.
func walkSealed(g *gorm.DB, v *audit.Verifier) error {
	rows, err := g.Raw(`SELECT s.seq, s.event_id, s.prev_hash, s.hash, s.mac, ` + eventColumns + `
			FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id ORDER BY s.seq`).Rows()
	if err != nil {
		return translate(err, "audit chain")
	}
	defer rows.Close()
	for rows.Next() {
		var s sealRow
		var ev nullableEvent
		if err := rows.Scan(append([]any{&s.Seq, &s.EventID, &s.PrevHash, &s.Hash, &s.MAC}, ev.targets()...)...); err != nil {
			return translate(err, "audit chain")
		}
		link := audit.Link{Seq: s.Seq, EventID: s.EventID, PrevHash: s.PrevHash, Hash: s.Hash, MAC: s.MAC}
		if e, ok := ev.event(); ok {
			link.Event = &e
		}
		if !v.Next(link) {
			break
		}
	}
	return translate(rows.Err(), "audit chain")
}

// walkUnsealed checks the events without a seal: inside the sealed range
// they were slipped in behind the application's back; after it they are
// waiting for the sealer and must still match their own hash.
func walkUnsealed(g *gorm.DB, v *audit.Verifier) error {
	var lastSealed sql.NullInt64
	if err := g.Raw("SELECT MAX(event_id) FROM audit_seals").Scan(&lastSealed).Error; err != nil {
		return translate(err, "audit chain")
	}
	rows, err := g.Raw(`SELECT ` + eventColumns + ` FROM audit_events e
		WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id) ORDER BY e.id`).Rows()
	if err != nil {
		return translate(err, "audit events")
	}
	defer rows.Close()
	// Any id counts, zero and negative ones too: an event slipped in below
	// the first seal is as much outside the chain as one between two.
	var firstGap int64
	gap := false
	for rows.Next() {
		var ev nullableEvent
		if err := rows.Scan(ev.targets()...); err != nil {
			return translate(err, "audit events")
		}
		e, _ := ev.event()
		switch {
		case lastSealed.Valid && e.ID < lastSealed.Int64:
			if !gap {
				firstGap, gap = e.ID, true
			}
		case e.ID <= 0:
			// Ids are drawn from 1 up: none of ours is below.
			if !gap {
				firstGap, gap = e.ID, true
			}
		default:
			v.Unsealed(e)
		}
	}
	if err := rows.Close(); err != nil || !gap {
		return translate(err, "audit events")
	}
	// The first gap in id order is followed by the lowest sequence broken.
	var next sql.NullInt64
	if err := g.Raw("SELECT MIN(seq) FROM audit_seals WHERE event_id > ?", firstGap).Scan(&next).Error; err != nil {
		return translate(err, "audit chain")
	}
	if !next.Valid {
		next.Int64 = v.Report().Checked + 1
	}
	v.Gap(firstGap, next.Int64)
	return nil
}

// SettledHorizon implements audit.SealStore. On PostgreSQL it takes the
// audit lock exclusively for an instant: once granted, no transaction that
// could still insert an event is running, so every id up to the maximum
// seen is final. SQLite's single connection gives the same for free.
func (db *DB) SettledHorizon(ctx context.Context) (int64, error) {
	var horizon int64
	err := db.InTx(ctx, func(ctx context.Context, tx *Tx) error {
		if db.dialect == config.Postgres {
			if err := tx.g.Exec("SELECT pg_advisory_xact_lock(" + auditLockKey + ")").Error; err != nil {
				return err
			}
		}
		return tx.g.Raw("SELECT COALESCE(MAX(id), 0) FROM audit_events").Scan(&horizon).Error
	})
	return horizon, translate(err, "audit horizon")
}

// SealBatch implements audit.SealStore.
func (db *DB) SealBatch(ctx context.Context, horizon int64, limit int, link func(audit.Seal, []audit.Pending) []audit.Seal) (int, error) {
	n := 0
	err := db.InTx(ctx, func(ctx context.Context, tx *Tx) error {
		if db.dialect == config.Postgres {
			if err := tx.g.Exec("SELECT pg_advisory_xact_lock(" + sealLockKey + ")").Error; err != nil {
				return err
			}
		}
		var head sealRow
		if err := tx.g.Order("seq DESC").Limit(1).Find(&head).Error; err != nil {
			return err
		}
		var pending []audit.Pending
		if err := tx.g.Model(&auditRow{}).Select("id AS event_id, content_hash").
			Where("id > ? AND id <= ?", head.EventID, horizon).Order("id").Limit(limit).
			Scan(&pending).Error; err != nil {
			return err
		}
		if len(pending) == 0 {
			return nil
		}
		now := db.now()
		seals := link(audit.Seal{Seq: head.Seq, EventID: head.EventID, PrevHash: head.PrevHash, Hash: head.Hash}, pending)
		rows := make([]sealRow, len(seals))
		for i, s := range seals {
			rows[i] = sealRow{Seq: s.Seq, EventID: s.EventID, PrevHash: s.PrevHash, Hash: s.Hash, MAC: s.MAC, SealedAt: now}
		}
		n = len(rows)
		return tx.g.CreateInBatches(rows, 500).Error
	})
	return n, translate(err, "audit seal")
}

// eventColumns are the columns nullableEvent scans, in order.
const eventColumns = `e.id, e.occurred_at, e.actor_id, e.actor_role, e.action, e.outcome, e.entity_type,
	e.entity_id, e.before_json, e.after_json, e.reason, e.request_id, e.source_ip, e.content_hash`

// nullableEvent scans an event from the outer side of a LEFT JOIN, where a
// deleted event reads as NULLs.
type nullableEvent struct {
	id         sql.NullInt64
	occurredAt sql.NullTime
	text       [12]sql.NullString
}

func (n *nullableEvent) targets() []any {
	t := []any{&n.id, &n.occurredAt}
	for i := range n.text {
		t = append(t, &n.text[i])
	}
	return t
}

func (n *nullableEvent) event() (audit.Event, bool) {
	s := func(i int) string { return n.text[i].String }
	return audit.Event{ID: n.id.Int64, OccurredAt: n.occurredAt.Time.UTC(), ActorID: s(0), ActorRole: s(1),
		Action: s(2), Outcome: audit.Outcome(s(3)), EntityType: s(4), EntityID: s(5), Before: s(6),
		After: s(7), Reason: s(8), RequestID: s(9), SourceIP: s(10), ContentHash: s(11)}, n.id.Valid
}
