// Package catalog is the patch catalog: updates imported from CSAF 2.0
// security advisories or entered by hand, their approval, and per-CI
// compliance (installed, required, not applicable, unknown).
//
// One advisory is one update (see FromAdvisory). Compliance verdicts are
// stored per (CI, applicable update) and kept current incrementally: an
// inventory report recomputes that CI only (RecomputeCI), an import or
// entry recomputes the updates it touches only; nothing scans the fleet.
// Freshness is judged when a verdict is read, against Options.InventoryMaxAge.
package catalog

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/guard"
	"github.com/changeboard/changeboard/internal/identity"
)

// Tx is what the catalog use cases need inside one transaction.
type Tx interface {
	audit.Appender
	UpdateRepository
	ComplianceRepository
}

// Store runs fn in one transaction.
type Store interface {
	InTx(ctx context.Context, fn func(context.Context, Tx) error) error
}

// RFCCreator files draft RFCs: change.Service implements it, whose use case
// (and audit event) draft-from-updates reuses rather than reimplements,
// inside its own transaction (through the ctx it passes).
type RFCCreator interface {
	CreateRFC(ctx context.Context, actor identity.Actor, in change.RFC) (change.RFC, error)
}

// Options tune the catalog.
type Options struct {
	// InventoryMaxAge is how old an inventory may be before the verdicts
	// computed from it count as unknown.
	InventoryMaxAge time.Duration
}

// DefaultInventoryMaxAge is InventoryMaxAge when none is configured.
const DefaultInventoryMaxAge = 7 * 24 * time.Hour

// Service holds the patch catalog use cases.
type Service struct {
	store   Store
	audit   *audit.Service
	guard   guard.Guard
	changes RFCCreator
	now     func() time.Time
	opt     Options
}

// NewService returns the catalog service.
func NewService(store Store, auditSvc *audit.Service, changes RFCCreator, now func() time.Time, opt Options) *Service {
	if opt.InventoryMaxAge <= 0 {
		opt.InventoryMaxAge = DefaultInventoryMaxAge
	}
	return &Service{store: store, audit: auditSvc, guard: guard.New(auditSvc), changes: changes, now: now, opt: opt}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// InventoryMaxAge is the configured freshness limit of inventories.
func (s *Service) InventoryMaxAge() time.Duration { return s.opt.InventoryMaxAge }

// Actions lists what actor may do with u now.
func (s *Service) Actions(u Update, actor identity.Actor) []Event { return Actions(u, actor) }

func (s *Service) record(ctx context.Context, tx Tx, r audit.Record) error {
	return tx.AppendAudit(ctx, audit.New(ctx, s.now(), r))
}

func (s *Service) requireReader(ctx context.Context, actor identity.Actor, action, entityType, id string) error {
	return s.guard.Require(ctx, actor, action, entityType, id, readers...)
}

// requireEditor lets the command line (identity.System) and the editors in.
func (s *Service) requireEditor(ctx context.Context, actor identity.Actor, action string) error {
	if actor.UserID == identity.System.UserID {
		return nil
	}
	return s.guard.Require(ctx, actor, action, "update", "", editors...)
}
