package store

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/errs"
)

// The transaction implements catalog.ComplianceRepository (checked by the compiler).
var _ catalog.ComplianceRepository = (*Tx)(nil)

// chunkSize keeps IN lists under both databases' bound-parameter limits.
const chunkSize = 500

// LockHosts implements catalog.Tx: it makes sure each CI has its
// compliance_cis row and, on PostgreSQL, locks the rows in id order
// (SQLite's single writer serialises anyway).
func (tx *Tx) LockHosts(ctx context.Context, ciIDs []string) error {
	ids := slices.Compact(slices.Sorted(slices.Values(ciIDs)))
	now := tx.db.now()
	for chunk := range slices.Chunk(ids, chunkSize) {
		err := tx.g.Exec(`INSERT INTO compliance_cis (ci_id, installed, required, unknown, evaluated_at)
			SELECT id, 0, 0, 0, ? FROM cis WHERE id IN ? ORDER BY id ON CONFLICT (ci_id) DO NOTHING`, now, chunk).Error
		if err != nil {
			return translate(err, "compliance lock")
		}
		q := "SELECT ci_id FROM compliance_cis WHERE ci_id IN ? ORDER BY ci_id"
		if tx.db.dialect == config.Postgres {
			q += " FOR UPDATE"
		}
		var locked []string
		if err := tx.g.Raw(q, chunk).Scan(&locked).Error; err != nil {
			return translate(err, "compliance lock")
		}
		if len(locked) != len(chunk) {
			for _, id := range chunk {
				if !slices.Contains(locked, id) {
					return errs.E(errs.NotFound, "no CI %s", id)
				}
			}
		}
	}
	return nil
}

type hostRow struct {
	ID         string
	Name       string
	OS         string `gorm:"column:os"`
	OSVersion  string `gorm:"column:os_version"`
	State      string
	ReportedAt *time.Time
}

func (r hostRow) host() catalog.Host {
	return catalog.Host{ID: r.ID, Name: r.Name, OS: r.OS, OSVersion: r.OSVersion, Retired: r.State == "retired",
		InventoryAt: utcPtr(r.ReportedAt)}
}

const hostColumns = "c.id, c.name, c.os, c.os_version, c.state, i.reported_at"

type installedRow struct {
	CIID         string `gorm:"column:ci_id"`
	Kind         string
	Name         string
	Architecture string
	Version      string
}

func (r installedRow) pkg() catalog.InstalledPackage {
	return catalog.InstalledPackage{Kind: r.Kind, Name: r.Name, Architecture: r.Architecture, Version: r.Version}
}

// FindHost implements catalog.Tx; the CI is named by id or by name.
func (tx *Tx) FindHost(ctx context.Context, ciID string, withPackages bool) (catalog.Host, error) {
	var rows []hostRow
	err := tx.g.Raw("SELECT "+hostColumns+" FROM cis c LEFT JOIN ci_inventories i ON i.ci_id = c.id WHERE c.id = ? OR c.name = ? ORDER BY c.id = ? DESC LIMIT 1",
		ciID, ciID, ciID).Scan(&rows).Error
	if err != nil {
		return catalog.Host{}, translate(err, "CI "+ciID)
	}
	if len(rows) == 0 {
		return catalog.Host{}, errs.E(errs.NotFound, "no CI %s", ciID)
	}
	h := rows[0].host()
	if !withPackages || h.InventoryAt == nil {
		return h, nil
	}
	var pkgs []installedRow
	if err := tx.g.Raw("SELECT ci_id, kind, name, architecture, version FROM ci_packages WHERE ci_id = ?", h.ID).Scan(&pkgs).Error; err != nil {
		return h, translate(err, "inventory of CI "+ciID)
	}
	for _, p := range pkgs {
		h.Packages = append(h.Packages, p.pkg())
		h.HasKB = h.HasKB || p.Kind == "kb"
	}
	return h, nil
}

type targetRow struct {
	UpdateID     string
	VendorID     string
	State        string
	Kind         string
	Name         string
	Architecture string
	Platform     string
	Version      string
}

