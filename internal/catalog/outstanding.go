package catalog

import (
	"context"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
)

var _ change.Compliance = (*Service)(nil)

// Outstanding implements change.Compliance: for each CI and each update,
// the pairs that are not verifiably installed, judged now as the compliance
// views judge them (a missing or stale inventory reads unknown). An update
// with no stored verdict for a CI that reported an inventory does not apply
// to it. A CI id that is not a CI is skipped: the RFC's own rules name it.
func (s *Service) Outstanding(ctx context.Context, ciIDs, updateIDs []string) ([]change.Outstanding, error) {
	var out []change.Outstanding
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		updates := make(map[string]Update, len(updateIDs))
		for _, id := range updateIDs {
			u, err := tx.FindUpdate(ctx, id)
			if errs.Is(err, errs.NotFound) {
				continue
			}
			if err != nil {
				return err
			}
			updates[u.ID] = u
		}
		now, maxAge := s.now(), s.opt.InventoryMaxAge
		for _, ciID := range ciIDs {
			h, err := tx.FindHost(ctx, ciID, false)
			if errs.Is(err, errs.NotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if h.Retired {
				continue
			}
			results, err := tx.FindResults(ctx, h.ID, "")
			if err != nil {
				return err
			}
			stored := make(map[string]Result, len(results))
			for _, r := range results {
				stored[r.UpdateID] = r
			}
			for _, id := range updateIDs {
				u, ok := updates[id]
				if !ok {
					continue
				}
				r, has := stored[u.ID]
				if !has && h.InventoryAt != nil {
					continue // reported, and the update does not apply
				}
				st, reason := Judged(r.Status, r.Reason, h.InventoryAt, now, maxAge)
				if st == StatusRequired || st == StatusUnknown {
					out = append(out, change.Outstanding{CIID: h.ID, CIName: h.Name, UpdateID: u.ID, VendorID: u.VendorID,
						Status: string(st), Reason: reason})
				}
			}
		}
		return nil
	})
	return out, err
}
