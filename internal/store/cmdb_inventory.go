package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/cmdb"
)

// The transaction implements cmdb.InventoryRepository (checked by the compiler).
var _ cmdb.InventoryRepository = (*Tx)(nil)

type inventoryRow struct {
	CIID         string `gorm:"column:ci_id;primaryKey"`
	ReportedAt   time.Time
	ReceivedAt   time.Time
	PackageCount int
	Version      int64
}

func (inventoryRow) TableName() string { return "ci_inventories" }

type packageRow struct {
	CIID         string `gorm:"column:ci_id"`
	Kind         string
	Name         string
	Architecture string
	Version      string
}

func (packageRow) TableName() string { return "ci_packages" }

// FindInventory implements cmdb.InventoryRepository: the packages in primary-key order.
func (tx *Tx) FindInventory(ctx context.Context, ciID string) (cmdb.Inventory, error) {
	var inv inventoryRow
	if err := tx.g.Where("ci_id = ?", ciID).Take(&inv).Error; err != nil {
		return cmdb.Inventory{}, translate(err, "inventory of CI "+ciID)
	}
	var rows []packageRow
	if err := tx.g.Where("ci_id = ?", ciID).Order("kind, name, architecture").Find(&rows).Error; err != nil {
		return cmdb.Inventory{}, translate(err, "packages of CI "+ciID)
	}
	out := cmdb.Inventory{CIID: ciID, ReportedAt: inv.ReportedAt.UTC(), ReceivedAt: inv.ReceivedAt.UTC(),
		Version: inv.Version, Packages: make([]cmdb.Package, len(rows))}
	for i, r := range rows {
		out.Packages[i] = cmdb.Package{Kind: r.Kind, Name: r.Name, Architecture: r.Architecture, Version: r.Version}
	}
	return out, nil
}

// SaveInventory implements cmdb.InventoryRepository: the inventory row with its version
// check, then only the packages that changed — a changed version is the
// old row deleted and the new one inserted — in batches.
func (tx *Tx) SaveInventory(ctx context.Context, inv *cmdb.Inventory, d cmdb.PackageDiff, version int64) error {
	row := inventoryRow{CIID: inv.CIID, ReportedAt: inv.ReportedAt.UTC(), ReceivedAt: inv.ReceivedAt.UTC(),
		PackageCount: len(inv.Packages), Version: version + 1}
	if version == 0 {
		if err := tx.g.Create(&row).Error; err != nil {
			return translate(err, "inventory of CI "+inv.CIID)
		}
	} else {
		res := tx.g.Model(&inventoryRow{}).Where("ci_id = ? AND version = ?", inv.CIID, version).
			Select("reported_at", "received_at", "package_count", "version").Updates(&row)
		if err := translate(res.Error, "inventory of CI "+inv.CIID); err != nil {
			return err
		}
		if res.RowsAffected == 0 {
			return versionConflict("the inventory of CI " + inv.CIID)
		}
	}
	inv.Version = row.Version
	gone := slices.Clone(d.Removed)
	added := slices.Clone(d.Added)
	for _, c := range d.Changed {
		gone = append(gone, cmdb.Package{Kind: c.Kind, Name: c.Name, Architecture: c.Architecture, Version: c.From})
		added = append(added, cmdb.Package{Kind: c.Kind, Name: c.Name, Architecture: c.Architecture, Version: c.To})
	}
	if err := tx.deletePackages(inv.CIID, gone); err != nil {
		return err
	}
	return tx.insertPackages(inv.CIID, added)
}

func (tx *Tx) deletePackages(ciID string, ps []cmdb.Package) error {
	for chunk := range slices.Chunk(ps, 300) {
		args := make([]any, 0, 1+3*len(chunk))
		args = append(args, ciID)
		tuples := make([]string, len(chunk))
		for i, p := range chunk {
			tuples[i] = "(?, ?, ?)"
			args = append(args, p.Kind, p.Name, p.Architecture)
		}
		q := "DELETE FROM ci_packages WHERE ci_id = ? AND (kind, name, architecture) IN (" + strings.Join(tuples, ", ") + ")"
		if err := tx.g.Exec(q, args...).Error; err != nil {
			return translate(err, "packages of CI "+ciID)
		}
	}
	return nil
}

func (tx *Tx) insertPackages(ciID string, ps []cmdb.Package) error {
	if len(ps) == 0 {
		return nil
	}
	rows := make([]packageRow, len(ps))
	for i, p := range ps {
		rows[i] = packageRow{CIID: ciID, Kind: p.Kind, Name: p.Name, Architecture: p.Architecture, Version: p.Version}
	}
	return translate(tx.g.CreateInBatches(rows, 500).Error, "packages of CI "+ciID)
}