// FindTargetsFor implements catalog.Tx: the updates sharing a package
// with the CI, through the (kind, name) indexes of both sides.
func (tx *Tx) FindTargetsFor(ctx context.Context, h catalog.Host) ([]catalog.Target, error) {
	ids := "SELECT up.update_id FROM update_packages up JOIN ci_packages cp ON cp.kind = up.kind AND cp.name = up.name WHERE cp.ci_id = ?"
	args := []any{h.ID}
	if h.HasKB {
		ids += " UNION SELECT update_id FROM update_packages WHERE kind = 'kb'"
	}
	var rows []targetRow
	err := tx.g.Raw(`SELECT p.update_id, u.vendor_id, u.state, p.kind, p.name, p.architecture, p.platform, p.version
		FROM update_packages p JOIN updates u ON u.id = p.update_id
		WHERE p.update_id IN (`+ids+`) ORDER BY p.update_id, p.kind, p.name, p.architecture, p.platform`, args...).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "updates of CI "+h.ID)
	}
	var out []catalog.Target
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].UpdateID != r.UpdateID {
			out = append(out, catalog.Target{UpdateID: r.UpdateID, VendorID: r.VendorID, State: catalog.State(r.State)})
		}
		t := &out[len(out)-1]
		t.Packages = append(t.Packages, catalog.FixedPackage{Kind: r.Kind, Name: r.Name, Architecture: r.Architecture,
			Platform: r.Platform, Version: r.Version})
	}
	return out, nil
}

// FindHostsFor implements catalog.Tx: the CIs that have one of the
// target's packages, read through ci_packages' (kind, name) index, with
// only those packages (and, for KBs, the KBs that count).
func (tx *Tx) FindHostsFor(ctx context.Context, t catalog.Target) ([]catalog.Host, error) {
	byKind := map[string][]string{}
	kbs := false
	for _, p := range t.Packages {
		if p.Kind == "kb" {
			kbs = true
			byKind["kb"] = append(byKind["kb"], kbForms(p.Name)...)
		} else {
			byKind[p.Kind] = append(byKind[p.Kind], p.Name)
		}
	}
	for _, s := range t.SupersedingKBs {
		byKind["kb"] = append(byKind["kb"], kbForms(s.KB)...)
	}
	var pkgs []installedRow
	for kind, names := range byKind {
		names = slices.Compact(slices.Sorted(slices.Values(names)))
		for chunk := range slices.Chunk(names, chunkSize) {
			var part []installedRow
			err := tx.g.Raw("SELECT ci_id, kind, name, architecture, version FROM ci_packages WHERE kind = ? AND name IN ?", kind, chunk).
				Scan(&part).Error
			if err != nil {
				return nil, translate(err, "installed packages")
			}
			pkgs = append(pkgs, part...)
		}
	}
	var windows []string
	if kbs {
		if err := tx.g.Raw("SELECT DISTINCT ci_id FROM ci_packages WHERE kind = 'kb'").Scan(&windows).Error; err != nil {
			return nil, translate(err, "CIs reporting KBs")
		}
	}
	return tx.hostsWith(pkgs, windows)
}

// kbForms are the spellings an inventory may use for a KB.
func kbForms(kb string) []string {
	n := catalog.NormalizeKB(kb)
	return []string{n, n[2:], "kb" + n[2:]}
}

