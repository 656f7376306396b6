package audit

import (
	"context"
	"errors"
)

// ProofLink is one link of a chain proof: enough to recompute the link's
// hash from the one before it.
type ProofLink struct {
	Seq         int64  `json:"seq"`
	EventID     int64  `json:"event_id"`
	ContentHash string `json:"content_hash"`
	PrevHash    string `json:"prev_hash"`
	Hash        string `json:"hash"`
}

var errProofDone = errors.New("proof done")

// EntityProof hands events every audit event of one entity (sealed or
// not, in id order) and then links the chain from the first of its sealed
// events up to a signed checkpoint, so that a reader holding the public
// key can prove those events are in the chain the checkpoint signs. A
// checkpoint of the current sealed head is written first when the latest
// one does not reach it. It returns that checkpoint (zero when nothing of
// the entity is sealed). Callers check the actor: this is the evidence
// pack's building block.
func (s *Service) EntityProof(ctx context.Context, entityType, entityID string, events func(Event) error, links func(ProofLink) error) (Checkpoint, error) {
	es, ok := s.store.(ExportStore)
	if !ok || !s.opt.Keys.CanSign() {
		return Checkpoint{}, errNoProof
	}
	first := int64(0)
	for after := int64(0); ; {
		page, err := s.store.FindAuditEvents(ctx, Filter{EntityType: entityType, EntityID: entityID, AfterID: after, Limit: MaxPageSize})
		if err != nil {
			return Checkpoint{}, err
		}
		for _, e := range page {
			if e.Seq > 0 && (first == 0 || e.Seq < first) {
				first = e.Seq
			}
			if err := events(e); err != nil {
				return Checkpoint{}, err
			}
			after = e.ID
		}
		if len(page) < MaxPageSize {
			break
		}
	}
	if first == 0 {
		return Checkpoint{}, nil
	}
	cp, err := s.latestCheckpoint(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	err = es.StreamChain(ctx, ExportFilter{AfterSeq: first - 1}, func(Seal) error { return nil }, func(e Event) error {
		if e.Seq > cp.Seq {
			return errProofDone
		}
		return links(ProofLink{Seq: e.Seq, EventID: e.ID, ContentHash: e.ContentHash, PrevHash: e.PrevHash, Hash: e.Hash})
	})
	if err != nil && !errors.Is(err, errProofDone) {
		return Checkpoint{}, err
	}
	return cp, nil
}

// latestCheckpoint returns a checkpoint that reaches the sealed head,
// writing one when the latest does not.
func (s *Service) latestCheckpoint(ctx context.Context) (Checkpoint, error) {
	head, err := s.store.ChainHead(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	cps, err := s.store.FindCheckpoints(ctx, 0, 1)
	if err != nil {
		return Checkpoint{}, err
	}
	if len(cps) > 0 && cps[0].Seq >= head.Seq {
		return cps[0], nil
	}
	return s.WriteCheckpoint(ctx)
}

var errNoProof = errors.New("audit: no signing key or streaming store: no chain proof can be made")
