package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/errs"
)

// The transaction implements change.RFCRepository (checked by the compiler).
var _ change.RFCRepository = (*Tx)(nil)

type rfcRow struct {
	ID                 string
	Number             int64
	Title              string
	Description        string
	Reason             string
	Category           string
	Priority           string
	State              string
	RequesterID        string
	ChangeManagerID    string
	AffectedCIs        string `gorm:"column:affected_cis"`
	LinkedUpdates      string
	ReleaseID          string
	WindowStart        *time.Time
	WindowEnd          *time.Time
	WindowTZ           string `gorm:"column:window_tz"`
	ImplementationPlan string
	BackoutPlan        string
	TestPlan           string
	TestEvidence       string
	RiskInputs         string
	Risk               string
	RiskScore          int
	TemplateID         string
	CloseCode          string
	ReviewNotes        string
	ApprovalRound      int
	ApprovalStage      int
	ApprovedStart      *time.Time
	ApprovedEnd        *time.Time
	ApprovedTZ         string `gorm:"column:approved_tz"`
	RetroReviewDue     *time.Time
	RetroReviewedAt    *time.Time
	RetroReviewedBy    string
	RetroReviewNotes   string
	ScheduleOverride   string
	Version            int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (rfcRow) TableName() string { return "rfcs" }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own plain structs go through here.
		panic(err)
	}
	return string(b)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func windowCols(w *change.Window) (start, end *time.Time, tz string) {
	if w == nil {
		return nil, nil, ""
	}
	s, e := w.Start.UTC(), w.End.UTC()
	return &s, &e, w.TimeZone
}

func windowOf(start, end *time.Time, tz string) *change.Window {
	if start == nil || end == nil {
		return nil
	}
	return &change.Window{Start: start.UTC(), End: end.UTC(), TimeZone: tz}
}