// hostsWith reads the CIs that own pkgs or report KBs (windows), and hands
// each its packages.
func (tx *Tx) hostsWith(pkgs []installedRow, windows []string) ([]catalog.Host, error) {
	byCI := map[string][]catalog.InstalledPackage{}
	for _, p := range pkgs {
		byCI[p.CIID] = append(byCI[p.CIID], p.pkg())
	}
	reportsKB := make(map[string]bool, len(windows))
	ids := slices.Clone(windows)
	for _, id := range windows {
		reportsKB[id] = true
	}
	for id := range byCI {
		ids = append(ids, id)
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := make([]catalog.Host, 0, len(ids))
	for chunk := range slices.Chunk(ids, chunkSize) {
		var rows []hostRow
		err := tx.g.Raw("SELECT "+hostColumns+" FROM cis c JOIN ci_inventories i ON i.ci_id = c.id WHERE c.id IN ? ORDER BY c.id", chunk).
			Scan(&rows).Error
		if err != nil {
			return nil, translate(err, "CIs")
		}
		for _, r := range rows {
			h := r.host()
			h.Packages, h.HasKB = byCI[r.ID], reportsKB[r.ID]
			out = append(out, h)
		}
	}
	return out, nil
}

type resultRow struct {
	CIID        string `gorm:"column:ci_id"`
	UpdateID    string
	Status      string
	Reason      string
	Evidence    string
	EvaluatedAt time.Time
}

func (resultRow) TableName() string { return "compliance_results" }

func toResultRow(r catalog.Result) resultRow {
	return resultRow{CIID: r.CIID, UpdateID: r.UpdateID, Status: string(r.Status), Reason: r.Reason,
		Evidence: mustJSON(nonNilList(r.Evidence)), EvaluatedAt: r.EvaluatedAt.UTC()}
}

func (r resultRow) result(state string) (catalog.Result, error) {
	out := catalog.Result{CIID: r.CIID, UpdateID: r.UpdateID, EvaluatedAt: r.EvaluatedAt.UTC(), UpdateState: catalog.State(state),
		Verdict: catalog.Verdict{Status: catalog.Status(r.Status), Reason: r.Reason}}
	return out, json.Unmarshal([]byte(r.Evidence), &out.Evidence)
}

// FindResults implements catalog.Tx.
func (tx *Tx) FindResults(ctx context.Context, ciID, updateID string) ([]catalog.Result, error) {
	q := tx.g.Table("compliance_results r").Select("r.*, u.state").Joins("JOIN updates u ON u.id = r.update_id")
	if ciID != "" {
		q = q.Where("r.ci_id = ?", ciID)
	}
	if updateID != "" {
		q = q.Where("r.update_id = ?", updateID)
	}
	var rows []struct {
		CIID        string `gorm:"column:ci_id"`
		UpdateID    string
		Status      string
		Reason      string
		Evidence    string
		EvaluatedAt time.Time
		State       string
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, translate(err, "verdicts")
	}
	out := make([]catalog.Result, 0, len(rows))
	for _, row := range rows {
		r, err := resultRow{CIID: row.CIID, UpdateID: row.UpdateID, Status: row.Status, Reason: row.Reason,
			Evidence: row.Evidence, EvaluatedAt: row.EvaluatedAt}.result(row.State)
		if err != nil {
			return nil, translate(err, "verdict")
		}
		out = append(out, r)
	}
	return out, nil
}

// SaveResults implements catalog.Tx with batched upserts and deletes.
func (tx *Tx) SaveResults(ctx context.Context, put, drop []catalog.Result) error {
	rows := make([]resultRow, len(put))
	for i, r := range put {
		rows[i] = toResultRow(r)
	}
	if len(rows) > 0 {
		err := tx.g.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "ci_id"}, {Name: "update_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"status", "reason", "evidence", "evaluated_at"})}).
			CreateInBatches(rows, 200).Error
		if err != nil {
			return translate(err, "verdicts")
		}
	}
	return tx.deleteResults(drop)
}

// deleteResults deletes verdicts grouped by whichever key has fewer values.
func (tx *Tx) deleteResults(drop []catalog.Result) error {
	byCI, byUpdate := map[string][]string{}, map[string][]string{}
	for _, r := range drop {
		byCI[r.CIID] = append(byCI[r.CIID], r.UpdateID)
		byUpdate[r.UpdateID] = append(byUpdate[r.UpdateID], r.CIID)
	}
	groups, col, other := byCI, "ci_id", "update_id"
	if len(byUpdate) < len(byCI) {
		groups, col, other = byUpdate, "update_id", "ci_id"
	}
	for k, vs := range groups {
		for chunk := range slices.Chunk(vs, chunkSize) {
			if err := tx.g.Exec("DELETE FROM compliance_results WHERE "+col+" = ? AND "+other+" IN ?", k, chunk).Error; err != nil {
				return translate(err, "verdicts")
			}
		}
	}
	return nil
}

// countAssignments add the incoming counts to the stored ones.
func countAssignments(table string) clause.Set {
	return clause.Assignments(map[string]any{
		"installed": gorm.Expr(table + ".installed + excluded.installed"),
		"required":  gorm.Expr(table + ".required + excluded.required"),
		"unknown":   gorm.Expr(table + ".unknown + excluded.unknown"),
	})
}

// AddUpdateCounts implements catalog.Tx: one upsert, rows in key order.
func (tx *Tx) AddUpdateCounts(ctx context.Context, deltas []catalog.Counts) error {
	if len(deltas) == 0 {
		return nil
	}
	rows := make([]map[string]any, len(deltas))
	for i, d := range deltas {
		rows[i] = map[string]any{"update_id": d.Key, "installed": d.Installed, "required": d.Required, "unknown": d.Unknown}
	}
	err := tx.g.Table("compliance_updates").Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "update_id"}},
		DoUpdates: countAssignments("compliance_updates")}).CreateInBatches(rows, 200).Error
	return translate(err, "update counts")
}

