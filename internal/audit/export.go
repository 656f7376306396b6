package audit

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// Export formats.
const (
	FormatCSV    = "csv"
	FormatNDJSON = "ndjson"
)

// ExportFilter selects the sealed events of an export; zero fields select
// everything. AfterSeq resumes an interrupted export after the last
// sequence received.
type ExportFilter struct {
	From, To   *time.Time
	EntityType string
	EntityID   string
	Actor      string
	Action     string
	AfterSeq   int64
	Format     string
}

// filtered reports whether f selects less than the whole chain from
// AfterSeq on: then consecutive rows need not be consecutive links.
func (f ExportFilter) filtered() bool {
	return f.From != nil || f.To != nil || f.EntityType != "" || f.EntityID != "" || f.Actor != "" || f.Action != ""
}

// ExportStore streams the sealed events of f in sequence order, in one
// snapshot, after reporting the chain's head in that snapshot.
type ExportStore interface {
	StreamChain(ctx context.Context, f ExportFilter, head func(Seal) error, row func(Event) error) error
}

// ManifestBody is what an export's manifest says; its exact JSON bytes are
// what the signature covers.
type ManifestBody struct {
	Kind        string       `json:"kind"`
	Format      string       `json:"format"`
	Filter      ExportFilter `json:"filter"`
	Filtered    bool         `json:"filtered"`
	GeneratedAt time.Time    `json:"generated_at"`
	GeneratedBy string       `json:"generated_by"`
	Rows        int64        `json:"rows"`
	FirstSeq    int64        `json:"first_seq"`
	LastSeq     int64        `json:"last_seq"`
	// ChainHead is the head of the chain when the export was read.
	ChainHeadSeq  int64  `json:"chain_head_seq"`
	ChainHeadHash string `json:"chain_head_hash"`
	// Checkpoint is the latest signed checkpoint at that time.
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
	// SHA256 covers every byte of the file before the manifest.
	SHA256 string `json:"sha256"`
	KeyID  string `json:"key_id"`
}

// Manifest is the signed last record of an export.
type Manifest struct {
	Body      json.RawMessage `json:"body"`
	Signature string          `json:"signature"`
}

// manifestMark starts the manifest row of a CSV export.
const manifestMark = "#manifest"

// exportColumns are the CSV header, in row order.
var exportColumns = []string{"seq", "id", "occurred_at", "actor_id", "actor_role", "action", "outcome", "entity_type",
	"entity_id", "before", "after", "reason", "request_id", "source_ip", "content_hash", "prev_hash", "hash"}

// ExportRow is one NDJSON line: an event with its chain link.
type ExportRow struct {
	Seq         int64  `json:"seq"`
	ID          int64  `json:"id"`
	OccurredAt  string `json:"occurred_at"`
	ActorID     string `json:"actor_id"`
	ActorRole   string `json:"actor_role"`
	Action      string `json:"action"`
	Outcome     string `json:"outcome"`
	EntityType  string `json:"entity_type"`
	EntityID    string `json:"entity_id"`
	Before      string `json:"before"`
	After       string `json:"after"`
	Reason      string `json:"reason"`
	RequestID   string `json:"request_id"`
	SourceIP    string `json:"source_ip"`
	ContentHash string `json:"content_hash"`
	PrevHash    string `json:"prev_hash"`
	Hash        string `json:"hash"`
}

func toRow(e Event) ExportRow {
	return ExportRow{Seq: e.Seq, ID: e.ID, OccurredAt: e.OccurredAt.UTC().Format(time.RFC3339Nano), ActorID: e.ActorID,
		ActorRole: e.ActorRole, Action: e.Action, Outcome: string(e.Outcome), EntityType: e.EntityType, EntityID: e.EntityID,
		Before: e.Before, After: e.After, Reason: e.Reason, RequestID: e.RequestID, SourceIP: e.SourceIP,
		ContentHash: e.ContentHash, PrevHash: e.PrevHash, Hash: e.Hash}
}

func (r ExportRow) cells() []string {
	return []string{strconv.FormatInt(r.Seq, 10), strconv.FormatInt(r.ID, 10), r.OccurredAt, r.ActorID, r.ActorRole,
		r.Action, r.Outcome, r.EntityType, r.EntityID, r.Before, r.After, r.Reason, r.RequestID, r.SourceIP,
		r.ContentHash, r.PrevHash, r.Hash}
}

// event rebuilds the event a row was made from; ok is false when the time
// does not parse.
func (r ExportRow) event() (Event, bool) {
	at, err := time.Parse(time.RFC3339Nano, r.OccurredAt)
	return Event{ID: r.ID, Seq: r.Seq, OccurredAt: at, ActorID: r.ActorID, ActorRole: r.ActorRole, Action: r.Action,
		Outcome: Outcome(r.Outcome), EntityType: r.EntityType, EntityID: r.EntityID, Before: r.Before, After: r.After,
		Reason: r.Reason, RequestID: r.RequestID, SourceIP: r.SourceIP, ContentHash: r.ContentHash,
		PrevHash: r.PrevHash, Hash: r.Hash}, err == nil
}

// EscapeCell makes a CSV cell inert in spreadsheets: a cell starting with
// = + - @, a tab or a carriage return (OWASP's list) gets a leading single
// quote, and so does one already starting with a quote, so that
// UnescapeCell restores every cell exactly (the hashes need the original).
func EscapeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r'", rune(s[0])) {
		return "'" + s
	}
	return s
}

// UnescapeCell reverses EscapeCell.
func UnescapeCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r'", rune(s[1])) {
		return s[1:]
	}
	return s
}

