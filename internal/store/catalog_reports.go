package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
)

// judgedStatus is a verdict's status as it stands at the cutoff: unknown
// when the CI's inventory is older (see catalog.Judged).
const judgedStatus = "(CASE WHEN i.reported_at IS NULL OR i.reported_at < ? THEN 'unknown' ELSE r.status END)"

type resultViewRow struct {
	CIID        string `gorm:"column:ci_id"`
	UpdateID    string
	Status      string
	Reason      string
	Evidence    string
	EvaluatedAt time.Time
	State       string
	CIName      string `gorm:"column:ci_name"`
	VendorID    string
	Title       string
	Severity    string
	ReportedAt  *time.Time
}

func (tx *Tx) resultViews(q *gorm.DB, rq catalog.ResultQuery) ([]catalog.ResultView, error) {
	cutoff := rq.Now.Add(-rq.MaxAge).UTC()
	q = q.Select("r.*, u.state, u.vendor_id, u.title, u.severity, c.name AS ci_name, i.reported_at").
		Joins("JOIN updates u ON u.id = r.update_id").Joins("JOIN cis c ON c.id = r.ci_id").
		Joins("LEFT JOIN ci_inventories i ON i.ci_id = r.ci_id")
	if rq.Status != "" {
		q = q.Where(judgedStatus+" = ?", cutoff, string(rq.Status))
	}
	var rows []resultViewRow
	if err := q.Limit(rq.Limit).Scan(&rows).Error; err != nil {
		return nil, translate(err, "verdicts")
	}
	out := make([]catalog.ResultView, 0, len(rows))
	for _, row := range rows {
		r, err := resultRow{CIID: row.CIID, UpdateID: row.UpdateID, Status: row.Status, Reason: row.Reason,
			Evidence: row.Evidence, EvaluatedAt: row.EvaluatedAt}.result(row.State)
		if err != nil {
			return nil, translate(err, "verdict")
		}
		out = append(out, catalog.ResultView{Result: r, CIName: row.CIName, VendorID: row.VendorID, Title: row.Title,
			Severity: catalog.Severity(row.Severity), InventoryAt: utcPtr(row.ReportedAt)})
	}
	return out, nil
}

// FindCIResults implements catalog.Tx: by vendor id.
func (tx *Tx) FindCIResults(ctx context.Context, ciID string, rq catalog.ResultQuery) ([]catalog.ResultView, error) {
	q := tx.g.Table("compliance_results r").Where("r.ci_id = ?", ciID)
	if rq.After != "" {
		q = q.Where("u.vendor_id > ?", rq.After)
	}
	return tx.resultViews(q.Order("u.vendor_id"), rq)
}

// FindUpdateResults implements catalog.Tx: by CI name, retired CIs left out.
func (tx *Tx) FindUpdateResults(ctx context.Context, updateID string, rq catalog.ResultQuery) ([]catalog.ResultView, error) {
	q := tx.g.Table("compliance_results r").Where("r.update_id = ? AND c.state <> 'retired'", updateID)
	if rq.After != "" {
		q = q.Where("c.name > ?", rq.After)
	}
	return tx.resultViews(q.Order("c.name"), rq)
}

// ComplianceSummary implements catalog.Tx.
func (tx *Tx) ComplianceSummary(ctx context.Context, cutoff time.Time) (catalog.SummaryData, error) {
	return tx.summary(ctx, cutoff, "")
}

// ComplianceSummaryOf implements catalog.Tx.
func (tx *Tx) ComplianceSummaryOf(ctx context.Context, cutoff time.Time, updateID string) (catalog.SummaryData, error) {
	return tx.summary(ctx, cutoff, updateID)
}

