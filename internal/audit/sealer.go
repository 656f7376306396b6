package audit

import (
	"context"
	"log/slog"
	"time"
)

// Pending is an event waiting for its seal.
type Pending struct {
	EventID     int64
	ContentHash string
}

// Seal is one link of the chain.
type Seal struct {
	Seq      int64
	EventID  int64
	PrevHash string
	Hash     string
	// MAC is Keys.SealMAC of the link, "" when sealed without a key.
	MAC string
}

// SealStore is the storage side of sealing.
type SealStore interface {
	// SettledHorizon returns an event id such that every event with a
	// smaller or equal id is committed or will never exist: no transaction
	// that could still add one is running.
	SettledHorizon(ctx context.Context) (int64, error)
	// SealBatch loads the last seal and up to limit unsealed events with
	// ids up to horizon, in id order, inside one transaction that only one
	// sealer at a time may hold; it stores what link returns.
	SealBatch(ctx context.Context, horizon int64, limit int, link func(head Seal, pending []Pending) []Seal) (int, error)
}

// Sealer chains committed events in the background. Writers only insert
// their events (no shared lock on a chain head); one sealer at a time, in
// any replica, appends the links in id order.
type Sealer struct {
	store    SealStore
	interval time.Duration
	log      *slog.Logger
	keys     *Keys
}

// NewSealer returns a sealer that runs every interval.
func NewSealer(store SealStore, interval time.Duration, log *slog.Logger) *Sealer {
	return &Sealer{store: store, interval: interval, log: log}
}

// WithKeys makes s put keys' MAC on every seal (none when keys is nil or
// holds no private key).
func (s *Sealer) WithKeys(keys *Keys) *Sealer {
	s.keys = keys
	return s
}

// sealBatchSize bounds one sealing transaction.
const sealBatchSize = 2000

// SealNow seals every event committed before the call; it returns how many.
func (s *Sealer) SealNow(ctx context.Context) (int, error) {
	horizon, err := s.store.SettledHorizon(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for {
		n, err := s.store.SealBatch(ctx, horizon, sealBatchSize, func(head Seal, pending []Pending) []Seal {
			return Chain(head, pending, s.keys)
		})
		total += n
		if err != nil || n < sealBatchSize {
			return total, err
		}
	}
}

// Run seals until ctx ends, then seals once more so that a graceful
// shutdown leaves nothing unsealed.
func (s *Sealer) Run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if _, err := s.SealNow(final); err != nil {
				s.log.Error("audit seal at shutdown", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if _, err := s.SealNow(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("audit seal", "err", err)
			}
		}
	}
}

// Chain links pending after head, with keys' MACs.
func Chain(head Seal, pending []Pending, keys *Keys) []Seal {
	out := make([]Seal, 0, len(pending))
	prev, seq := head.Hash, head.Seq
	if seq == 0 {
		prev = GenesisHash
	}
	for _, p := range pending {
		seq++
		h := ChainHash(prev, seq, p.EventID, p.ContentHash)
		out = append(out, Seal{Seq: seq, EventID: p.EventID, PrevHash: prev, Hash: h, MAC: keys.SealMAC(seq, h)})
		prev = h
	}
	return out
}
