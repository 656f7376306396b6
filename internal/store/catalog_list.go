package store

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
)

// FindUpdates implements catalog.Tx: newest release first, keyset on
// (released_at, id), every filter backed by an index ending in the order.
func (tx *Tx) FindUpdates(ctx context.Context, f catalog.UpdateFilter) ([]catalog.Update, error) {
	q := tx.g.Model(&updateRow{})
	for col, v := range map[string]string{"state": string(f.State), "severity": string(f.Severity), "source": string(f.Source)} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	if f.CVE != "" {
		q = q.Where("id IN (SELECT update_id FROM update_cves WHERE cve = ?)", strings.ToUpper(strings.TrimSpace(f.CVE)))
	}
	if f.Product != "" {
		q = q.Where("id IN (SELECT update_id FROM update_products WHERE key = ?)", strings.ToLower(strings.TrimSpace(f.Product)))
	}
	if f.Query != "" {
		p := likePattern(f.Query)
		q = q.Where(`(lower(title) LIKE ? ESCAPE '\' OR lower(vendor_id) LIKE ? ESCAPE '\')`, p, p)
	}
	if a := f.After; a != nil {
		q = q.Where("(released_at < ? OR (released_at = ? AND id < ?))", a.ReleasedAt.UTC(), a.ReleasedAt.UTC(), a.ID)
	}
	var rows []updateRow
	if err := q.Order("released_at DESC, id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "updates")
	}
	return updatesOf(rows)
}

func likePattern(query string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(query)) + "%"
}

func updatesOf(rows []updateRow) ([]catalog.Update, error) {
	out := make([]catalog.Update, 0, len(rows))
	for _, row := range rows {
		u, err := row.update()
		if err != nil {
			return nil, translate(err, "update "+row.ID)
		}
		out = append(out, u)
	}
	return out, nil
}

// FindUpdatesSuperseding implements catalog.Tx.
func (tx *Tx) FindUpdatesSuperseding(ctx context.Context, vendorID string) ([]catalog.Update, error) {
	var rows []updateRow
	err := tx.g.Where("id IN (SELECT update_id FROM update_supersedes WHERE supersedes = ?)", vendorID).
		Order("released_at, id").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "superseding updates")
	}
	return updatesOf(rows)
}

// FindKBUpdates implements catalog.Tx.
func (tx *Tx) FindKBUpdates(ctx context.Context) ([]catalog.Update, error) {
	var rows []updateRow
	err := tx.g.Where("id IN (SELECT update_id FROM update_packages WHERE kind = 'kb')").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "KB updates")
	}
	return updatesOf(rows)
}

// unimplementedStates are catalog.UnimplementedRFCStates as strings.
func unimplementedStates() []string {
	var out []string
	for _, s := range catalog.UnimplementedRFCStates() {
		out = append(out, string(s))
	}
	return out
}

// FindUnimplementedRFCs implements catalog.Tx. RFCs keep their linked
// updates as a JSON list; the few approved-but-unimplemented ones are
// read through the (state, number) index and matched here.
func (tx *Tx) FindUnimplementedRFCs(ctx context.Context, u catalog.Update) ([]string, error) {
	var rows []struct {
		Number        int64
		LinkedUpdates string
	}
	err := tx.g.Table("rfcs").Select("number, linked_updates").Where("state IN ?", unimplementedStates()).
		Order("number").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "RFCs")
	}
	var out []string
	for _, r := range rows {
		if strings.Contains(r.LinkedUpdates, strconv.Quote(u.ID)) || strings.Contains(r.LinkedUpdates, strconv.Quote(u.VendorID)) {
			out = append(out, change.RFC{Number: r.Number}.Ref())
		}
	}
	return out, nil
}

// flagSupersededUpdates fills SupersededUpdates on the RFCs that are
// approved but not yet implementing: the linked updates (by id or vendor
// id) that are now superseded. It is computed on read, never stored, so
// the flag cannot go stale.
func (tx *Tx) flagSupersededUpdates(rfcs []change.RFC) error {
	var linked []string
	for _, r := range rfcs {
		if slices.Contains(catalog.UnimplementedRFCStates(), r.State) {
			linked = append(linked, r.LinkedUpdates...)
		}
	}
	if len(linked) == 0 {
		return nil
	}
	superseded := map[string]bool{}
	for chunk := range slices.Chunk(linked, 400) {
		var rows []struct{ ID, VendorID string }
		err := tx.g.Table("updates").Select("id, vendor_id").
			Where("state = ? AND (id IN ? OR vendor_id IN ?)", string(catalog.StateSuperseded), chunk, chunk).Find(&rows).Error
		if err != nil {
			return translate(err, "superseded updates")
		}
		for _, r := range rows {
			superseded[r.ID], superseded[r.VendorID] = true, true
		}
	}
	for i := range rfcs {
		if !slices.Contains(catalog.UnimplementedRFCStates(), rfcs[i].State) {
			continue
		}
		for _, l := range rfcs[i].LinkedUpdates {
			if superseded[l] {
				rfcs[i].SupersededUpdates = append(rfcs[i].SupersededUpdates, l)
			}
		}
	}
	return nil
}
