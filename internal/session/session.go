// Package session is the web UI's browser session: after the same login
// (and lockout) as the API, a random value in an HttpOnly cookie stands for
// the user until it expires or the user logs out. Only a hash of the value
// is stored. The CSRF token of the session's forms is derived from the
// value, so it needs no storage and dies with the session.
package session

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// Session is one stored browser session.
type Session struct {
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Tx is what the session use cases need inside one transaction. Sessions
// are found by the hash of their cookie value.
type Tx interface {
	audit.Appender
	CreateSession(ctx context.Context, idHash string, s Session) error
	// FindSession returns NotFound for an unknown hash.
	FindSession(ctx context.Context, idHash string) (Session, error)
	DeleteSession(ctx context.Context, idHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) error
}

// Store runs fn in one transaction.
type Store interface {
	InTx(ctx context.Context, fn func(context.Context, Tx) error) error
}

// Users is the port to auth: the actor a user acts as now (Unauthenticated
// when unknown or disabled). auth.Service implements it.
type Users interface {
	ActorOf(ctx context.Context, userID string) (identity.Actor, error)
}

// DefaultTTL is how long a session lasts when Options.TTL is zero: a
// working day.
const DefaultTTL = 10 * time.Hour

// Service holds the session use cases.
type Service struct {
	store Store
	users Users
	now   func() time.Time
	ttl   time.Duration
}

// NewService returns the session service; ttl 0 means DefaultTTL.
func NewService(store Store, users Users, now func() time.Time, ttl time.Duration) *Service {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Service{store: store, users: users, now: now, ttl: ttl}
}

// TTL is how long a new session lasts.
func (s *Service) TTL() time.Duration { return s.ttl }

// Start opens a session for an actor who has just logged in and returns
// the cookie value. Expired sessions are swept on the way.
func (s *Service) Start(ctx context.Context, actor identity.Actor) (string, error) {
	raw := NewValue()
	now := s.now()
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := tx.DeleteExpiredSessions(ctx, now); err != nil {
			return err
		}
		return tx.CreateSession(ctx, hash(raw), Session{UserID: actor.UserID, CreatedAt: now, ExpiresAt: now.Add(s.ttl)})
	})
	return raw, err
}

// Resume returns the actor of a cookie value: Unauthenticated when the
// session is unknown, expired, or its user is disabled.
func (s *Service) Resume(ctx context.Context, raw string) (identity.Actor, error) {
	if raw == "" {
		return identity.Actor{}, errs.E(errs.Unauthenticated, "no session")
	}
	var actor identity.Actor
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		sess, err := tx.FindSession(ctx, hash(raw))
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.Unauthenticated, "unknown session")
		}
		if err != nil {
			return err
		}
		if !s.now().Before(sess.ExpiresAt) {
			return errs.E(errs.Unauthenticated, "session expired")
		}
		actor, err = s.users.ActorOf(ctx, sess.UserID)
		return err
	})
	return actor, err
}

// End deletes the session of a cookie value (logout) and audits it; an
// unknown value is not an error, logging out twice is harmless.
func (s *Service) End(ctx context.Context, actor identity.Actor, raw string) error {
	return s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := tx.DeleteSession(ctx, hash(raw)); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit.New(ctx, s.now(), audit.Record{
			Actor: actor, Action: "auth.logout", EntityType: "user", EntityID: actor.UserID,
		}))
	})
}

// CSRFToken is the token every form of the session carries: an HMAC of
// the cookie value, which a page on another site can neither read nor
// compute.
func CSRFToken(raw string) string {
	m := hmac.New(sha256.New, []byte(raw))
	m.Write([]byte("changeboard csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports, in constant time, whether token is the session's.
func CheckCSRF(raw, token string) bool {
	return raw != "" && hmac.Equal([]byte(CSRFToken(raw)), []byte(token))
}

// NewValue returns a fresh random cookie value (256 bits).
func NewValue() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hash is what is stored: the value has 256 random bits, so a plain
// SHA-256 (no salt, no stretching) cannot be reversed.
func hash(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:])
}