func toRFCRow(r change.RFC) rfcRow {
	row := rfcRow{ID: r.ID, Number: r.Number, Title: r.Title, Description: r.Description, Reason: r.Reason,
		Category: string(r.Category), Priority: string(r.Priority), State: string(r.State),
		RequesterID: r.RequesterID, ChangeManagerID: r.ChangeManagerID,
		AffectedCIs: mustJSON(nonNil(r.AffectedCIs)), LinkedUpdates: mustJSON(nonNil(r.LinkedUpdates)),
		ReleaseID: r.ReleaseID, ImplementationPlan: r.ImplementationPlan, BackoutPlan: r.BackoutPlan,
		TestPlan: r.TestPlan, TestEvidence: r.TestEvidence, RiskInputs: mustJSON(r.RiskInputs),
		Risk: mustJSON(r.Risk), RiskScore: r.Risk.Score, TemplateID: r.TemplateID, CloseCode: string(r.CloseCode),
		ReviewNotes: r.ReviewNotes, ApprovalRound: r.ApprovalRound, ApprovalStage: r.ApprovalStage,
		RetroReviewDue: utcPtr(r.RetroReviewDue), RetroReviewedAt: utcPtr(r.RetroReviewedAt),
		RetroReviewedBy: r.RetroReviewedBy, RetroReviewNotes: r.RetroReviewNotes,
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	row.WindowStart, row.WindowEnd, row.WindowTZ = windowCols(r.Window)
	row.ApprovedStart, row.ApprovedEnd, row.ApprovedTZ = windowCols(r.ApprovedWindow)
	if r.ScheduleOverride != nil {
		row.ScheduleOverride = mustJSON(r.ScheduleOverride)
	}
	return row
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (row rfcRow) rfc() (change.RFC, error) {
	r := change.RFC{ID: row.ID, Number: row.Number, Title: row.Title, Description: row.Description,
		Reason: row.Reason, Category: change.Category(row.Category), Priority: change.Priority(row.Priority),
		State: change.State(row.State), RequesterID: row.RequesterID, ChangeManagerID: row.ChangeManagerID,
		ReleaseID: row.ReleaseID, Window: windowOf(row.WindowStart, row.WindowEnd, row.WindowTZ),
		ImplementationPlan: row.ImplementationPlan, BackoutPlan: row.BackoutPlan, TestPlan: row.TestPlan,
		TestEvidence: row.TestEvidence, TemplateID: row.TemplateID, CloseCode: change.CloseCode(row.CloseCode),
		ReviewNotes: row.ReviewNotes, ApprovalRound: row.ApprovalRound, ApprovalStage: row.ApprovalStage,
		ApprovedWindow: windowOf(row.ApprovedStart, row.ApprovedEnd, row.ApprovedTZ),
		RetroReviewDue: utcPtr(row.RetroReviewDue), RetroReviewedAt: utcPtr(row.RetroReviewedAt),
		RetroReviewedBy: row.RetroReviewedBy, RetroReviewNotes: row.RetroReviewNotes,
		Version: row.Version, CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()}
	for col, dst := range map[string]any{row.AffectedCIs: &r.AffectedCIs, row.LinkedUpdates: &r.LinkedUpdates,
		row.RiskInputs: &r.RiskInputs, row.Risk: &r.Risk} {
		if err := json.Unmarshal([]byte(col), dst); err != nil {
			return r, err
		}
	}
	if row.ScheduleOverride != "" {
		r.ScheduleOverride = &change.Override{}
		if err := json.Unmarshal([]byte(row.ScheduleOverride), r.ScheduleOverride); err != nil {
			return r, err
		}
	}
	// Parse the stored state into the typed value: a row with a state the
	// code does not know is corrupt, not a new state.
	if _, err := change.ParseState(row.State); err != nil {
		return r, errs.Wrap(errs.Internal, err, "stored RFC has an unknown state")
	}
	return r, nil
}

// NextRFCNumber implements change.RFCRepository. PostgreSQL draws from a
// sequence, which holds no lock until the commit (a counter row did, and
// serialised every create); SQLite's single writer serialises creates
// anyway, so its counter row costs no concurrency.
func (tx *Tx) NextRFCNumber(ctx context.Context) (int64, error) {
	q := "UPDATE counters SET value = value + 1 WHERE name = 'rfc' RETURNING value"
	if tx.db.dialect == config.Postgres {
		q = "SELECT nextval('rfc_numbers')"
	}
	var n int64
	err := tx.g.Raw(q).Scan(&n).Error
	return n, translate(err, "RFC number")
}

// CreateRFC implements change.RFCRepository.
func (tx *Tx) CreateRFC(ctx context.Context, r *change.RFC) error {
	row := toRFCRow(*r)
	if err := tx.g.Create(&row).Error; err != nil {
		return translate(err, "RFC")
	}
	return tx.insertRFCCIs(r.ID, r.AffectedCIs)
}

func (tx *Tx) setRFCCIs(id string, cis []string) error {
	if err := tx.g.Exec("DELETE FROM rfc_cis WHERE rfc_id = ?", id).Error; err != nil {
		return translate(err, "RFC CIs")
	}
	return tx.insertRFCCIs(id, cis)
}

// rfcCIBatch bounds the rows of one INSERT, well under SQLite's limit
// of bound parameters.
const rfcCIBatch = 500

// insertRFCCIs writes the affected-CI index rows, one statement per
// rfcCIBatch rows (one for any usual RFC).
func (tx *Tx) insertRFCCIs(id string, cis []string) error {
	for batch := range slices.Chunk(cis, rfcCIBatch) {
		values := strings.TrimSuffix(strings.Repeat("(?, ?), ", len(batch)), ", ")
		args := make([]any, 0, 2*len(batch))
		for _, ci := range batch {
			args = append(args, id, ci)
		}
		if err := tx.g.Exec("INSERT INTO rfc_cis (rfc_id, ci_id) VALUES "+values, args...).Error; err != nil {
			return translate(err, "RFC CIs")
		}
	}
	return nil
}

// FindRFC implements change.RFCRepository.
func (tx *Tx) FindRFC(ctx context.Context, idOrRef string) (change.RFC, error) {
	q := tx.g.Model(&rfcRow{})
	if n, err := change.ParseRef(idOrRef); err == nil {
		q = q.Where("number = ?", n)
	} else {
		q = q.Where("id = ?", idOrRef)
	}
	var row rfcRow
	if err := q.Take(&row).Error; err != nil {
		return change.RFC{}, translate(err, "RFC "+idOrRef)
	}
	r, err := row.rfc()
	if err != nil {
		return r, translate(err, "RFC "+idOrRef)
	}
	flagged := []change.RFC{r}
	err = tx.flagSupersededUpdates(flagged)
	return flagged[0], err
}

// LockRFC implements change.RFCRepository with an UPDATE, the one row lock that
// behaves alike on both databases (SQLite's single writer makes it moot).
func (tx *Tx) LockRFC(ctx context.Context, id string) error {
	res := tx.g.Exec("UPDATE rfcs SET lock_seq = lock_seq + 1 WHERE id = ?", id)
	if res.Error != nil {
		return translate(res.Error, "RFC lock")
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.NotFound, "no RFC %s", id)
	}
	return nil
}

// UpdateRFC implements change.RFCRepository.
func (tx *Tx) UpdateRFC(ctx context.Context, r *change.RFC, version int64) error {
	row := toRFCRow(*r)
	row.Version = version + 1
	res := tx.g.Model(&rfcRow{}).Where("id = ? AND version = ?", r.ID, version).
		Select("*").Omit("id", "number", "created_at", "requester_id").Updates(&row)
	if err := translate(res.Error, r.Ref()); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict(r.Ref())
	}
	r.Version = row.Version
	return nil
}

