package catalog

import (
	"context"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

// CICompliance is a page of one CI's verdicts, judged now.
type CICompliance struct {
	Host Host
	// Fresh says the CI's inventory is recent enough to judge by.
	Fresh bool
	// Page is the verdicts; its cursor encodes the vendor id after which
	// the next page starts (ParseText gives ResultQuery.After).
	page.Page[ResultView]
}

// UpdateCompliance is a page of one update's verdicts, judged now, with
// the update's counts across the fleet.
type UpdateCompliance struct {
	Update Update
	Tally  Tally
	// Page is the verdicts; its cursor encodes the CI name after which the
	// next page starts.
	page.Page[ResultView]
}

// CICompliance lists the applicable updates of one CI with their
// verdicts; updates not listed are not applicable. With no fresh
// inventory every verdict reads unknown, with the reason and its age.
func (s *Service) CICompliance(ctx context.Context, actor identity.Actor, ciID string, q ResultQuery) (CICompliance, error) {
	if err := s.requireReader(ctx, actor, "compliance.read", "ci", ciID); err != nil {
		return CICompliance{}, err
	}
	if err := checkStatusFilter(q.Status); err != nil {
		return CICompliance{}, err
	}
	q = s.query(q)
	var out CICompliance
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if out.Host, err = tx.FindHost(ctx, ciID, false); err != nil {
			return err
		}
		out.Items, err = tx.FindCIResults(ctx, out.Host.ID, q)
		return err
	})
	if err != nil {
		return CICompliance{}, err
	}
	out.Fresh = out.Host.InventoryAt != nil && Fresh(*out.Host.InventoryAt, q.Now, q.MaxAge)
	out.Page = s.judge(out.Items, q, func(v ResultView) string { return v.VendorID })
	return out, nil
}

// UpdateCompliance lists the CIs an update applies to, with their verdicts
// (CIs that never reported an inventory are counted as unknown in the
// tally, not listed), and the update's tally over every CI.
func (s *Service) UpdateCompliance(ctx context.Context, actor identity.Actor, idOrVendorID string, q ResultQuery) (UpdateCompliance, error) {
	if err := s.requireReader(ctx, actor, "compliance.read", "update", idOrVendorID); err != nil {
		return UpdateCompliance{}, err
	}
	if err := checkStatusFilter(q.Status); err != nil {
		return UpdateCompliance{}, err
	}
	q = s.query(q)
	var out UpdateCompliance
	var d SummaryData
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if out.Update, err = tx.FindUpdate(ctx, idOrVendorID); err != nil {
			return err
		}
		if d, err = tx.ComplianceSummaryOf(ctx, q.Now.Add(-q.MaxAge), out.Update.ID); err != nil {
			return err
		}
		out.Items, err = tx.FindUpdateResults(ctx, out.Update.ID, q)
		return err
	})
	if err != nil {
		return UpdateCompliance{}, err
	}
	if sum := summarize(d, q.Now, q.MaxAge); len(sum.ByUpdate) == 1 {
		out.Tally = sum.ByUpdate[0].Tally
	}
	out.Page = s.judge(out.Items, q, func(v ResultView) string { return v.CIName })
	return out, nil
}

func (s *Service) query(q ResultQuery) ResultQuery {
	q.Now, q.MaxAge = s.now(), s.opt.InventoryMaxAge
	if q.Limit <= 0 || q.Limit > MaxListSize {
		q.Limit = MaxListSize
	}
	q.Limit = page.Fetch(q.Limit)
	return q
}

// judge cuts the page (read with one more item than it holds) and applies
// freshness to each verdict; key is the keyset the cursor encodes.
func (s *Service) judge(items []ResultView, q ResultQuery, key func(ResultView) string) page.Page[ResultView] {
	p := page.Cut(items, q.Limit-1, func(v ResultView) string { return page.Text(key(v)) })
	for i := range p.Items {
		p.Items[i].Status, p.Items[i].Reason = Judged(p.Items[i].Status, p.Items[i].Reason, p.Items[i].InventoryAt, q.Now, q.MaxAge)
	}
	return p
}

// checkStatusFilter refuses not_applicable as a list filter: those pairs
// are not stored, only counted.
func checkStatusFilter(st Status) error {
	if st == StatusNotApplicable {
		return errs.Field("status", "not_applicable updates are counted in the summary, not listed")
	}
	return nil
}
