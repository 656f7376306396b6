package auth

import (
	"context"
	"slices"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// MaxAPITokenLifetime bounds an API token's expiry.
const MaxAPITokenLifetime = 366 * 24 * time.Hour

// NewAPIToken is the input of CreateAPIToken.
type NewAPIToken struct {
	Name      string
	Roles     []string
	ExpiresAt time.Time
	// UserID names another user; admins only. Empty means the caller.
	UserID string
}

// IssuedAPIToken is a created token with its secret, shown once.
type IssuedAPIToken struct {
	APIToken
	Secret string
}

// CreateAPIToken issues a revocable token whose roles are no wider than
// the caller's (or, for an admin issuing to another user, that user's).
func (s *Service) CreateAPIToken(ctx context.Context, actor identity.Actor, in NewAPIToken) (IssuedAPIToken, error) {
	if in.UserID != "" && in.UserID != actor.UserID {
		if err := s.guard.Require(ctx, actor, "token.create", "user", in.UserID, admins...); err != nil {
			return IssuedAPIToken{}, err
		}
	}
	var out IssuedAPIToken
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		owner, allowed := actor.UserID, actor.Roles
		if in.UserID != "" && in.UserID != actor.UserID {
			u, err := tx.FindUserByID(ctx, in.UserID)
			if errs.Is(err, errs.NotFound) {
				return errs.Field("user_id", "no such user")
			} else if err != nil {
				return err
			}
			owner, allowed = u.ID, u.Roles
		}
		now := s.now()
		roles, err := s.validateToken(in, allowed, now)
		if err != nil {
			return err
		}
		t := APIToken{ID: newID(), UserID: owner, Name: in.Name, Roles: roles,
			ExpiresAt: in.ExpiresAt.UTC().Truncate(time.Second), Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateAPIToken(ctx, &t); err != nil {
			return err
		}
		secret, err := s.signer.sign(owner, kindAPI, t.ID, now, t.ExpiresAt)
		if err != nil {
			return err
		}
		out = IssuedAPIToken{APIToken: t, Secret: secret}
		return tx.AppendAudit(ctx, audit.New(ctx, now, audit.Record{
			Actor: actor, Action: "token.create", EntityType: "api_token", EntityID: t.ID,
			After: map[string]any{"user_id": owner, "name": t.Name, "roles": t.Roles, "expires_at": t.ExpiresAt},
		}))
	})
	return out, err
}

func (s *Service) validateToken(in NewAPIToken, allowed []identity.Role, now time.Time) ([]identity.Role, error) {
	var f errs.Fields
	if in.Name == "" || len(in.Name) > 100 {
		f.Add("name", "required, at most 100 characters")
	}
	if len(in.Roles) == 0 {
		f.Add("roles", "at least one role is required")
	}
	roles := parseRoles(&f, "roles", in.Roles)
	for _, r := range roles {
		if !slices.Contains(allowed, r) {
			f.Add("roles", "role "+string(r)+" is wider than the owner's roles")
		}
	}
	switch {
	case in.ExpiresAt.IsZero():
		f.Add("expires_at", "required")
	case !in.ExpiresAt.After(now):
		f.Add("expires_at", "must be in the future")
	case in.ExpiresAt.After(now.Add(MaxAPITokenLifetime)):
		f.Add("expires_at", "must be within 366 days")
	}
	return roles, f.Err()
}

// ListAPITokens lists the caller's tokens; an admin may name another user.
func (s *Service) ListAPITokens(ctx context.Context, actor identity.Actor, userID string) ([]APIToken, error) {
	if userID == "" {
		userID = actor.UserID
	}
	if userID != actor.UserID {
		if err := s.guard.Require(ctx, actor, "token.list", "user", userID, admins...); err != nil {
			return nil, err
		}
	}
	var out []APIToken
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindAPITokens(ctx, userID)
		return err
	})
	return out, err
}

// RevokeAPIToken revokes a token of the caller's, or any token for an admin.
func (s *Service) RevokeAPIToken(ctx context.Context, actor identity.Actor, id string) (APIToken, error) {
	var t APIToken
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if t, err = tx.FindAPIToken(ctx, id); err != nil {
			return err
		}
		if t.UserID != actor.UserID && !actor.Has(identity.Admin) {
			// Someone else's token: do not even confirm it exists.
			return errs.E(errs.NotFound, "no API token %s", id)
		}
		if t.RevokedAt != nil {
			return nil
		}
		now := s.now()
		t.RevokedAt, t.UpdatedAt = &now, now
		if err := tx.UpdateAPIToken(ctx, &t, t.Version); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit.New(ctx, now, audit.Record{
			Actor: actor, Action: "token.revoke", EntityType: "api_token", EntityID: t.ID,
			After: map[string]any{"revoked_at": now},
		}))
	})
	return t, err
}
