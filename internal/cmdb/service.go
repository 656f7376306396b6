package cmdb

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/guard"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/job"
)

// CIFilter selects CIs for a list, a dynamic group or a lookup; zero
// fields select everything. Lists are ordered by name.
type CIFilter struct {
	Type        Type
	Environment string
	Criticality Criticality
	State       State
	Owner       string
	Location    string
	Role        string
	OS          string
	// Attributes must all be present with exactly these values.
	Attributes map[string]string
	// Query matches the name, case-insensitively.
	Query string
	// GroupID selects the members of a static group.
	GroupID string
	// AfterName is the keyset cursor: CIs whose name sorts after it.
	AfterName string
	Limit     int
}

// Tx is what the CMDB use cases need inside one transaction: the
// repositories of the CMDB aggregates (repo.go) and the audit trail.
type Tx interface {
	audit.Appender
	job.Enqueuer
	CIRepository
	VersionRepository
	ControlRepository
	InventoryRepository
	RelationshipRepository
	GroupRepository
	MembershipRepository
	Directory
}

// Store runs fn in one transaction.
type Store interface {
	InTx(ctx context.Context, fn func(context.Context, Tx) error) error
}

// Service holds the configuration management use cases.
type Service struct {
	store Store
	audit *audit.Service
	guard guard.Guard
	now   func() time.Time
}

// NewService returns the CMDB service.
func NewService(store Store, auditSvc *audit.Service, now func() time.Time) *Service {
	return &Service{store: store, audit: auditSvc, guard: guard.New(auditSvc), now: now}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// MaxListSize caps one page of a list.
const MaxListSize = 200

// The role groups. Configuration management is the change manager's (in
// MOF the configuration manager works under change management) and the
// admin's; agents only report inventory; everyone else reads.
var (
	writers = []identity.Role{identity.ChangeManager, identity.Admin}
	readers = []identity.Role{identity.Requester, identity.ChangeManager, identity.CABMember,
		identity.ReleaseManager, identity.Auditor, identity.Admin}
)

// Writers lists the roles that may change CIs, relationships and groups.
func Writers() []identity.Role { return append([]identity.Role(nil), writers...) }

func (s *Service) requireReader(ctx context.Context, actor identity.Actor, action, entityType, id string) error {
	return s.guard.Require(ctx, actor, action, entityType, id, readers...)
}

func (s *Service) requireWriter(ctx context.Context, actor identity.Actor, action, entityType, id string) error {
	return s.guard.Require(ctx, actor, action, entityType, id, writers...)
}

func (s *Service) record(ctx context.Context, tx Tx, r audit.Record) error {
	return tx.AppendAudit(ctx, audit.New(ctx, s.now(), r))
}

// stamp is the service's time for a record: UTC, to the microsecond that
// PostgreSQL keeps, so that what is returned equals what is read back.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
