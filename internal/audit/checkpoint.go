package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

// CheckpointStore keeps the signed checkpoints beside the trail (an
// append-only table); the published copies are what an attacker with the
// database alone cannot reach.
type CheckpointStore interface {
	// ChainHead returns the last seal (Seq 0 when nothing is sealed).
	ChainHead(ctx context.Context) (Seal, error)
	AppendCheckpoint(ctx context.Context, c *Checkpoint) error
	// FindCheckpoints returns checkpoints with an id below beforeID (all
	// when 0), newest first, at most limit (all when 0).
	FindCheckpoints(ctx context.Context, beforeID int64, limit int) ([]Checkpoint, error)
}

// Publisher sends a checkpoint out of the database: to a file, a webhook.
type Publisher interface {
	Publish(ctx context.Context, c Checkpoint) error
}

// PublishedSource reads back the checkpoints a publisher wrote, for the
// verifier (the checkpoint file).
type PublishedSource interface {
	Published(ctx context.Context) ([]Checkpoint, error)
}

// Options configure the audit service's key material and checkpoints.
type Options struct {
	// Keys signs checkpoints; nil disables them (and the MAC checks).
	Keys *Keys
	// Publishers receive every checkpoint after it is stored.
	Publishers []Publisher
	// Published are read back by Verify beside the stored checkpoints.
	Published []PublishedSource
	// Deployments feeds the deployment report; nil until the release
	// capability is wired (the report then answers "not available").
	Deployments Deployments
}

// WriteCheckpoint signs the current head of the sealed chain, stores it and
// publishes it; the periodic job, the shutdown and the on-demand endpoint
// call it. An empty chain gets no checkpoint.
func (s *Service) WriteCheckpoint(ctx context.Context) (Checkpoint, error) {
	if !s.opt.Keys.CanSign() {
		return Checkpoint{}, errs.E(errs.Unavailable, "no audit signing key is configured")
	}
	head, err := s.store.ChainHead(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	if head.Seq == 0 {
		return Checkpoint{}, nil
	}
	c := s.opt.Keys.SignCheckpoint(head.Seq, head.Hash, s.now())
	if err := s.store.AppendCheckpoint(ctx, &c); err != nil {
		return Checkpoint{}, err
	}
	var perr []error
	for _, p := range s.opt.Publishers {
		if err := p.Publish(ctx, c); err != nil {
			perr = append(perr, err)
		}
	}
	if len(perr) > 0 {
		return c, fmt.Errorf("checkpoint %d stored but not published: %w", c.Seq, errors.Join(perr...))
	}
	return c, nil
}

// Checkpoint writes a checkpoint on an admin's demand.
func (s *Service) Checkpoint(ctx context.Context, actor identity.Actor) (Checkpoint, error) {
	if err := s.guard().Require(ctx, actor, "audit.checkpoint", "audit", "", identity.Admin); err != nil {
		return Checkpoint{}, err
	}
	c, err := s.WriteCheckpoint(ctx)
	if err != nil {
		return c, err
	}
	if c.Seq == 0 {
		return c, errs.E(errs.Conflict, "nothing is sealed yet: there is no head to sign")
	}
	return c, s.Record(ctx, Record{Actor: actor, Role: identity.Admin, Action: "audit.checkpoint",
		EntityType: "audit_checkpoint", EntityID: fmt.Sprint(c.ID), After: c})
}

// MaxCheckpointPage caps one page of checkpoints.
const MaxCheckpointPage = 500

// Checkpoints lists the stored checkpoints, newest first, for auditors and
// admins; beforeID is the keyset cursor (0 for the first page).
func (s *Service) Checkpoints(ctx context.Context, actor identity.Actor, beforeID int64, limit int) (page.Page[Checkpoint], error) {
	if err := s.guard().Require(ctx, actor, "audit.checkpoints", "audit", "", readers...); err != nil {
		return page.Page[Checkpoint]{}, err
	}
	if limit <= 0 || limit > MaxCheckpointPage {
		return page.Page[Checkpoint]{}, errs.Field("limit", fmt.Sprintf("must be between 1 and %d", MaxCheckpointPage))
	}
	cs, err := s.store.FindCheckpoints(ctx, beforeID, page.Fetch(limit))
	if err != nil {
		return page.Page[Checkpoint]{}, err
	}
	return page.Cut(cs, limit, func(c Checkpoint) string { return EncodeCursor(c.ID) }), nil
}

// PublicKey returns the audit key's public half, for auditors and admins
// to keep apart from the server and verify packs and exports with.
func (s *Service) PublicKey(ctx context.Context, actor identity.Actor) (*Keys, error) {
	if err := s.guard().Require(ctx, actor, "audit.public_key", "audit", "", readers...); err != nil {
		return nil, err
	}
	if s.opt.Keys == nil {
		return nil, errs.E(errs.NotFound, "no audit key is configured")
	}
	return PublicKeys(s.opt.Keys.PublicKey()), nil
}

// Keys returns the audit key material (nil when none is configured).
func (s *Service) Keys() *Keys { return s.opt.Keys }

// knownCheckpoints gathers the stored and the published checkpoints.
func (s *Service) knownCheckpoints(ctx context.Context) ([]Checkpoint, error) {
	cs, err := s.store.FindCheckpoints(ctx, 0, 0)
	if err != nil {
		return nil, err
	}
	for _, p := range s.opt.Published {
		more, err := p.Published(ctx)
		if err != nil {
			return nil, err
		}
		cs = append(cs, more...)
	}
	return cs, nil
}