// summary reads the CI counts, the stored per-update counts less the
// verdicts of CIs that are retired or without a fresh inventory (usually
// few, read through the verdicts' primary key), and the groups' totals.
func (tx *Tx) summary(ctx context.Context, cutoff time.Time, updateID string) (catalog.SummaryData, error) {
	cutoff = cutoff.UTC()
	var d catalog.SummaryData
	var cis struct {
		CIs           int `gorm:"column:cis"`
		WithInventory int `gorm:"column:with_inventory"`
		Stale         int `gorm:"column:stale"`
	}
	err := tx.g.Raw(`SELECT COUNT(*) AS cis, COUNT(i.ci_id) AS with_inventory,
		COALESCE(SUM(CASE WHEN i.reported_at < ? THEN 1 ELSE 0 END), 0) AS stale
		FROM cis c LEFT JOIN ci_inventories i ON i.ci_id = c.id WHERE c.state <> 'retired'`, cutoff).Scan(&cis).Error
	if err != nil {
		return d, translate(err, "CI counts")
	}
	d.CIs, d.WithInventory, d.Stale = cis.CIs, cis.WithInventory, cis.Stale
	if d.Updates, err = tx.updateCounts(cutoff, updateID); err != nil || updateID != "" {
		return d, err
	}
	d.Groups, err = tx.groupCounts(ctx, cutoff)
	return d, err
}

func (tx *Tx) updateCounts(cutoff time.Time, updateID string) ([]catalog.UpdateCounts, error) {
	q := tx.g.Table("updates u").Select(`u.id AS update_id, u.vendor_id, u.title, u.severity, u.state,
		COALESCE(k.installed, 0) AS installed, COALESCE(k.required, 0) AS required, COALESCE(k.unknown, 0) AS unknown`).
		Joins("LEFT JOIN compliance_updates k ON k.update_id = u.id")
	excluded := tx.g.Table("compliance_results r").Select("r.update_id, r.status, COUNT(*) AS n").
		Where(`r.ci_id IN (SELECT c.id FROM cis c LEFT JOIN ci_inventories i ON i.ci_id = c.id
			WHERE c.state = 'retired' OR i.reported_at IS NULL OR i.reported_at < ?)`, cutoff).Group("r.update_id, r.status")
	if updateID != "" {
		q, excluded = q.Where("u.id = ?", updateID), excluded.Where("r.update_id = ?", updateID)
	} else {
		q = q.Where("u.state IN ?", []string{string(catalog.StateNew), string(catalog.StateApproved)})
	}
	var rows []struct {
		UpdateID, VendorID, Title, Severity, State string
		Installed, Required, Unknown               int
	}
	if err := q.Order("u.vendor_id").Scan(&rows).Error; err != nil {
		return nil, translate(err, "update counts")
	}
	var less []struct {
		UpdateID, Status string
		N                int
	}
	if err := excluded.Scan(&less).Error; err != nil {
		return nil, translate(err, "stale verdicts")
	}
	minus := map[string]map[string]int{}
	for _, l := range less {
		if minus[l.UpdateID] == nil {
			minus[l.UpdateID] = map[string]int{}
		}
		minus[l.UpdateID][l.Status] = l.N
	}
	out := make([]catalog.UpdateCounts, 0, len(rows))
	for _, r := range rows {
		m := minus[r.UpdateID]
		out = append(out, catalog.UpdateCounts{UpdateID: r.UpdateID, VendorID: r.VendorID, Title: r.Title,
			Severity: catalog.Severity(r.Severity), State: catalog.State(r.State), Counts: catalog.Counts{Key: r.UpdateID,
				Installed: r.Installed - m["installed"], Required: r.Required - m["required"], Unknown: r.Unknown - m["unknown"]}})
	}
	return out, nil
}

