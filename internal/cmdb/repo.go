package cmdb

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/identity"
)

// CIRepository stores configuration items.
type CIRepository interface {
	CreateCI(ctx context.Context, c *CI) error
	// FindCI finds by id, or else by name.
	FindCI(ctx context.Context, idOrName string) (CI, error)
	// UpdateCI writes c if its stored version is still version (Conflict
	// otherwise) and increments c.Version.
	UpdateCI(ctx context.Context, c *CI, version int64) error
	FindCIs(ctx context.Context, f CIFilter) ([]CI, error)
	// FindCIsByID returns the CIs among ids that exist, in no set order.
	FindCIsByID(ctx context.Context, ids []string) ([]CI, error)
}

// VersionRepository stores the versioned history of CIs.
type VersionRepository interface {
	AppendCIVersion(ctx context.Context, v CIVersion) error
	// FindCIVersions returns versions after afterVersion, oldest first.
	FindCIVersions(ctx context.Context, ciID string, afterVersion int64, limit int) ([]CIVersion, error)
	// FindCIVersionAt returns the last version recorded at or before at.
	FindCIVersionAt(ctx context.Context, ciID string, at time.Time) (CIVersion, error)
}

// ControlRepository stores what configuration control knows: the RFCs
// implementing a CI, the baselines taken at approval, unauthorised changes.
type ControlRepository interface {
	// ImplementingRFCsFor lists the RFCs in implementation that name the CI.
	ImplementingRFCsFor(ctx context.Context, ciID string) ([]string, error)
	FlagUnauthorizedChange(ctx context.Context, u *UnauthorizedChange) error
	// TakeBaseline records the current version of each CI as an RFC's
	// baseline.
	TakeBaseline(ctx context.Context, rfcID string, ciIDs []string, at time.Time) error
	// FindBaseline lists the baseline of an RFC, by CI id.
	FindBaseline(ctx context.Context, rfcID string) ([]BaselineEntry, error)
	FindUnauthorizedChanges(ctx context.Context, afterID int64, limit int) ([]UnauthorizedChange, error)
}

// InventoryRepository stores the CIs' reported inventories.
type InventoryRepository interface {
	// FindInventory returns a CI's last report with its packages sorted by
	// kind, name and architecture; NotFound when none was reported.
	FindInventory(ctx context.Context, ciID string) (Inventory, error)
	// SaveInventory records inv and applies d to the stored packages;
	// version is the stored inventory's version, 0 when there is none.
	SaveInventory(ctx context.Context, inv *Inventory, d PackageDiff, version int64) error
}

// RelationshipRepository stores the relationships between CIs and walks
// the graph they make.
type RelationshipRepository interface {
	CreateRelationship(ctx context.Context, r *Relationship) error
	FindRelationship(ctx context.Context, id string) (Relationship, error)
	DeleteRelationship(ctx context.Context, id string) error
	FindRelationships(ctx context.Context, ciID string, f RelationshipFilter) ([]Relationship, error)
	// WalkImpact follows the dependency graph from roots in one direction
	// (upstream or downstream) up to depth steps, in the database.
	WalkImpact(ctx context.Context, roots []string, dir Direction, depth int) ([]ImpactHit, error)
}

// GroupRepository stores groups of CIs.
type GroupRepository interface {
	CreateGroup(ctx context.Context, g *Group) error
	UpdateGroup(ctx context.Context, g *Group, version int64) error
	DeleteGroup(ctx context.Context, id string, version int64) error
	// FindGroup finds by id, or else by name.
	FindGroup(ctx context.Context, idOrName string) (Group, error)
	FindGroups(ctx context.Context, afterName string, limit int) ([]Group, error)
}

// Directory answers what the CMDB needs to know of users (owners).
type Directory interface {
	// FindUserWithRole returns the id of the user named by id or username
	// and whether that user is enabled and holds role; ok is false, with
	// no error, when there is no such user.
	FindUserWithRole(ctx context.Context, idOrUsername string, role identity.Role) (id string, ok bool, err error)
}
