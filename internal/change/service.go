package change

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/guard"
	"github.com/changeboard/changeboard/internal/identity"
)

// RFCFilter selects RFCs for a list; zero fields select everything.
type RFCFilter struct {
	State       State
	Category    Category
	Priority    Priority
	RequesterID string
	CI          string
	// From and To select RFCs whose planned window overlaps [From, To).
	From, To *time.Time
	// Query matches the title or the reference, case-insensitively.
	Query string
	// RetroOverdueAt selects emergencies whose retrospective review was
	// due before this time and is not recorded.
	RetroOverdueAt *time.Time
	// BeforeNumber is the keyset cursor: RFCs with a smaller number.
	BeforeNumber int64
	Limit        int
}

// Tx is what the change use cases need inside one transaction: the
// repositories of the change aggregates (repo.go) and the audit trail.
type Tx interface {
	audit.Appender
	RFCRepository
	BoardRepository
	VoteRepository
	TemplateRepository
	MeetingRepository
	ConfigurationRepository
}

// CIFacts is what the CMDB says of an RFC's affected CIs.
type CIFacts struct {
	// Missing are the ids that name no CI.
	Missing []string
	// Criticality counts the CIs by criticality.
	Criticality map[string]int
	// ImpactSize is the number of other CIs that depend on them.
	ImpactSize int
}

// Store runs fn in one transaction.
type Store interface {
	InTx(ctx context.Context, fn func(context.Context, Tx) error) error
}

// History reads the audit trail of one record.
type History interface {
	FindAuditEvents(ctx context.Context, f audit.Filter) ([]audit.Event, error)
}

// Service holds the change management use cases.
type Service struct {
	store   Store
	audit   *audit.Service
	guard   guard.Guard
	history History
	now     func() time.Time
	policy  Policy
}

// NewService returns the change service.
func NewService(store Store, auditSvc *audit.Service, history History, now func() time.Time, policy Policy) *Service {
	return &Service{store: store, audit: auditSvc, guard: guard.New(auditSvc), history: history, now: now, policy: policy}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Actions lists what actor may do with r now.
func (s *Service) Actions(r RFC, actor identity.Actor) []Event { return Actions(r, actor, s.now()) }

// readers may read RFCs, boards and meetings: everyone but agents, whose
// tokens only report inventory and deployment status.
var readers = []identity.Role{identity.Requester, identity.ChangeManager, identity.CABMember,
	identity.ReleaseManager, identity.Auditor, identity.Admin}

func (s *Service) requireReader(ctx context.Context, actor identity.Actor, action, entityType, id string) error {
	return s.guard.Require(ctx, actor, action, entityType, id, readers...)
}

func (s *Service) record(ctx context.Context, tx Tx, r audit.Record) error {
	return tx.AppendAudit(ctx, audit.New(ctx, s.now(), r))
}
