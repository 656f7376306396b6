package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/errs"
)

// The transaction implements catalog.UpdateRepository (checked by the compiler).
var _ catalog.UpdateRepository = (*Tx)(nil)

type updateRow struct {
	ID              string
	VendorID        string
	Title           string
	Summary         string
	Publisher       string
	Source          string
	Severity        string
	SeverityText    string
	MaxCVSS         float64 `gorm:"column:max_cvss"`
	Vulnerabilities string
	Products        string
	Remediations    string
	FixedPackages   string
	Supersedes      string
	SupersededBy    string
	RebootRequired  bool
	ReleasedAt      time.Time
	RevisedAt       time.Time
	URL             string `gorm:"column:url"`
	DocTrackingID   string `gorm:"column:doc_tracking_id"`
	DocVersion      string
	DocStatus       string
	DocCategory     string
	DocNamespace    string
	DocSHA256       string `gorm:"column:doc_sha256"`
	DocDigest       string
	DocRevisions    string
	State           string
	StateReason     string
	DecidedBy       string
	DecidedAt       *time.Time
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (updateRow) TableName() string { return "updates" }

func toUpdateRow(u catalog.Update) updateRow {
	row := updateRow{ID: u.ID, VendorID: u.VendorID, Title: u.Title, Summary: u.Summary, Publisher: u.Publisher,
		Source: string(u.Source), Severity: string(u.Severity), SeverityText: u.SeverityText, MaxCVSS: u.MaxCVSS(),
		Vulnerabilities: mustJSON(nonNilList(u.Vulnerabilities)), Products: mustJSON(nonNilList(u.Products)),
		Remediations: mustJSON(nonNilList(u.Remediations)), FixedPackages: mustJSON(nonNilList(u.Packages)),
		Supersedes: mustJSON(nonNil(u.Supersedes)), SupersededBy: mustJSON(nonNil(u.SupersededBy)),
		RebootRequired: u.RebootRequired, ReleasedAt: u.ReleasedAt.UTC(), RevisedAt: u.RevisedAt.UTC(), URL: u.URL,
		DocRevisions: "[]", State: string(u.State), StateReason: u.StateReason, DecidedBy: u.DecidedBy,
		DecidedAt: utcPtr(u.DecidedAt), Version: u.Version, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
	if d := u.Document; d != nil {
		row.DocTrackingID, row.DocVersion, row.DocStatus, row.DocCategory = d.TrackingID, d.Version, d.Status, d.Category
		row.DocNamespace, row.DocSHA256, row.DocDigest = d.PublisherNamespace, d.SHA256, d.DigestVerified
		row.DocRevisions = mustJSON(nonNilList(d.Revisions))
	}
	return row
}

func nonNilList[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (row updateRow) update() (catalog.Update, error) {
	u := catalog.Update{ID: row.ID, VendorID: row.VendorID, Title: row.Title, Summary: row.Summary,
		Publisher: row.Publisher, Source: catalog.Source(row.Source), Severity: catalog.Severity(row.Severity),
		SeverityText: row.SeverityText, RebootRequired: row.RebootRequired, ReleasedAt: row.ReleasedAt.UTC(),
		RevisedAt: row.RevisedAt.UTC(), URL: row.URL, State: catalog.State(row.State), StateReason: row.StateReason,
		DecidedBy: row.DecidedBy, DecidedAt: utcPtr(row.DecidedAt), Version: row.Version,
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()}
	for _, c := range []struct {
		col string
		dst any
	}{{row.Vulnerabilities, &u.Vulnerabilities}, {row.Products, &u.Products}, {row.Remediations, &u.Remediations},
		{row.FixedPackages, &u.Packages}, {row.Supersedes, &u.Supersedes}, {row.SupersededBy, &u.SupersededBy}} {
		if err := json.Unmarshal([]byte(c.col), c.dst); err != nil {
			return u, err
		}
	}
	if row.DocTrackingID != "" {
		u.Document = &catalog.Document{TrackingID: row.DocTrackingID, Version: row.DocVersion, Status: row.DocStatus,
			Category: row.DocCategory, PublisherNamespace: row.DocNamespace, SHA256: row.DocSHA256, DigestVerified: row.DocDigest}
		if err := json.Unmarshal([]byte(row.DocRevisions), &u.Document.Revisions); err != nil {
			return u, err
		}
	}
	if _, err := catalog.ParseState(row.State); err != nil {
		return u, errs.Wrap(errs.Internal, err, "stored update has an unknown state")
	}
	return u, nil
}

// CreateUpdate implements catalog.Tx: the row and its index rows.
func (tx *Tx) CreateUpdate(ctx context.Context, u *catalog.Update) error {
	row := toUpdateRow(*u)
	if err := tx.g.Create(&row).Error; err != nil {
		return translate(err, "update "+u.VendorID)
	}
	return tx.setUpdateIndexes(*u)
}

// UpdateUpdate implements catalog.Tx.
func (tx *Tx) UpdateUpdate(ctx context.Context, u *catalog.Update, version int64) error {
	row := toUpdateRow(*u)
	row.Version = version + 1
	res := tx.g.Model(&updateRow{}).Where("id = ? AND version = ?", u.ID, version).
		Select("*").Omit("id", "vendor_id", "source", "created_at").Updates(&row)
	if err := translate(res.Error, "update "+u.VendorID); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("update " + u.VendorID)
	}
	u.Version = row.Version
	return tx.setUpdateIndexes(*u)
}

// FindUpdate implements catalog.Tx.
func (tx *Tx) FindUpdate(ctx context.Context, idOrVendorID string) (catalog.Update, error) {
	var row updateRow
	if err := tx.g.Where("id = ? OR vendor_id = ?", idOrVendorID, idOrVendorID).Take(&row).Error; err != nil {
		return catalog.Update{}, translate(err, "update "+idOrVendorID)
	}
	u, err := row.update()
	return u, translate(err, "update "+idOrVendorID)
}

// setUpdateIndexes rewrites the rows the filters and compliance join on.
func (tx *Tx) setUpdateIndexes(u catalog.Update) error {
	for _, table := range []string{"update_cves", "update_products", "update_packages", "update_supersedes"} {
		if err := tx.g.Exec("DELETE FROM "+table+" WHERE update_id = ?", u.ID).Error; err != nil {
			return translate(err, table)
		}
	}
	var cves []map[string]any
	for _, c := range slices.Compact(slices.Sorted(slices.Values(u.CVEs()))) {
		cves = append(cves, map[string]any{"update_id": u.ID, "cve": c})
	}
	var products []map[string]any
	for _, k := range productIndexKeys(u) {
		products = append(products, map[string]any{"update_id": u.ID, "key": k})
	}
	var supersedes []map[string]any
	for _, s := range u.Supersedes {
		supersedes = append(supersedes, map[string]any{"update_id": u.ID, "supersedes": s})
	}
	for table, rows := range map[string][]map[string]any{"update_cves": cves, "update_products": products,
		"update_packages": packageIndexRows(u), "update_supersedes": supersedes} {
		if len(rows) == 0 {
			continue
		}
		if err := tx.g.Table(table).CreateInBatches(rows, 200).Error; err != nil {
			return translate(err, table)
		}
	}
	return nil
}

// maxIndexKey keeps index entries well inside PostgreSQL's B-tree limit; a
// longer name cannot be typed into a filter anyway.
const maxIndexKey = 500

// productIndexKeys are the lower-cased values product= matches.
func productIndexKeys(u catalog.Update) []string {
	var keys []string
	for _, p := range u.Products {
		keys = append(keys, p.ID, p.Name, p.CPE, p.PURL)
	}
	for _, p := range u.Packages {
		keys = append(keys, p.Name)
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" && len(k) <= maxIndexKey {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// packageIndexRows are the compared fixed packages, one per (kind, name,
// architecture, platform), the first the document gives.
func packageIndexRows(u catalog.Update) []map[string]any {
	seen := map[string]bool{}
	var out []map[string]any
	for _, p := range u.Packages {
		k := p.Kind + "\x00" + p.Name + "\x00" + p.Architecture + "\x00" + p.Platform
		if !p.Compared() || seen[k] || len(p.Name) > maxIndexKey {
			continue
		}
		seen[k] = true
		out = append(out, map[string]any{"update_id": u.ID, "kind": p.Kind, "name": p.Name,
			"architecture": p.Architecture, "platform": p.Platform, "version": p.Version})
	}
	return out
}
