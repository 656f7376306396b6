package cmdb

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
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

// Tx is what the CMDB use cases need inside one transaction.
type Tx interface {
	audit.Appender
	job.Enqueuer
	CreateCI(ctx context.Context, c *CI) error
	// FindCI finds by id, or else by name.
	FindCI(ctx context.Context, idOrName string) (CI, error)
	// UpdateCI writes c if its stored version is still version (Conflict
	// otherwise) and increments c.Version.
	UpdateCI(ctx context.Context, c *CI, version int64) error
	FindCIs(ctx context.Context, f CIFilter) ([]CI, error)
	// FindCIsByID returns the CIs among ids that exist, in no set order.
	FindCIsByID(ctx context.Context, ids []string) ([]CI, error)
	AppendCIVersion(ctx context.Context, v CIVersion) error
	// ImplementingRFCsFor lists the RFCs in implementation that name the CI.
	ImplementingRFCsFor(ctx context.Context, ciID string) ([]string, error)
	FlagUnauthorizedChange(ctx context.Context, u *UnauthorizedChange) error
	// FindBaseline lists the baseline of an RFC, by CI id.
	FindBaseline(ctx context.Context, rfcID string) ([]BaselineEntry, error)
	FindUnauthorizedChanges(ctx context.Context, afterID int64, limit int) ([]UnauthorizedChange, error)
	// FindCIVersions returns versions after afterVersion, oldest first.
	FindCIVersions(ctx context.Context, ciID string, afterVersion int64, limit int) ([]CIVersion, error)
	// FindCIVersionAt returns the last version recorded at or before at.
	FindCIVersionAt(ctx context.Context, ciID string, at time.Time) (CIVersion, error)
	// UserHasRole reports whether user id exists, is enabled and holds role.
	UserHasRole(ctx context.Context, id string, role identity.Role) (bool, error)

	// FindInventory returns a CI's last report with its packages sorted by
	// kind, name and architecture; NotFound when none was reported.
	FindInventory(ctx context.Context, ciID string) (Inventory, error)
	// SaveInventory records inv and applies d to the stored packages;
	// version is the stored inventory's version, 0 when there is none.
	SaveInventory(ctx context.Context, inv *Inventory, d PackageDiff, version int64) error

	CreateRelationship(ctx context.Context, r *Relationship) error
	FindRelationship(ctx context.Context, id string) (Relationship, error)
	DeleteRelationship(ctx context.Context, id string) error
	FindRelationships(ctx context.Context, ciID string, f RelationshipFilter) ([]Relationship, error)
	// WalkImpact follows the dependency graph from roots in one direction
	// (upstream or downstream) up to depth steps, in the database.
	WalkImpact(ctx context.Context, roots []string, dir Direction, depth int) ([]ImpactHit, error)

	CreateGroup(ctx context.Context, g *Group) error
	UpdateGroup(ctx context.Context, g *Group, version int64) error
	DeleteGroup(ctx context.Context, id string, version int64) error
	// FindGroup finds by id, or else by name.
	FindGroup(ctx context.Context, idOrName string) (Group, error)
	FindGroups(ctx context.Context, afterName string, limit int) ([]Group, error)
}

// Store runs fn in one transaction.
type Store interface {
	InTx(ctx context.Context, fn func(context.Context, Tx) error) error
}

// Service holds the configuration management use cases.
type Service struct {
	store Store
	audit *audit.Service
	now   func() time.Time
}

// NewService returns the CMDB service.
func NewService(store Store, auditSvc *audit.Service, now func() time.Time) *Service {
	return &Service{store: store, audit: auditSvc, now: now}
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
	return s.audit.Require(ctx, actor, action, entityType, id, readers...)
}

func (s *Service) requireWriter(ctx context.Context, actor identity.Actor, action, entityType, id string) error {
	return s.audit.Require(ctx, actor, action, entityType, id, writers...)
}

// refuse records a Forbidden refusal in the audit trail (its own
// transaction, since the use case's was rolled back) and returns err.
func (s *Service) refuse(ctx context.Context, actor identity.Actor, action, entityType, entityID string, err error) error {
	if errs.Is(err, errs.Forbidden) {
		if derr := s.audit.Deny(ctx, actor, action, entityType, entityID, err); !errs.Is(derr, errs.Forbidden) {
			return derr
		}
	}
	return err
}

func (s *Service) record(ctx context.Context, tx Tx, r audit.Record) error {
	return tx.AppendAudit(ctx, audit.New(ctx, s.now(), r))
}

// stamp is the service's time for a record: UTC, to the microsecond that
// PostgreSQL keeps, so that what is returned equals what is read back.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
