package auth

import (
	"context"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// ActorOf returns the actor a user acts as now, with the roles the user
// holds now: a browser session (internal/session) asks on every request,
// so that a disabled user or a removed role counts on the very next page.
// An unknown or disabled user is Unauthenticated.
func (s *Service) ActorOf(ctx context.Context, userID string) (identity.Actor, error) {
	var actor identity.Actor
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		u, err := tx.FindUserByID(ctx, userID)
		if errs.Is(err, errs.NotFound) || (err == nil && u.Disabled) {
			return errs.E(errs.Unauthenticated, "the session's user is unknown or disabled")
		}
		if err != nil {
			return err
		}
		actor = u.Actor(u.Roles, "")
		return nil
	})
	return actor, err
}

// UserNames maps user ids to usernames, for pages that show who did what
// on records the caller may already read (votes, history). Any signed-in
// actor may ask: a username is not a secret to colleagues, and the user
// list itself (emails, roles) stays with admins. Unknown ids are left out.
func (s *Service) UserNames(ctx context.Context, actor identity.Actor, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if actor.UserID == "" {
		return out, errs.E(errs.Unauthenticated, "sign in first")
	}
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		for _, id := range ids {
			if _, seen := out[id]; seen || id == "" {
				continue
			}
			u, err := tx.FindUserByID(ctx, id)
			if errs.Is(err, errs.NotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out[id] = u.Username
		}
		return nil
	})
	return out, err
}