// SetRFCCIs implements change.RFCRepository: the affected-CI index rows, rewritten
// only when the list changes.
func (tx *Tx) SetRFCCIs(ctx context.Context, id string, cis []string) error {
	return tx.setRFCCIs(id, cis)
}

// FindRFCs implements change.RFCRepository: newest first, keyset on the number,
// every filter backed by an index ending in the number.
func (tx *Tx) FindRFCs(ctx context.Context, f change.RFCFilter) ([]change.RFC, error) {
	q := tx.g.Model(&rfcRow{})
	for col, v := range map[string]string{"state": string(f.State), "category": string(f.Category),
		"priority": string(f.Priority), "requester_id": f.RequesterID} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	if f.CI != "" {
		q = q.Where("id IN (SELECT rfc_id FROM rfc_cis WHERE ci_id = ?)", f.CI)
	}
	if f.From != nil {
		q = q.Where("window_end > ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("window_start < ?", f.To.UTC())
	}
	if f.Query != "" {
		q = likeTitleOrRef(q, f.Query)
	}
	if f.RetroOverdueAt != nil {
		q = q.Where("retro_reviewed_at IS NULL AND retro_review_due < ?", f.RetroOverdueAt.UTC())
	}
	if f.BeforeNumber > 0 {
		q = q.Where("number < ?", f.BeforeNumber)
	}
	var rows []rfcRow
	if err := q.Order("number DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "RFCs")
	}
	out := make([]change.RFC, 0, len(rows))
	for _, row := range rows {
		r, err := row.rfc()
		if err != nil {
			return nil, translate(err, "RFC "+row.ID)
		}
		out = append(out, r)
	}
	return out, tx.flagSupersededUpdates(out)
}

func likeTitleOrRef(q *gorm.DB, query string) *gorm.DB {
	if n, err := change.ParseRef(query); err == nil {
		return q.Where("number = ?", n)
	}
	escaped := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(query))
	return q.Where(`lower(title) LIKE ? ESCAPE '\'`, "%"+escaped+"%")
}

// ChangeRecord implements change.RFCRepository.
func (tx *Tx) ChangeRecord(ctx context.Context, c change.Category) (closed, failed int, err error) {
	var out struct{ Closed, Failed int }
	err = tx.g.Raw(`SELECT COUNT(*) AS closed,
		COALESCE(SUM(CASE WHEN close_code = ? THEN 1 ELSE 0 END), 0) AS failed
		FROM rfcs WHERE state = ? AND category = ?`,
		string(change.CloseUnsuccessful), string(change.StateClosed), string(c)).Scan(&out).Error
	return out.Closed, out.Failed, translate(err, "change record")
}
