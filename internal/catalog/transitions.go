package catalog

import (
	"context"
	"slices"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// Transition fires ev on an update: the guards, the state machine, the
// version check and the audit event in one transaction. supersede also
// records the link on the successor and recomputes compliance.
func (s *Service) Transition(ctx context.Context, actor identity.Actor, idOrVendorID string, ev Event, in TransitionInput, ifVersion *int64) (Update, error) {
	var u Update
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if u, err = tx.FindUpdate(ctx, idOrVendorID); err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != u.Version {
			return errs.E(errs.PreconditionFailed, "update %s is at version %d, not %d", u.VendorID, u.Version, *ifVersion)
		}
		if err := CheckTransition(u, actor, ev, in); err != nil {
			return err
		}
		if ev == EventSupersede {
			u, err = s.supersedeBy(ctx, tx, actor, u, in)
			return err
		}
		next, err := apply(u, actor, ev, in, s.now())
		if err != nil {
			return err
		}
		if err := s.save(ctx, tx, actor, u, &next, "update."+string(ev)); err != nil {
			return err
		}
		u = next
		return nil
	})
	return u, s.guard.Refuse(ctx, actor, "update."+string(ev), "update", idOrVendorID, err)
}

// supersedeBy is a change manager naming u's successor: the successor
// records that it supersedes u, and u becomes superseded.
func (s *Service) supersedeBy(ctx context.Context, tx Tx, actor identity.Actor, u Update, in TransitionInput) (Update, error) {
	succ, err := tx.FindUpdate(ctx, in.SupersededBy)
	if errs.Is(err, errs.NotFound) {
		return u, errs.Field("superseded_by", "names no update")
	}
	if err != nil {
		return u, err
	}
	if succ.ID == u.ID {
		return u, errs.Field("superseded_by", "an update cannot supersede itself")
	}
	if !slices.Contains(succ.Supersedes, u.VendorID) {
		next := succ
		next.Supersedes = append(slices.Clone(succ.Supersedes), u.VendorID)
		next.UpdatedAt = s.now()
		if err := tx.UpdateUpdate(ctx, &next, succ.Version); err != nil {
			return u, err
		}
		if err := s.record(ctx, tx, audit.Record{Actor: actor, Action: "update.link", EntityType: "update",
			EntityID: next.ID, Before: succ.auditView(), After: next.auditView(), Reason: "supersedes " + u.VendorID}); err != nil {
			return u, err
		}
	}
	return s.supersede(ctx, tx, actor, u, succ.VendorID, in.Comment)
}
