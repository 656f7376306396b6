package schedule

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// FeedToken lets one user's calendar client read the forward schedule's
// iCalendar feed: calendar clients send no Authorization header, so the
// token travels in the URL, and it reads nothing else. Only its SHA-256 is
// stored.
type FeedToken struct {
	ID        string
	UserID    string
	Name      string
	CreatedAt time.Time
	RevokedAt *time.Time
	// OwnerDisabled is read with the token (not stored with it): the
	// token of a disabled or deleted user no longer opens the feed.
	OwnerDisabled bool
}

// FeedTokenRepository stores feed tokens by the hash of their secret.
type FeedTokenRepository interface {
	CreateFeedToken(ctx context.Context, t *FeedToken, hash string) error
	FindFeedTokenByHash(ctx context.Context, hash string) (FeedToken, error)
	FindFeedToken(ctx context.Context, id string) (FeedToken, error)
	FindFeedTokens(ctx context.Context, userID string) ([]FeedToken, error)
	RevokeFeedToken(ctx context.Context, id string, at time.Time) error
}

// feedTokenPrefix marks a feed token, so that one pasted elsewhere is
// recognised (and secret scanners can find it).
const feedTokenPrefix = "cbfeed_"

func hashFeedToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateFeedToken makes a feed token for the caller (everyone who reads
// the calendar) and returns its secret, shown this once.
func (s *Service) CreateFeedToken(ctx context.Context, actor identity.Actor, name string) (FeedToken, string, error) {
	if err := s.requireReader(ctx, actor, "feed_token.create", "feed_token", ""); err != nil {
		return FeedToken{}, "", err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxNameLength {
		return FeedToken{}, "", errs.Field("name", "is required, at most 200 bytes")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return FeedToken{}, "", errs.Wrap(errs.Internal, err, "no randomness")
	}
	secret := feedTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	t := FeedToken{ID: uuid.NewString(), UserID: actor.UserID, Name: name, CreatedAt: s.stamp()}
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := tx.CreateFeedToken(ctx, &t, hashFeedToken(secret)); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Action: "feed_token.create", EntityType: "feed_token",
			EntityID: t.ID, After: map[string]any{"id": t.ID, "user_id": t.UserID, "name": t.Name}})
	})
	return t, secret, err
}

// ListFeedTokens lists the caller's feed tokens, newest first.
func (s *Service) ListFeedTokens(ctx context.Context, actor identity.Actor) ([]FeedToken, error) {
	if err := s.requireReader(ctx, actor, "feed_token.list", "feed_token", ""); err != nil {
		return nil, err
	}
	var out []FeedToken
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindFeedTokens(ctx, actor.UserID)
		return err
	})
	return out, err
}

// RevokeFeedToken revokes one of the caller's feed tokens (an admin may
// revoke anyone's); another's answers NotFound so as not to confirm it
// exists.
func (s *Service) RevokeFeedToken(ctx context.Context, actor identity.Actor, id string) error {
	if err := s.requireReader(ctx, actor, "feed_token.revoke", "feed_token", id); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		t, err := tx.FindFeedToken(ctx, id)
		if err != nil {
			return err
		}
		if t.UserID != actor.UserID && !actor.Has(identity.Admin) {
			return errs.E(errs.NotFound, "feed token %s not found", id)
		}
		if t.RevokedAt != nil {
			return nil
		}
		now := s.stamp()
		if err := tx.RevokeFeedToken(ctx, t.ID, now); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Action: "feed_token.revoke", EntityType: "feed_token",
			EntityID: t.ID, Before: map[string]any{"revoked_at": nil}, After: map[string]any{"revoked_at": now}})
	})
}

// FeedActor turns a feed token's secret into the actor it reads as: its
// user, with no roles but the right to read the calendar. An unknown
// token is Unauthenticated; a revoked one too, and its use is audited.
func (s *Service) FeedActor(ctx context.Context, secret string) (identity.Actor, error) {
	if !strings.HasPrefix(secret, feedTokenPrefix) {
		return identity.Actor{}, errs.E(errs.Unauthenticated, "a feed token is required (?token=)")
	}
	var t FeedToken
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		t, err = tx.FindFeedTokenByHash(ctx, hashFeedToken(secret))
		return err
	})
	if errs.Is(err, errs.NotFound) {
		return identity.Actor{}, errs.E(errs.Unauthenticated, "the feed token is not valid")
	}
	if err != nil {
		return identity.Actor{}, err
	}
	// The feed reads as its user, with no role: the token is its only right.
	actor := identity.Actor{UserID: t.UserID, Username: "feed:" + t.Name}
	if t.RevokedAt != nil || t.OwnerDisabled {
		why, answer := "revoked feed token used", "the feed token was revoked"
		if t.RevokedAt == nil {
			why, answer = "feed token of a disabled user used", "the feed token's user is disabled"
		}
		rerr := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
			return s.record(ctx, tx, audit.Record{Actor: actor, Action: "schedule.feed", Outcome: audit.Denied,
				EntityType: "feed_token", EntityID: t.ID, Reason: why})
		})
		if rerr != nil {
			return identity.Actor{}, rerr
		}
		return identity.Actor{}, errs.E(errs.Unauthenticated, "%s", answer)
	}
	return actor, nil
}
