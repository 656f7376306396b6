package store

import (
	"encoding/json"
	"maps"
	"slices"

	"gorm.io/gorm"

	"github.com/changeboard/changeboard/internal/config"
)

// whereAttributes keeps the CIs of q (a query over cis) whose free
// attributes hold every pair of attrs. On PostgreSQL it is one containment
// test that the GIN index cis_attributes_gin answers (migration 00012);
// on SQLite one indexed lookup in ci_attributes per pair. The number of
// pairs is bounded by cmdb.MaxAttributeFilters before this is reached.
func (tx *Tx) whereAttributes(q *gorm.DB, attrs map[string]string) *gorm.DB {
	if len(attrs) == 0 {
		return q
	}
	if tx.db.dialect == config.Postgres {
		doc, _ := json.Marshal(attrs) // a map of strings always encodes
		return q.Where("cis.attributes::jsonb @> ?::jsonb", string(doc))
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		q = q.Where("EXISTS (SELECT 1 FROM ci_attributes a WHERE a.ci_id = cis.id AND a.key = ? AND a.value = ?)", k, attrs[k])
	}
	return q
}
