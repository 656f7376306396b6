// Package auth is who may use Changeboard: users and their roles, password
// login, signed short-lived tokens and revocable API tokens.
package auth

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// User is a person or machine account.
type User struct {
	ID           string
	Username     string
	DisplayName  string
	Email        string
	Roles        []identity.Role
	Disabled     bool
	PasswordHash string
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Actor is the user acting with roles.
func (u User) Actor(roles []identity.Role, tokenID string) identity.Actor {
	return identity.Actor{UserID: u.ID, Username: u.Username, Roles: roles, TokenID: tokenID}
}

// APIToken is a long-lived, revocable credential for agents and pipelines.
type APIToken struct {
	ID        string
	UserID    string
	Name      string
	Roles     []identity.Role
	ExpiresAt time.Time
	RevokedAt *time.Time
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Tx is what auth's use cases need inside one transaction.
type Tx interface {
	audit.Appender
	FindUserByID(ctx context.Context, id string) (User, error)
	FindUserByUsername(ctx context.Context, username string) (User, error)
	FindUsers(ctx context.Context, afterUsername string, limit int) ([]User, error)
	// FindDirectory reads enabled users whose username or display name
	// contains query (any case; all when empty), by username after
	// afterUsername.
	FindDirectory(ctx context.Context, query, afterUsername string, limit int) ([]User, error)
	CountUsers(ctx context.Context) (int64, error)
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser writes u if its stored version is still version; it
	// returns Conflict otherwise and increments u.Version on success.
	UpdateUser(ctx context.Context, u *User, version int64) error
	CreateAPIToken(ctx context.Context, t *APIToken) error
	FindAPIToken(ctx context.Context, id string) (APIToken, error)
	FindAPITokens(ctx context.Context, userID string) ([]APIToken, error)
	UpdateAPIToken(ctx context.Context, t *APIToken, version int64) error
	// CountLoginFailures counts the failures since a time of one account
	// from one source, and of the source for any account.
	CountLoginFailures(ctx context.Context, username, sourceIP string, since time.Time) (byUserAndIP, byIP int64, err error)
	AddLoginFailure(ctx context.Context, username, sourceIP string, at time.Time) error
	ClearLoginFailures(ctx context.Context, username string) error
}

// Store runs fn in one transaction (InTx), or reads without one (Read:
// fn must not write; each statement sees the latest commit).
type Store interface {
	InTx(ctx context.Context, fn func(context.Context, Tx) error) error
	Read(ctx context.Context, fn func(context.Context, Tx) error) error
}

var usernamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{1,62}$`)

// NewUser is the input of CreateUser.
type NewUser struct {
	Username    string
	DisplayName string
	Email       string
	Roles       []string
	Password    string
}

func (in NewUser) validate() ([]identity.Role, error) {
	var f errs.Fields
	if !usernamePattern.MatchString(in.Username) {
		f.Add("username", "2 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	checkEmail(&f, in.Email)
	if len(in.DisplayName) > 200 {
		f.Add("display_name", "at most 200 characters")
	}
	checkPassword(&f, "password", in.Password)
	roles := parseRoles(&f, "roles", in.Roles)
	if len(in.Roles) == 0 {
		f.Add("roles", "at least one role is required")
	}
	return roles, f.Err()
}

// UserUpdate changes the fields that are set.
type UserUpdate struct {
	DisplayName *string
	Email       *string
	Roles       *[]string
	Disabled    *bool
	Password    *string
	// IfVersion, when set, must equal the stored version (If-Match).
	IfVersion *int64
}

func checkEmail(f *errs.Fields, email string) {
	if email == "" {
		return
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		f.Add("email", "not an e-mail address")
	}
}

func checkPassword(f *errs.Fields, field, pw string) {
	switch {
	case len(pw) < 12:
		f.Add(field, "at least 12 characters")
	case len(pw) > 72:
		// bcrypt reads at most 72 bytes; refusing is better than
		// silently ignoring the rest.
		f.Add(field, "at most 72 bytes")
	}
}

// MaxRoleEntries bounds a list of roles in a request: there are only a few
// roles, so a longer list can only be a mistake or an attack.
const MaxRoleEntries = 20

func parseRoles(f *errs.Fields, field string, in []string) []identity.Role {
	if len(in) > MaxRoleEntries {
		f.Add(field, fmt.Sprintf("must have at most %d entries", MaxRoleEntries))
		return nil
	}
	out := make([]identity.Role, 0, len(in))
	for _, s := range in {
		r, ok := identity.ParseRole(s)
		if !ok {
			f.Add(field, "unknown role "+strings.TrimSpace(s))
			continue
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// userView is what audit events show of a user: never the password hash.
func userView(u User) map[string]any {
	return map[string]any{
		"id": u.ID, "username": u.Username, "display_name": u.DisplayName,
		"email": u.Email, "roles": u.Roles, "disabled": u.Disabled, "version": u.Version,
	}
}
