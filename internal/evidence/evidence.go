// Package evidence builds an RFC's evidence pack for auditors: one ZIP,
// streamed, holding the RFC as it is and as it was at each step, its
// approval route, its configuration baseline, every audit event of it with
// the chain proof up to a signed checkpoint, and an index.html; a signed
// manifest covers every file, so that Verify checks a pack offline with
// the public key alone.
package evidence

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/guard"
	"github.com/changeboard/changeboard/internal/identity"
)

// Changes is what the pack reads of an RFC (change.Service implements it).
type Changes interface {
	GetRFC(ctx context.Context, actor identity.Actor, idOrRef string) (change.RFC, error)
	Votes(ctx context.Context, actor identity.Actor, idOrRef string) ([]change.Vote, error)
	RFCBaseline(ctx context.Context, actor identity.Actor, idOrRef string) (change.RFC, []cmdb.BaselineItem, error)
}

// Trail is what the pack needs of the audit trail (audit.Service).
type Trail interface {
	guard.Trail
	Record(ctx context.Context, r audit.Record) error
	EntityProof(ctx context.Context, entityType, entityID string, events func(audit.Event) error, links func(audit.ProofLink) error) (audit.Checkpoint, error)
	Keys() *audit.Keys
}

// Schedule is what the pack reads of the forward schedule: the conflicts
// of the RFC's planned window (schedule.Service implements it).
type Schedule interface {
	RFCConflicts(ctx context.Context, actor identity.Actor, idOrRef string, depth int) (change.RFC, []change.Conflict, error)
}

// conflictDepth is how far along the impact graph the pack looks for
// conflicts: the schedule's own default.
const conflictDepth = 2

// Sections not in this version of the pack, named in index.html and the
// manifest so that a reader knows what is missing rather than assuming
// there was nothing.
var notIncluded = []string{
	"CAB meeting minutes", "release contents and deployment results per CI", "compliance before and after",
}

// Service builds packs.
type Service struct {
	changes  Changes
	trail    Trail
	schedule Schedule
	now      func() time.Time
}

// NewService returns the evidence service; schedule may be nil (the pack
// then names the schedule among the sections it does not hold).
func NewService(changes Changes, trail Trail, schedule Schedule, now func() time.Time) *Service {
	return &Service{changes: changes, trail: trail, schedule: schedule, now: now}
}

// readers may take an evidence pack.
var readers = []identity.Role{identity.Auditor, identity.Admin, identity.ChangeManager}

// FileEntry is one file of a pack as the manifest lists it.
type FileEntry struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Manifest is manifest.json: what the pack holds; manifest.sig is the
// Ed25519 signature of its exact bytes.
type Manifest struct {
	Kind        string           `json:"kind"`
	RFCID       string           `json:"rfc_id"`
	RFCRef      string           `json:"rfc_ref"`
	GeneratedAt time.Time        `json:"generated_at"`
	GeneratedBy string           `json:"generated_by"`
	KeyID       string           `json:"key_id"`
	Checkpoint  audit.Checkpoint `json:"checkpoint"`
	Events      int              `json:"events"`
	Unsealed    int              `json:"unsealed"`
	Links       int              `json:"links"`
	NotIncluded []string         `json:"not_included"`
	Files       []FileEntry      `json:"files"`
}

// Step is the RFC as it was after one audited step.
type Step struct {
	Seq      int64          `json:"seq,omitempty"`
	EventID  int64          `json:"event_id"`
	At       time.Time      `json:"at"`
	ActorID  string         `json:"actor_id"`
	Action   string         `json:"action"`
	Outcome  string         `json:"outcome"`
	Reason   string         `json:"reason,omitempty"`
	Changed  map[string]any `json:"changed,omitempty"`
	Snapshot map[string]any `json:"snapshot"`
}