// groupCounts adds up the per-CI totals of each group's members.
func (tx *Tx) groupCounts(ctx context.Context, cutoff time.Time) ([]catalog.GroupCounts, error) {
	out := []catalog.GroupCounts{}
	after := ""
	for {
		groups, err := tx.FindGroups(ctx, after, 200)
		if err != nil || len(groups) == 0 {
			return out, err
		}
		for _, g := range groups {
			c, err := tx.groupTotals(g, cutoff)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		after = groups[len(groups)-1].Name
	}
}

func (tx *Tx) groupTotals(g cmdb.Group, cutoff time.Time) (catalog.GroupCounts, error) {
	var c struct {
		CIs                                            int `gorm:"column:cis"`
		Fresh, Compliant, Installed, Required, Unknown int
	}
	sum := func(v, as string) string {
		return "COALESCE(SUM(CASE WHEN i.reported_at >= ? THEN " + v + " ELSE 0 END), 0) AS " + as
	}
	cols := "COUNT(c.id) AS cis, " + strings.Join([]string{sum("1", "fresh"),
		sum("CASE WHEN COALESCE(t.required, 0) = 0 THEN 1 ELSE 0 END", "compliant"),
		sum("COALESCE(t.installed, 0)", "installed"), sum("COALESCE(t.required, 0)", "required"),
		sum("COALESCE(t.unknown, 0)", "unknown")}, ", ")
	err := tx.g.Table("cis c").Select(cols, cutoff, cutoff, cutoff, cutoff, cutoff).
		Joins("LEFT JOIN ci_inventories i ON i.ci_id = c.id").Joins("LEFT JOIN compliance_cis t ON t.ci_id = c.id").
		Where("c.state <> 'retired' AND c.id IN (?)", tx.groupMembers(g)).Scan(&c).Error
	if err != nil {
		return catalog.GroupCounts{}, translate(err, "group "+g.Name)
	}
	return catalog.GroupCounts{ID: g.ID, Name: g.Name, CIs: c.CIs, Fresh: c.Fresh, Compliant: c.Compliant,
		Counts: catalog.Counts{Key: g.ID, Installed: c.Installed, Required: c.Required, Unknown: c.Unknown}}, nil
}

// groupMembers is a sub-query of a group's CI ids: the listed members of
// a static group, the CIs matching a dynamic group's filter (the equality
// criteria of cmdb.CIFilter, as FindCIs applies them).
func (tx *Tx) groupMembers(g cmdb.Group) *gorm.DB {
	if g.Kind != cmdb.GroupDynamic {
		return tx.g.Table("ci_group_members").Select("ci_id").Where("group_id = ?", g.ID)
	}
	f := g.Filter.CIFilter()
	q := tx.g.Table("cis").Select("id")
	for col, v := range map[string]string{"type": string(f.Type), "environment": f.Environment,
		"criticality": string(f.Criticality), "state": string(f.State), "owner": f.Owner,
		"location": f.Location, "role": f.Role, "os": f.OS} {
		if v != "" {
			q = q.Where("cis."+col+" = ?", v)
		}
	}
	return tx.whereAttributes(q, f.Attributes)
}

// FindRequiringCIs implements catalog.Tx.
func (tx *Tx) FindRequiringCIs(ctx context.Context, updateIDs []string, groupID string, cutoff time.Time) ([]string, error) {
	q := tx.g.Table("compliance_results r").Distinct("r.ci_id").
		Joins("JOIN cis c ON c.id = r.ci_id").Joins("JOIN ci_inventories i ON i.ci_id = r.ci_id").
		Where("r.update_id IN ? AND r.status = 'required' AND c.state <> 'retired' AND i.reported_at >= ?", updateIDs, cutoff.UTC())
	if groupID != "" {
		g, err := tx.FindGroup(ctx, groupID)
		if errs.Is(err, errs.NotFound) {
			return nil, errs.Field("group_id", "names no group")
		}
		if err != nil {
			return nil, err
		}
		q = q.Where("r.ci_id IN (?)", tx.groupMembers(g))
	}
	var ids []string
	if err := q.Order("r.ci_id").Scan(&ids).Error; err != nil {
		return nil, translate(err, "CIs requiring the updates")
	}
	return ids, nil
}
