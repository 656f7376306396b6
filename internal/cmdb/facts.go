package cmdb

import (
	"context"
	"slices"
	"time"
)

// CIFacts is what the CMDB says of a set of CIs an RFC names: the inputs of
// its risk score.
type CIFacts struct {
	// Missing are the ids that name no CI.
	Missing []string
	// Criticality counts the CIs by criticality.
	Criticality map[string]int
	// ImpactSize is the number of other CIs that depend on them, up to
	// depth steps down the dependency graph.
	ImpactSize int
}

// AffectedCIFacts looks CIs up for another capability's use case, which has
// checked its caller: called with that use case's ctx, it runs inside its
// transaction. It says which of ids are not CIs, how critical the others
// are, and how many other CIs depend on them within depth steps.
func (s *Service) AffectedCIFacts(ctx context.Context, ids []string, depth int) (CIFacts, error) {
	f := CIFacts{Criticality: map[string]int{}}
	if len(ids) == 0 {
		return f, nil
	}
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		cis, err := tx.FindCIsByID(ctx, ids)
		if err != nil {
			return err
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
		hits, err := tx.WalkImpact(ctx, found, Downstream, depth)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, h := range hits {
			if !slices.Contains(found, h.CI.ID) {
				seen[h.CI.ID] = true
			}
		}
		f.ImpactSize = len(seen)
		return nil
	})
	return f, err
}

// TakeBaseline records the current version of each CI as the baseline of
// an RFC at its approval, for the change use case that approves it (inside
// its transaction, through ctx).
func (s *Service) TakeBaseline(ctx context.Context, rfcID string, ciIDs []string, at time.Time) error {
	if len(ciIDs) == 0 {
		return nil
	}
	return s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		return tx.TakeBaseline(ctx, rfcID, ciIDs, at)
	})
}