// RecountUpdate implements catalog.Tx.
func (tx *Tx) RecountUpdate(ctx context.Context, updateID string) error {
	err := tx.g.Exec(`INSERT INTO compliance_updates (update_id, installed, required, unknown)
		SELECT ?, COALESCE(SUM(CASE WHEN status = 'installed' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'required' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'unknown' THEN 1 ELSE 0 END), 0)
		FROM compliance_results WHERE update_id = ?
		ON CONFLICT (update_id) DO UPDATE SET installed = excluded.installed, required = excluded.required, unknown = excluded.unknown`,
		updateID, updateID).Error
	return translate(err, "update counts")
}

// SetHostTotals implements catalog.Tx.
func (tx *Tx) SetHostTotals(ctx context.Context, t catalog.Counts) error {
	err := tx.g.Exec("UPDATE compliance_cis SET installed = ?, required = ?, unknown = ?, evaluated_at = ? WHERE ci_id = ?",
		t.Installed, t.Required, t.Unknown, tx.db.now(), t.Key).Error
	return translate(err, "CI totals")
}

// AddHostTotals implements catalog.Tx: CIs with the same delta (usually
// all of them) share one statement.
func (tx *Tx) AddHostTotals(ctx context.Context, deltas []catalog.Counts) error {
	type delta struct{ i, r, u int }
	byDelta := map[delta][]string{}
	for _, d := range deltas {
		k := delta{d.Installed, d.Required, d.Unknown}
		byDelta[k] = append(byDelta[k], d.Key)
	}
	for d, ids := range byDelta {
		for chunk := range slices.Chunk(ids, chunkSize) {
			err := tx.g.Exec(`UPDATE compliance_cis SET installed = installed + ?, required = required + ?,
				unknown = unknown + ? WHERE ci_id IN ?`, d.i, d.r, d.u, chunk).Error
			if err != nil {
				return translate(err, "CI totals")
			}
		}
	}
	return nil
}

// ShiftHostTotals implements catalog.Tx.
func (tx *Tx) ShiftHostTotals(ctx context.Context, updateID string, sign int) error {
	var ids []string
	if err := tx.g.Raw("SELECT ci_id FROM compliance_results WHERE update_id = ?", updateID).Scan(&ids).Error; err != nil {
		return translate(err, "verdicts")
	}
	if err := tx.LockHosts(ctx, ids); err != nil {
		return err
	}
	for _, col := range []string{"installed", "required", "unknown"} {
		err := tx.g.Exec("UPDATE compliance_cis SET "+col+" = "+col+" + ? WHERE ci_id IN (SELECT ci_id FROM compliance_results WHERE update_id = ? AND status = ?)",
			sign, updateID, col).Error
		if err != nil {
			return translate(err, "CI totals")
		}
	}
	return nil
}
