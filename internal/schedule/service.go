package schedule

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/guard"
	"github.com/changeboard/changeboard/internal/identity"
)

// WindowFilter selects windows; zero fields select everything.
type WindowFilter struct {
	Kind Kind
	// From and To select windows that may have an occurrence in [From, To)
	// (by their first start and last end; expansion decides).
	From, To *time.Time
	// AfterName is the keyset cursor; Limit 0 means no limit.
	AfterName string
	Limit     int
}

// WindowRepository stores windows.
type WindowRepository interface {
	CreateWindow(ctx context.Context, w *Window) error
	// UpdateWindow writes w if its stored version is still version and
	// increments w.Version.
	UpdateWindow(ctx context.Context, w *Window, version int64) error
	DeleteWindow(ctx context.Context, id string, version int64) error
	// FindWindow finds by id, or else by name.
	FindWindow(ctx context.Context, idOrName string) (Window, error)
	FindWindows(ctx context.Context, f WindowFilter) ([]Window, error)
}

// PlannedRFC is what the calendar reads of an RFC with a planned window.
type PlannedRFC struct {
	ID       string
	Number   int64
	Title    string
	State    change.State
	Priority change.Priority
	Window   change.Window
	CIs      []string
	Version  int64
}

// Ref is the RFC's human reference.
func (r PlannedRFC) Ref() string { return change.RFC{Number: r.Number}.Ref() }

// PlannedFilter selects RFCs whose planned window overlaps [From, To).
type PlannedFilter struct {
	From, To time.Time
	States   []change.State
	// CIs, when set, keeps the RFCs naming at least one of them.
	CIs []string
	// ExcludeID leaves one RFC out (the one being checked).
	ExcludeID string
}

// PlannedRFCRepository reads the RFCs on the calendar.
type PlannedRFCRepository interface {
	// FindPlannedRFCs lists the RFCs by window start, each with all its
	// affected CIs.
	FindPlannedRFCs(ctx context.Context, f PlannedFilter) ([]PlannedRFC, error)
}

// Tx is what the schedule use cases need inside one transaction.
type Tx interface {
	audit.Appender
	WindowRepository
	PlannedRFCRepository
	FeedTokenRepository
}

// Store runs fn in one transaction.
type Store interface {
	InTx(ctx context.Context, fn func(context.Context, Tx) error) error
}

// ConfigurationItems is what the calendar asks of the CMDB: cmdb.Service
// implements it; called with a use case's ctx, inside its transaction.
type ConfigurationItems interface {
	// CIMemberships returns the CIs among ids with their environment and
	// groups.
	CIMemberships(ctx context.Context, ids []string) ([]cmdb.Membership, error)
	// Dependants lists the CIs that depend on ids within depth steps.
	Dependants(ctx context.Context, ids []string, depth int) ([]cmdb.ImpactHit, error)
	// GroupMemberIDs resolves a group (by id or name) to its id and its
	// CIs' ids.
	GroupMemberIDs(ctx context.Context, idOrName string) (string, []string, error)
}

// Changes is what the calendar asks of change management: change.Service
// implements it.
type Changes interface {
	GetRFC(ctx context.Context, actor identity.Actor, idOrRef string) (change.RFC, error)
}

// Wave is a deployment wave on the calendar, as release management plans it.
type Wave struct {
	ID        string
	ReleaseID string
	Name      string
	State     string
	Start     time.Time
	End       time.Time
	CIs       []string
	// Sequence rises whenever the wave moves.
	Sequence int64
}

// WaveSource is what the calendar asks of release management: the
// deployment waves planned in [from, to), for the forward schedule and the
// overlap check. internal/release implements it; nil until it is wired.
type WaveSource interface {
	WavesBetween(ctx context.Context, from, to time.Time) ([]Wave, error)
}

// Service holds the calendar's use cases.
type Service struct {
	store   Store
	guard   guard.Guard
	cis     ConfigurationItems
	changes Changes
	waves   WaveSource
	now     func() time.Time
}

// NewService returns the schedule service.
func NewService(store Store, auditSvc *audit.Service, cis ConfigurationItems, changes Changes, now func() time.Time) *Service {
	return &Service{store: store, guard: guard.New(auditSvc), cis: cis, changes: changes, now: now}
}

// UseWaveSource puts release management's deployment waves on the
// calendar.
func (s *Service) UseWaveSource(w WaveSource) { s.waves = w }

// The compile-time check that the calendar is the port change declares.
var _ change.ConflictChecker = (*Service)(nil)

// The role groups: windows are the change manager's and the admin's;
// everyone but agents reads the calendar.
var (
	writers = []identity.Role{identity.ChangeManager, identity.Admin}
	readers = []identity.Role{identity.Requester, identity.ChangeManager, identity.CABMember,
		identity.ReleaseManager, identity.Auditor, identity.Admin}
)

// MaxListSize caps one page of a list.
const MaxListSize = 200

func (s *Service) record(ctx context.Context, tx Tx, r audit.Record) error {
	return tx.AppendAudit(ctx, audit.New(ctx, s.now(), r))
}

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
