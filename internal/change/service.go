package change

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/cmdb"
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
}

// ConfigurationItems is what change management asks of the CMDB:
// cmdb.Service implements it. Called with a use case's ctx, its methods run
// inside that use case's transaction.
type ConfigurationItems interface {
	// AffectedCIFacts says which ids are not CIs, how critical the others
	// are and how many CIs depend on them within depth steps.
	AffectedCIFacts(ctx context.Context, ids []string, depth int) (cmdb.CIFacts, error)
	// TakeBaseline records the current version of each CI for an RFC.
	TakeBaseline(ctx context.Context, rfcID string, ciIDs []string, at time.Time) error
	// CompareBaseline compares an RFC's baseline with its CIs now.
	CompareBaseline(ctx context.Context, actor identity.Actor, rfcID string) ([]cmdb.BaselineItem, error)
}

// Compliance is what change management asks of the patch catalog before
// an RFC with linked updates completes or closes: catalog.Service
// implements it (wired by internal/app with UseCompliance, since the
// catalog is built on the change service). Called with the use case's ctx,
// it reads inside the use case's transaction.
type Compliance interface {
	// Outstanding lists, for the CIs and updates given, every pair whose
	// update is not verifiably installed: required, or unknown because the
	// CI's inventory is missing or stale. Pairs an update does not apply to
	// are not listed.
	Outstanding(ctx context.Context, ciIDs, updateIDs []string) ([]Outstanding, error)
}

// Outstanding is one CI that does not verifiably have one linked update.
type Outstanding struct {
	CIID, CIName       string
	UpdateID, VendorID string
	// Status is "required" or "unknown"; Reason says why.
	Status, Reason string
}

// Store runs fn in one transaction (InTx), or reads without one (Read:
// fn must not write; each statement sees the latest commit).
type Store interface {
	InTx(ctx context.Context, fn func(context.Context, Tx) error) error
	Read(ctx context.Context, fn func(context.Context, Tx) error) error
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
	cis     ConfigurationItems
	patches Compliance
	// conflicts is the calendar (schedule.Service), nil when not wired.
	conflicts ConflictChecker
	now       func() time.Time
	policy    Policy
}

// NewService returns the change service.
func NewService(store Store, auditSvc *audit.Service, history History, cis ConfigurationItems, now func() time.Time, policy Policy) *Service {
	return &Service{store: store, audit: auditSvc, guard: guard.New(auditSvc), history: history, cis: cis, now: now, policy: policy}
}

// UseCompliance makes complete and close check that an RFC's linked
// updates landed; without it they do not look.
func (s *Service) UseCompliance(c Compliance) { s.patches = c }

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