// Pack streams the evidence pack of the RFC to w. Refusals are audited;
// the pack itself is recorded as a read.
func (s *Service) Pack(ctx context.Context, actor identity.Actor, idOrRef string, w io.Writer) (Manifest, error) {
	if err := guard.New(s.trail).Require(ctx, actor, "rfc.evidence", "rfc", idOrRef, readers...); err != nil {
		return Manifest{}, err
	}
	keys := s.trail.Keys()
	if !keys.CanSign() {
		return Manifest{}, errs.E(errs.Unavailable, "no audit signing key is configured: packs cannot be signed")
	}
	r, err := s.changes.GetRFC(ctx, actor, idOrRef)
	if err != nil {
		return Manifest{}, err
	}
	votes, err := s.changes.Votes(ctx, actor, r.ID)
	if err != nil {
		return Manifest{}, err
	}
	_, baseline, err := s.changes.RFCBaseline(ctx, actor, r.ID)
	if err != nil {
		return Manifest{}, err
	}
	if err := s.trail.Record(ctx, audit.Record{Actor: actor, Role: actor.PrimaryRole(readers...), Action: "rfc.evidence",
		EntityType: "rfc", EntityID: r.ID}); err != nil {
		return Manifest{}, err
	}
	m := Manifest{Kind: "changeboard.evidence.v1", RFCID: r.ID, RFCRef: r.Ref(), GeneratedAt: s.now().UTC(),
		GeneratedBy: actor.UserID, KeyID: keys.KeyID(), NotIncluded: notIncluded}
	var conflicts []change.Conflict
	if s.schedule == nil {
		m.NotIncluded = append(m.NotIncluded, "schedule and conflicts (no schedule is wired)")
	} else if _, conflicts, err = s.schedule.RFCConflicts(ctx, actor, r.ID, conflictDepth); err != nil {
		return Manifest{}, err
	}
	p := &packWriter{zip: zip.NewWriter(w)}
	if err := p.json("rfc.json", r); err != nil {
		return m, err
	}
	if err := p.json("votes.json", votes); err != nil {
		return m, err
	}
	if err := p.json("baseline.json", baseline); err != nil {
		return m, err
	}
	if s.schedule != nil {
		if err := p.json("schedule.json", map[string]any{"window": r.Window, "approved_window": r.ApprovedWindow,
			"impact_depth": conflictDepth, "conflicts": conflicts}); err != nil {
			return m, err
		}
	}
	var steps []Step
	snapshot := map[string]any{}
	ev, err := p.create("events.ndjson")
	if err != nil {
		return m, err
	}
	var links *fileWriter
	m.Checkpoint, err = s.trail.EntityProof(ctx, "rfc", r.ID, func(e audit.Event) error {
		m.Events++
		if e.Seq == 0 {
			m.Unsealed++
		}
		steps = append(steps, step(e, snapshot))
		return json.NewEncoder(ev).Encode(audit.ExportRowOf(e))
	}, func(l audit.ProofLink) error {
		if links == nil {
			var err error
			if links, err = p.create("chain.ndjson"); err != nil {
				return err
			}
		}
		m.Links++
		return json.NewEncoder(links).Encode(l)
	})
	if err != nil {
		return m, err
	}
	if links == nil {
		if _, err := p.create("chain.ndjson"); err != nil {
			return m, err
		}
	}
	if err := p.json("steps.json", steps); err != nil {
		return m, err
	}
	if err := p.json("checkpoint.json", m.Checkpoint); err != nil {
		return m, err
	}
	if err := p.index(m, r, votes, baseline, steps); err != nil {
		return m, err
	}
	p.close()
	m.Files = p.files
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	if err := p.raw("manifest.json", body); err != nil {
		return m, err
	}
	if err := p.raw("manifest.sig", []byte(keys.Sign(body))); err != nil {
		return m, err
	}
	return m, p.zip.Close()
}

// step applies one event's changed fields to the running snapshot.
func step(e audit.Event, snapshot map[string]any) Step {
	var after map[string]any
	_ = json.Unmarshal([]byte(e.After), &after)
	if e.Outcome == audit.Success && e.Action != "rfc.vote" {
		for k, v := range after {
			snapshot[k] = v
		}
	}
	copyOf := make(map[string]any, len(snapshot))
	for k, v := range snapshot {
		copyOf[k] = v
	}
	return Step{Seq: e.Seq, EventID: e.ID, At: e.OccurredAt, ActorID: e.ActorID, Action: e.Action, Outcome: string(e.Outcome),
		Reason: e.Reason, Changed: after, Snapshot: copyOf}
}

// packWriter writes the pack's files and hashes each one.
type packWriter struct {
	zip   *zip.Writer
	cur   *fileWriter
	files []FileEntry
}

type fileWriter struct {
	w    io.Writer
	sum  hash.Hash
	size int64
	name string
}

func (f *fileWriter) Write(b []byte) (int, error) {
	n, err := f.w.Write(b)
	f.sum.Write(b[:n])
	f.size += int64(n)
	return n, err
}

func (p *packWriter) close() {
	if p.cur != nil {
		p.files = append(p.files, FileEntry{Name: p.cur.name, SHA256: hex.EncodeToString(p.cur.sum.Sum(nil)), Size: p.cur.size})
		p.cur = nil
	}
}

// create starts the next file; the previous one is done.
func (p *packWriter) create(name string) (*fileWriter, error) {
	p.close()
	w, err := p.zip.Create(name)
	if err != nil {
		return nil, err
	}
	p.cur = &fileWriter{w: w, sum: sha256.New(), name: name}
	return p.cur, nil
}

func (p *packWriter) json(name string, v any) error {
	f, err := p.create(name)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// raw writes a file the manifest does not list (the manifest itself).
func (p *packWriter) raw(name string, b []byte) error {
	p.close()
	w, err := p.zip.Create(name)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// errPack marks a pack that does not verify.
var errPack = fmt.Errorf("evidence pack")
