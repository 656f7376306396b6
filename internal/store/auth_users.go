package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/identity"
)

// The transaction implements auth.Tx (checked by the compiler).
var _ auth.Tx = (*Tx)(nil)

type userRow struct {
	ID           string
	Username     string
	DisplayName  string
	Email        string
	Roles        string
	PasswordHash string
	Disabled     bool
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

func joinRoles(roles []identity.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func splitRoles(s string) []identity.Role {
	out := []identity.Role{}
	for _, r := range strings.Split(s, ",") {
		if r != "" {
			out = append(out, identity.Role(r))
		}
	}
	return out
}

func toUserRow(u auth.User) userRow {
	return userRow{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Email: u.Email,
		Roles: joinRoles(u.Roles), PasswordHash: u.PasswordHash, Disabled: u.Disabled,
		Version: u.Version, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

func (r userRow) user() auth.User {
	return auth.User{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Email: r.Email,
		Roles: splitRoles(r.Roles), PasswordHash: r.PasswordHash, Disabled: r.Disabled,
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// FindUserByID implements auth.Tx.
func (tx *Tx) FindUserByID(ctx context.Context, id string) (auth.User, error) {
	var r userRow
	err := tx.g.Where("id = ?", id).Take(&r).Error
	return r.user(), translate(err, "user "+id)
}

// FindUserByUsername implements auth.Tx; names compare case-insensitively.
func (tx *Tx) FindUserByUsername(ctx context.Context, username string) (auth.User, error) {
	var r userRow
	err := tx.g.Where("lower(username) = lower(?)", username).Take(&r).Error
	return r.user(), translate(err, "user "+username)
}

// FindUsers implements auth.Tx: a page of users by username.
func (tx *Tx) FindUsers(ctx context.Context, afterUsername string, limit int) ([]auth.User, error) {
	var rows []userRow
	err := tx.g.Where("lower(username) > lower(?)", afterUsername).Order("lower(username)").Limit(limit).Find(&rows).Error
	out := make([]auth.User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, translate(err, "users")
}

// FindDirectory implements auth.Tx.
func (tx *Tx) FindDirectory(ctx context.Context, query, afterUsername string, limit int) ([]auth.User, error) {
	q := tx.g.Where("disabled = ? AND lower(username) > lower(?)", false, afterUsername)
	if query != "" {
		like := ciLikePattern(query)
		q = q.Where(`(lower(username) LIKE ? ESCAPE '\' OR lower(display_name) LIKE ? ESCAPE '\')`, like, like)
	}
	var rows []userRow
	err := q.Order("lower(username)").Limit(limit).Find(&rows).Error
	out := make([]auth.User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, translate(err, "users")
}

// CountUsers implements auth.Tx.
func (tx *Tx) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := tx.g.Model(&userRow{}).Count(&n).Error
	return n, translate(err, "users")
}

// CreateUser implements auth.Tx.
func (tx *Tx) CreateUser(ctx context.Context, u *auth.User) error {
	r := toUserRow(*u)
	return translate(tx.g.Create(&r).Error, "user "+u.Username)
}

// UpdateUser implements auth.Tx.
func (tx *Tx) UpdateUser(ctx context.Context, u *auth.User, version int64) error {
	r := toUserRow(*u)
	r.Version = version + 1
	res := tx.g.Model(&userRow{}).Where("id = ? AND version = ?", u.ID, version).
		Select("*").Omit("id", "created_at").Updates(&r)
	if err := translate(res.Error, "user "+u.Username); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("user " + u.Username)
	}
	u.Version = r.Version
	return nil
}

type apiTokenRow struct {
	ID        string
	UserID    string
	Name      string
	Roles     string
	ExpiresAt time.Time
	RevokedAt *time.Time
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (apiTokenRow) TableName() string { return "api_tokens" }

func (r apiTokenRow) token() auth.APIToken {
	t := auth.APIToken{ID: r.ID, UserID: r.UserID, Name: r.Name, Roles: splitRoles(r.Roles),
		ExpiresAt: r.ExpiresAt.UTC(), Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.RevokedAt != nil {
		at := r.RevokedAt.UTC()
		t.RevokedAt = &at
	}
	return t
}

func toTokenRow(t auth.APIToken) apiTokenRow {
	r := apiTokenRow{ID: t.ID, UserID: t.UserID, Name: t.Name, Roles: joinRoles(t.Roles),
		ExpiresAt: t.ExpiresAt.UTC(), Version: t.Version, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
	if t.RevokedAt != nil {
		at := t.RevokedAt.UTC()
		r.RevokedAt = &at
	}
	return r
}

// CreateAPIToken implements auth.Tx.
func (tx *Tx) CreateAPIToken(ctx context.Context, t *auth.APIToken) error {
	r := toTokenRow(*t)
	return translate(tx.g.Create(&r).Error, "API token")
}

// FindAPIToken implements auth.Tx.
func (tx *Tx) FindAPIToken(ctx context.Context, id string) (auth.APIToken, error) {
	var r apiTokenRow
	err := tx.g.Where("id = ?", id).Take(&r).Error
	return r.token(), translate(err, "API token "+id)
}

// FindAPITokens implements auth.Tx.
func (tx *Tx) FindAPITokens(ctx context.Context, userID string) ([]auth.APIToken, error) {
	var rows []apiTokenRow
	err := tx.g.Where("user_id = ?", userID).Order("id").Find(&rows).Error
	out := make([]auth.APIToken, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, translate(err, "API tokens")
}

// UpdateAPIToken implements auth.Tx.
func (tx *Tx) UpdateAPIToken(ctx context.Context, t *auth.APIToken, version int64) error {
	r := toTokenRow(*t)
	r.Version = version + 1
	res := tx.g.Model(&apiTokenRow{}).Where("id = ? AND version = ?", t.ID, version).
		Select("name", "roles", "expires_at", "revoked_at", "version", "updated_at").Updates(&r)
	if err := translate(res.Error, "API token"); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("API token " + t.ID)
	}
	t.Version = r.Version
	return nil
}

type loginFailureRow struct {
	ID       int64
	Username string
	SourceIP string
	At       time.Time
}

func (loginFailureRow) TableName() string { return "login_failures" }

// CountLoginFailures implements auth.Tx: the failures of this account
// from this source, and of this source for any account.
func (tx *Tx) CountLoginFailures(ctx context.Context, username, sourceIP string, since time.Time) (byUserAndIP, byIP int64, err error) {
	since = since.UTC()
	q := func() *gorm.DB { return tx.g.Model(&loginFailureRow{}).Where("at >= ?", since) }
	if err = q().Where("username = ? AND source_ip = ?", strings.ToLower(username), sourceIP).Count(&byUserAndIP).Error; err != nil {
		return 0, 0, translate(err, "login failures")
	}
	err = q().Where("source_ip = ?", sourceIP).Count(&byIP).Error
	return byUserAndIP, byIP, translate(err, "login failures")
}

// AddLoginFailure implements auth.Tx.
func (tx *Tx) AddLoginFailure(ctx context.Context, username, sourceIP string, at time.Time) error {
	r := loginFailureRow{Username: strings.ToLower(username), SourceIP: sourceIP, At: at.UTC()}
	return translate(tx.g.Create(&r).Error, "login failure")
}

// ClearLoginFailures implements auth.Tx.
func (tx *Tx) ClearLoginFailures(ctx context.Context, username string) error {
	err := tx.g.Where("username = ?", strings.ToLower(username)).Delete(&loginFailureRow{}).Error
	return translate(err, "login failures")
}
