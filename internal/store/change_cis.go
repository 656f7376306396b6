package store

import (
	"context"
	"slices"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
)

// The transaction implements change.ConfigurationRepository (checked by the compiler).
var _ change.ConfigurationRepository = (*Tx)(nil)

// riskImpactDepth is how far the impact graph is walked for an RFC's risk.
const riskImpactDepth = 3

// AffectedCIFacts implements change.ConfigurationRepository with the CMDB's own queries, inside
// the RFC's transaction: which of the ids are not CIs, how critical the
// others are, and how many other CIs depend on them.
func (tx *Tx) AffectedCIFacts(ctx context.Context, ids []string) (change.CIFacts, error) {
	f := change.CIFacts{Criticality: map[string]int{}}
	if len(ids) == 0 {
		return f, nil
	}
	cis, err := tx.FindCIsByID(ctx, ids)
	if err != nil {
		return f, err
	}
	found := make([]string, 0, len(cis))
	for _, c := range cis {
		found = append(found, c.ID)
		f.Criticality[string(c.Criticality)]++
	}
	for _, id := range ids {
		if !slices.Contains(found, id) {
			f.Missing = append(f.Missing, id)
		}
	}
	hits, err := tx.WalkImpact(ctx, found, cmdb.Downstream, riskImpactDepth)
	if err != nil {
		return f, err
	}
	seen := map[string]bool{}
	for _, h := range hits {
		if !slices.Contains(found, h.CI.ID) {
			seen[h.CI.ID] = true
		}
	}
	f.ImpactSize = len(seen)
	return f, nil
}