// Export streams the sealed events f selects to w as CSV or NDJSON, each
// row with its content hash and chain link, and ends with a signed
// manifest; memory stays constant whatever the size. The export is
// recorded in the trail as a read by actor.
func (s *Service) Export(ctx context.Context, actor identity.Actor, f ExportFilter, w io.Writer) (ManifestBody, error) {
	if err := s.guard().Require(ctx, actor, "audit.export", "audit", "", readers...); err != nil {
		return ManifestBody{}, err
	}
	if f.Format != FormatCSV && f.Format != FormatNDJSON {
		return ManifestBody{}, errs.Field("format", "must be csv or ndjson")
	}
	if f.AfterSeq < 0 {
		return ManifestBody{}, errs.Field("after_seq", "must not be negative")
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return ManifestBody{}, errs.Field("to", "must be after from")
	}
	if !s.opt.Keys.CanSign() {
		return ManifestBody{}, errs.E(errs.Unavailable, "no audit signing key is configured: exports cannot be signed")
	}
	es, ok := s.store.(ExportStore)
	if !ok {
		return ManifestBody{}, errs.E(errs.Unavailable, "this store cannot stream exports")
	}
	if err := s.Record(ctx, Record{Actor: actor, Role: actor.PrimaryRole(readers...), Action: "audit.export",
		EntityType: "audit", After: f}); err != nil {
		return ManifestBody{}, err
	}
	cps, err := s.store.FindCheckpoints(ctx, 0, 1)
	if err != nil {
		return ManifestBody{}, err
	}
	m := ManifestBody{Kind: "changeboard.audit.export.v1", Format: f.Format, Filter: f, Filtered: f.filtered(),
		GeneratedAt: s.now().UTC(), GeneratedBy: actor.UserID, KeyID: s.opt.Keys.KeyID()}
	if len(cps) > 0 {
		m.Checkpoint = &cps[0]
	}
	ew := newExportWriter(w, f.Format)
	err = es.StreamChain(ctx, f, func(head Seal) error {
		m.ChainHeadSeq, m.ChainHeadHash = head.Seq, head.Hash
		return ew.header()
	}, func(e Event) error {
		if m.Rows == 0 {
			m.FirstSeq = e.Seq
		}
		m.Rows++
		m.LastSeq = e.Seq
		return ew.row(toRow(e))
	})
	if err != nil {
		return m, err
	}
	return m, ew.manifest(s.opt.Keys, &m)
}

// exportWriter writes rows through a buffer and hashes every byte.
type exportWriter struct {
	format string
	sum    hash.Hash
	buf    *bufio.Writer
	csv    *csv.Writer
	enc    *json.Encoder
	out    io.Writer
	n      int
}

func newExportWriter(w io.Writer, format string) *exportWriter {
	ew := &exportWriter{format: format, sum: sha256.New(), out: w}
	ew.buf = bufio.NewWriterSize(io.MultiWriter(w, ew.sum), 64<<10)
	ew.csv = csv.NewWriter(ew.buf)
	ew.enc = json.NewEncoder(ew.buf)
	ew.enc.SetEscapeHTML(false)
	return ew
}

func (ew *exportWriter) header() error {
	if ew.format == FormatCSV {
		return ew.csv.Write(exportColumns)
	}
	return nil
}

func (ew *exportWriter) row(r ExportRow) error {
	var err error
	if ew.format == FormatCSV {
		cells := r.cells()
		for i := range cells {
			cells[i] = EscapeCell(cells[i])
		}
		err = ew.csv.Write(cells)
	} else {
		err = ew.enc.Encode(r)
	}
	if err != nil {
		return err
	}
	// Flush now and then, so that a client sees progress and the server
	// holds no more than one buffer.
	if ew.n++; ew.n%1000 == 0 {
		return ew.flush()
	}
	return nil
}

func (ew *exportWriter) flush() error {
	ew.csv.Flush()
	if err := ew.csv.Error(); err != nil {
		return err
	}
	if err := ew.buf.Flush(); err != nil {
		return err
	}
	if f, ok := ew.out.(interface{ Flush() }); ok {
		f.Flush()
	}
	return nil
}

// manifest writes the signed manifest after the rows (outside the hash).
func (ew *exportWriter) manifest(k *Keys, m *ManifestBody) error {
	if err := ew.flush(); err != nil {
		return err
	}
	m.SHA256 = hex.EncodeToString(ew.sum.Sum(nil))
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	line, err := json.Marshal(Manifest{Body: body, Signature: k.Sign(body)})
	if err != nil {
		return err
	}
	if ew.format == FormatCSV {
		c := csv.NewWriter(ew.out)
		if err := c.Write([]string{manifestMark, string(line)}); err != nil {
			return err
		}
		c.Flush()
		return c.Error()
	}
	_, err = ew.out.Write(append(line, '\n'))
	return err
}

// ExportReport is the outcome of an offline check of an export.
type ExportReport struct {
	OK       bool          `json:"ok"`
	Rows     int64         `json:"rows"`
	Reason   string        `json:"reason,omitempty"`
	BadRow   int64         `json:"bad_seq,omitempty"`
	Manifest *ManifestBody `json:"manifest,omitempty"`
}

// errExport marks a broken export.
var errExport = errors.New("export")

// ExportRowOf is the export (and evidence pack) shape of an event.
func ExportRowOf(e Event) ExportRow { return toRow(e) }

// Event rebuilds the event a row was made from; ok is false when its time
// does not parse.
func (r ExportRow) Event() (Event, bool) { return r.event() }
