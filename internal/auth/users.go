package auth

import (
	"context"
	"slices"
	"strings"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

var admins = []identity.Role{identity.Admin}

// Me returns the caller's own user record.
func (s *Service) Me(ctx context.Context, actor identity.Actor) (User, error) {
	var u User
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		u, err = tx.FindUserByID(ctx, actor.UserID)
		return err
	})
	return u, err
}

// Bootstrap creates the admin user on a database without users. It returns
// the password it generated when password is empty, and whether it created
// the user; replicas racing here are settled by the unique username.
func (s *Service) Bootstrap(ctx context.Context, password string) (generated string, created bool, err error) {
	if password == "" {
		password = GeneratePassword()
		generated = password
	}
	err = s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		n, err := tx.CountUsers(ctx)
		if err != nil || n > 0 {
			return err
		}
		_, err = s.createUser(ctx, tx, identity.System, NewUser{
			Username: "admin", DisplayName: "Administrator", Roles: []string{string(identity.Admin)}, Password: password,
		})
		created = err == nil
		return err
	})
	if errs.Is(err, errs.Conflict) {
		return "", false, nil
	}
	if !created {
		generated = ""
	}
	return generated, created, err
}

// CreateUser adds a user; admins only (the CLI acts as identity.System).
func (s *Service) CreateUser(ctx context.Context, actor identity.Actor, in NewUser) (User, error) {
	if actor.UserID != identity.System.UserID {
		if err := s.guard.Require(ctx, actor, "user.create", "user", "", admins...); err != nil {
			return User{}, err
		}
	}
	var u User
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		u, err = s.createUser(ctx, tx, actor, in)
		return err
	})
	return u, err
}

func (s *Service) createUser(ctx context.Context, tx Tx, actor identity.Actor, in NewUser) (User, error) {
	roles, err := in.validate()
	if err != nil {
		return User{}, err
	}
	hash, err := s.hash(in.Password)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	u := User{ID: newID(), Username: in.Username, DisplayName: in.DisplayName, Email: in.Email,
		Roles: roles, PasswordHash: hash, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateUser(ctx, &u); err != nil {
		return User{}, err
	}
	return u, tx.AppendAudit(ctx, audit.New(ctx, now, audit.Record{
		Actor: actor, Role: identity.Admin, Action: "user.create", EntityType: "user", EntityID: u.ID, After: userView(u),
	}))
}

// GetUser returns one user; admins only.
func (s *Service) GetUser(ctx context.Context, actor identity.Actor, id string) (User, error) {
	if err := s.guard.Require(ctx, actor, "user.read", "user", id, admins...); err != nil {
		return User{}, err
	}
	var u User
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		u, err = tx.FindUserByID(ctx, id)
		return err
	})
	return u, err
}

// ListUsers pages through users by username; admins only.
func (s *Service) ListUsers(ctx context.Context, actor identity.Actor, after string, limit int) (page.Page[User], error) {
	if err := s.guard.Require(ctx, actor, "user.list", "user", "", admins...); err != nil {
		return page.Page[User]{}, err
	}
	var out []User
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindUsers(ctx, after, page.Fetch(limit))
		return err
	})
	return page.Cut(out, limit, func(v User) string { return page.Text(v.Username) }), err
}

// UpdateUser changes roles, the disabled flag, names or the password;
// admins only, and an admin cannot lock themselves out.
func (s *Service) UpdateUser(ctx context.Context, actor identity.Actor, id string, in UserUpdate) (User, error) {
	if err := s.guard.Require(ctx, actor, "user.update", "user", id, admins...); err != nil {
		return User{}, err
	}
	var u User
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if u, err = tx.FindUserByID(ctx, id); err != nil {
			return err
		}
		if in.IfVersion != nil && *in.IfVersion != u.Version {
			return errs.E(errs.PreconditionFailed, "user %s is at version %d, not %d", id, u.Version, *in.IfVersion)
		}
		before, version := userView(u), u.Version
		if err := s.apply(&u, actor, in); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		if err := tx.UpdateUser(ctx, &u, version); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit.New(ctx, u.UpdatedAt, audit.Record{
			Actor: actor, Role: identity.Admin, Action: "user.update", EntityType: "user", EntityID: u.ID,
			Before: before, After: userView(u),
		}))
	})
	return u, err
}

func (s *Service) apply(u *User, actor identity.Actor, in UserUpdate) error {
	var f errs.Fields
	if in.DisplayName != nil {
		u.DisplayName = *in.DisplayName
	}
	if in.Email != nil {
		checkEmail(&f, *in.Email)
		u.Email = *in.Email
	}
	if in.Roles != nil {
		u.Roles = parseRoles(&f, "roles", *in.Roles)
		if len(*in.Roles) == 0 {
			f.Add("roles", "at least one role is required")
		}
		if u.ID == actor.UserID && !slices.Contains(u.Roles, identity.Admin) {
			f.Add("roles", "you cannot remove your own admin role")
		}
	}
	if in.Disabled != nil {
		if *in.Disabled && u.ID == actor.UserID {
			f.Add("disabled", "you cannot disable yourself")
		}
		u.Disabled = *in.Disabled
	}
	if in.Password != nil {
		checkPassword(&f, "password", *in.Password)
	}
	if err := f.Err(); err != nil {
		return err
	}
	if in.Password != nil {
		h, err := s.hash(*in.Password)
		if err != nil {
			return err
		}
		u.PasswordHash = h
	}
	return nil
}

// Directory lists the enabled users for every authenticated caller, so that
// CAB members, auditors and anyone naming a person can resolve ids to names:
// ids, usernames, display names and roles, never e-mail addresses (those
// stay in the admins' GET /users).
func (s *Service) Directory(ctx context.Context, actor identity.Actor, query, after string, limit int) (page.Page[User], error) {
	if err := s.guard.Require(ctx, actor, "user.directory", "user", "", identity.AllRoles...); err != nil {
		return page.Page[User]{}, err
	}
	if len(query) > 100 {
		return page.Page[User]{}, errs.Field("q", "must be at most 100 characters")
	}
	var out []User
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindDirectory(ctx, strings.ToLower(query), after, page.Fetch(limit))
		return err
	})
	for i := range out {
		out[i].Email, out[i].PasswordHash = "", ""
	}
	return page.Cut(out, limit, func(v User) string { return page.Text(v.Username) }), err
}
