package httpapi

import (
	"maps"
	"time"

	"github.com/changeboard/changeboard/internal/cmdb"
)

// ciDTO is the CI in the API's names and what the caller may do with it.
type ciDTO struct {
	cmdb.Snapshot
	Actions []cmdb.Event `json:"actions"`
}

func toCIDTO(c cmdb.CI, actions []cmdb.Event) ciDTO {
	attrs := maps.Clone(c.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	if actions == nil {
		actions = []cmdb.Event{}
	}
	d := ciDTO{Snapshot: cmdb.SnapshotOf(c), Actions: actions}
	d.Attributes = attrs
	return d
}

// ciReadOnly are the CI's fields a PATCH may not set.
var ciReadOnly = []string{"id", "state", "actions", "version", "created_at", "updated_at"}

type ciTransitionRequest struct {
	Event   string `json:"event"`
	Comment string `json:"comment"`
}

type fieldChangeDTO struct {
	From *string `json:"from"`
	To   *string `json:"to"`
}

type ciVersionDTO struct {
	Version    int64                     `json:"version"`
	Action     string                    `json:"action"`
	ActorID    string                    `json:"actor_id"`
	RecordedAt time.Time                 `json:"recorded_at"`
	Changes    map[string]fieldChangeDTO `json:"changes"`
}

func toCIVersionDTO(v cmdb.CIVersion) ciVersionDTO {
	d := ciVersionDTO{Version: v.Version, Action: v.Action, ActorID: v.ActorID, RecordedAt: v.RecordedAt,
		Changes: make(map[string]fieldChangeDTO, len(v.Changes))}
	for k, c := range v.Changes {
		d.Changes[k] = fieldChangeDTO(c)
	}
	return d
}

type packageDTO struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Version      string `json:"version"`
	Architecture string `json:"architecture"`
}

func toPackageDTOs(ps []cmdb.Package) []packageDTO {
	out := make([]packageDTO, len(ps))
	for i, p := range ps {
		out[i] = packageDTO{Kind: p.Kind, Name: p.Name, Version: p.Version, Architecture: p.Architecture}
	}
	return out
}

type inventoryRequest struct {
	ReportedAt string       `json:"reported_at"`
	Packages   []packageDTO `json:"packages"`
}

type packageChangeDTO struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Architecture string `json:"architecture"`
	From         string `json:"from"`
	To           string `json:"to"`
}

type packageDiffDTO struct {
	Added   []packageDTO       `json:"added"`
	Removed []packageDTO       `json:"removed"`
	Changed []packageChangeDTO `json:"changed"`
}

func toPackageDiffDTO(d cmdb.PackageDiff) packageDiffDTO {
	out := packageDiffDTO{Added: toPackageDTOs(d.Added), Removed: toPackageDTOs(d.Removed),
		Changed: make([]packageChangeDTO, len(d.Changed))}
	for i, c := range d.Changed {
		out.Changed[i] = packageChangeDTO(c)
	}
	return out
}

// inventoryDTO is an inventory's header, with its age.
type inventoryDTO struct {
	CIID         string    `json:"ci_id"`
	CIName       string    `json:"ci_name"`
	ReportedAt   time.Time `json:"reported_at"`
	ReceivedAt   time.Time `json:"received_at"`
	AgeSeconds   int64     `json:"age_seconds"`
	PackageCount int       `json:"package_count"`
	Version      int64     `json:"version"`
}

func toInventoryDTO(c cmdb.CI, inv cmdb.Inventory, count int, now time.Time) inventoryDTO {
	return inventoryDTO{CIID: c.ID, CIName: c.Name, ReportedAt: inv.ReportedAt, ReceivedAt: inv.ReceivedAt,
		AgeSeconds: int64(inv.Age(now) / time.Second), PackageCount: count, Version: inv.Version}
}

// inventoryReportDTO answers a report: what was stored and what changed.
type inventoryReportDTO struct {
	inventoryDTO
	First     bool           `json:"first"`
	Unchanged bool           `json:"unchanged"`
	Diff      packageDiffDTO `json:"diff"`
}

// inventoryReadDTO is the stored inventory with its packages.
type inventoryReadDTO struct {
	inventoryDTO
	Packages []packageDTO `json:"packages"`
}
