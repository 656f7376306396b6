package release

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/guard"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/job"
	"github.com/changeboard/changeboard/internal/page"
)

// ReleaseFilter selects releases for a list; zero fields select everything.
type ReleaseFilter struct {
	State State
	RFCID string
	// BeforeNumber is the keyset cursor: releases with a smaller number.
	BeforeNumber int64
	Limit        int
}

// TargetFilter selects the targets of one deployment, ordered by CI id.
type TargetFilter struct {
	DeploymentID string
	Wave         int
	States       []TargetState
	AfterCIID    string
	Limit        int
}

// CIDeployment is one deployment to a CI: the target with its release.
type CIDeployment struct {
	Target      Target
	ReleaseID   string
	ReleaseName string
	Mode        Mode
	CreatedAt   time.Time
}

// ReleaseRepository stores release packages and their review gates.
type ReleaseRepository interface {
	NextReleaseNumber(ctx context.Context) (int64, error)
	CreateRelease(ctx context.Context, r *Release) error
	// FindRelease finds by id or by reference (REL-7).
	FindRelease(ctx context.Context, idOrRef string) (Release, error)
	// UpdateRelease writes r if its stored version is still version, and
	// increments r.Version.
	UpdateRelease(ctx context.Context, r *Release, version int64) error
	FindReleases(ctx context.Context, f ReleaseFilter) ([]Release, error)
	CreateGate(ctx context.Context, g *Gate) error
	FindGates(ctx context.Context, releaseID string) ([]Gate, error)
}

// DeploymentRepository stores deployments, their waves, targets and the
// agents' report ids.
type DeploymentRepository interface {
	CreateDeployment(ctx context.Context, d *Deployment, targets []Target) error
	FindDeployment(ctx context.Context, id string) (Deployment, error)
	// FindDeployments lists a release's deployments, newest first, or
	// (releaseID "") the active ones of every release.
	FindDeployments(ctx context.Context, releaseID string) ([]Deployment, error)
	UpdateDeployment(ctx context.Context, d *Deployment, version int64) error
	// UpdateWave writes w if the stored wave is still in state from; it
	// reports whether it did, so that a wave opens or closes exactly once
	// whichever replica gets there first.
	UpdateWave(ctx context.Context, deploymentID string, w Wave, from WaveState) (bool, error)
	FindTarget(ctx context.Context, deploymentID, ciID string) (Target, error)
	UpdateTarget(ctx context.Context, t *Target, version int64) error
	FindTargets(ctx context.Context, f TargetFilter) ([]Target, error)
	// CountTargets counts a deployment's targets per wave and state.
	CountTargets(ctx context.Context, deploymentID string) (map[int]Counts, error)
	// RecordReport stores an agent's report id: Conflict when it is known.
	RecordReport(ctx context.Context, reportID, deploymentID, ciID string, at time.Time) error
	// FindReport says which deployment and CI a report id was stored for.
	FindReport(ctx context.Context, reportID string) (deploymentID, ciID string, err error)
	// FindAgentTargets lists the targets, in open waves of active
	// deployments, of the CIs whose agent is agentID.
	FindAgentTargets(ctx context.Context, agentID string) ([]Target, error)
	// FindWavesBetween lists the waves of active deployments overlapping
	// [from, to), with their CIs.
	FindWavesBetween(ctx context.Context, from, to time.Time) ([]PlannedWave, error)
	// FindCIAgent returns a CI's id and the agent it names.
	FindCIAgent(ctx context.Context, idOrName string) (id, agentID string, err error)
	// FindCIDeployments lists what was deployed to a CI, newest first.
	FindCIDeployments(ctx context.Context, ciID string, before string, limit int) ([]CIDeployment, error)
}

// Tx is what the release use cases need inside one transaction.
type Tx interface {
	audit.Appender
	job.Enqueuer
	ReleaseRepository
	DeploymentRepository
}

// Store runs fn in one transaction.
type Store interface {
	InTx(ctx context.Context, fn func(context.Context, Tx) error) error
}

// Changes is what release management asks of change management:
// change.Service implements it. Called with a use case's ctx, its methods
// run inside that use case's transaction, so that an RFC moves with its
// release or not at all.
type Changes interface {
	// RFCsByID returns the RFCs among ids, in the order of ids, skipping
	// ids that name none.
	RFCsByID(ctx context.Context, ids []string) ([]change.RFC, error)
	// SystemTransition fires ev on an RFC as the system, for reason.
	SystemTransition(ctx context.Context, rfcID string, ev change.Event, in change.TransitionInput, reason string) (change.RFC, error)
}

// ConfigurationItems is what release management asks of the CMDB:
// cmdb.Service implements it.
type ConfigurationItems interface {
	FindCIs(ctx context.Context, actor identity.Actor, ids []string) ([]cmdb.CI, error)
	GroupCIs(ctx context.Context, actor identity.Actor, idOrName, afterName string, limit int) (page.Page[cmdb.CI], error)
	ListCIs(ctx context.Context, actor identity.Actor, f cmdb.CIFilter) (page.Page[cmdb.CI], error)
}

// Catalog is what release management asks of the patch catalog:
// catalog.Service implements it.
type Catalog interface {
	GetUpdate(ctx context.Context, actor identity.Actor, idOrVendorID string) (catalog.Update, error)
}

// WindowConflict is one reason a CI may not be worked on in a span: a
// blackout that covers it, or no maintenance window that holds the span.
type WindowConflict struct {
	CIID   string
	Reason string
}

// Windows answers "may work run on these CIs in this span": the forward
// schedule's maintenance and blackout windows. Wired in internal/app.
type Windows interface {
	SpanConflicts(ctx context.Context, ciIDs []string, from, to time.Time) ([]WindowConflict, error)
}

// Service holds the release management use cases.
type Service struct {
	store   Store
	audit   *audit.Service
	guard   guard.Guard
	changes Changes
	cis     ConfigurationItems
	catalog Catalog
	windows Windows
	now     func() time.Time
}

// Deps are the ports the service uses.
type Deps struct {
	Changes Changes
	CIs     ConfigurationItems
	Catalog Catalog
	Windows Windows
}

// NewService returns the release service.
func NewService(store Store, auditSvc *audit.Service, d Deps, now func() time.Time) *Service {
	return &Service{store: store, audit: auditSvc, guard: guard.New(auditSvc), changes: d.Changes, cis: d.CIs,
		catalog: d.Catalog, windows: d.Windows, now: now}
}

// MaxListSize caps one page of a list.
const MaxListSize = 200

// The role groups: release managers (and admins) write; everyone but
// agents reads; agents pull their work and report.
var (
	writers = []identity.Role{identity.ReleaseManager, identity.Admin}
	readers = []identity.Role{identity.Requester, identity.ChangeManager, identity.CABMember,
		identity.ReleaseManager, identity.Auditor, identity.Admin}
	agents = []identity.Role{identity.Agent, identity.Admin}
)

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
// PostgreSQL keeps.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
