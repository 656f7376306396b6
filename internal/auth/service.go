package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/guard"
	"github.com/changeboard/changeboard/internal/identity"
)

// Options tune the auth service.
type Options struct {
	TokenTTL time.Duration
	// BcryptCost is the password hashing cost; bcrypt.DefaultCost if zero.
	BcryptCost int
	// MaxFailuresPerUser failures of one account from one source, or
	// MaxFailuresPerIP of one source for any account, within
	// FailureWindow make further logins from that source answer 429 until
	// the window has passed. Failures are never counted per account alone:
	// that would let anyone lock anyone out (the CAB before its meeting);
	// the owner, from their own address, still logs in.
	MaxFailuresPerUser int64
	MaxFailuresPerIP   int64
	FailureWindow      time.Duration
}

// Service holds the auth use cases.
type Service struct {
	store  Store
	audit  *audit.Service
	guard  guard.Guard
	signer *Signer
	now    func() time.Time
	opt    Options
	// dummyHash is compared against when the user does not exist, so that
	// an unknown name costs as much time as a wrong password.
	dummyHash []byte
}

// NewService returns the auth service.
func NewService(store Store, auditSvc *audit.Service, signer *Signer, now func() time.Time, opt Options) *Service {
	if opt.BcryptCost == 0 {
		opt.BcryptCost = bcrypt.DefaultCost
	}
	if opt.MaxFailuresPerUser == 0 {
		opt.MaxFailuresPerUser = 5
	}
	if opt.MaxFailuresPerIP == 0 {
		opt.MaxFailuresPerIP = 20
	}
	if opt.FailureWindow == 0 {
		opt.FailureWindow = 15 * time.Minute
	}
	if opt.TokenTTL == 0 {
		opt.TokenTTL = 15 * time.Minute
	}
	dummy, _ := bcrypt.GenerateFromPassword([]byte("not a real password"), opt.BcryptCost)
	return &Service{store: store, audit: auditSvc, guard: guard.New(auditSvc), signer: signer, now: now, opt: opt, dummyHash: dummy}
}

// Session is the answer to a successful login.
type Session struct {
	AccessToken string
	ExpiresIn   time.Duration
}

// Login checks a username and password and issues a short-lived token.
// Failures are counted per (user, address) and per address, audited, and
// answered with 429 to that address once too many have happened recently.
func (s *Service) Login(ctx context.Context, username, password string) (Session, error) {
	var f errs.Fields
	if username == "" {
		f.Add("username", "required")
	}
	if password == "" {
		f.Add("password", "required")
	}
	if err := f.Err(); err != nil {
		return Session{}, err
	}
	ip := audit.RequestFrom(ctx).SourceIP
	now := s.now()
	var session Session
	var refusal error
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		byUserAndIP, byIP, err := tx.CountLoginFailures(ctx, username, ip, now.Add(-s.opt.FailureWindow))
		if err != nil {
			return err
		}
		if byUserAndIP >= s.opt.MaxFailuresPerUser || byIP >= s.opt.MaxFailuresPerIP {
			refusal = &errs.Error{Code: errs.TooManyRequests, Message: "too many failed logins; try again later",
				RetryAfterSeconds: int(s.opt.FailureWindow.Seconds())}
			return s.loginFailed(ctx, tx, username, ip, now, "rate limited", false)
		}
		u, err := tx.FindUserByUsername(ctx, username)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		hash := s.dummyHash
		if err == nil {
			hash = []byte(u.PasswordHash)
		}
		if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil || u.Disabled {
			refusal = errs.E(errs.Unauthenticated, "wrong username or password")
			return s.loginFailed(ctx, tx, username, ip, now, "wrong username or password, or disabled", true)
		}
		if err := tx.ClearLoginFailures(ctx, username); err != nil {
			return err
		}
		token, err := s.signer.sign(u.ID, kindUser, newID(), now, now.Add(s.opt.TokenTTL))
		if err != nil {
			return err
		}
		session = Session{AccessToken: token, ExpiresIn: s.opt.TokenTTL}
		return tx.AppendAudit(ctx, audit.New(ctx, now, audit.Record{
			Actor: u.Actor(u.Roles, ""), Action: "auth.login", EntityType: "user", EntityID: u.ID,
		}))
	})
	if err != nil {
		return Session{}, err
	}
	return session, refusal
}

func (s *Service) loginFailed(ctx context.Context, tx Tx, username, ip string, now time.Time, why string, count bool) error {
	if count {
		if err := tx.AddLoginFailure(ctx, username, ip, now); err != nil {
			return err
		}
	}
	return tx.AppendAudit(ctx, audit.New(ctx, now, audit.Record{
		Actor:  identity.Actor{UserID: "anonymous", Username: username},
		Action: "auth.login", Outcome: audit.Failure, EntityType: "user", EntityID: username, Reason: why,
	}))
}

// Authenticate turns a bearer token into the actor it stands for. It looks
// the user (and the API token) up on every call, so that a revoked token or
// a disabled user is refused on the very next request.
func (s *Service) Authenticate(ctx context.Context, raw string) (identity.Actor, error) {
	now := s.now()
	c, err := s.signer.parse(raw, now)
	if err != nil {
		return identity.Actor{}, err
	}
	var actor identity.Actor
	// Two reads, no transaction: each sees the latest commit, so a
	// revocation or a disabled user counts from the next request on.
	err = s.store.Read(ctx, func(ctx context.Context, tx Tx) error {
		u, err := tx.FindUserByID(ctx, c.Subject)
		if errs.Is(err, errs.NotFound) || (err == nil && u.Disabled) {
			return errs.E(errs.Unauthenticated, "the token's user is unknown or disabled")
		}
		if err != nil {
			return err
		}
		if c.Kind == kindUser {
			actor = u.Actor(u.Roles, "")
			return nil
		}
		t, err := tx.FindAPIToken(ctx, c.ID)
		switch {
		case errs.Is(err, errs.NotFound):
			return errs.E(errs.Unauthenticated, "unknown API token")
		case err != nil:
			return err
		case t.UserID != u.ID || t.RevokedAt != nil || !now.Before(t.ExpiresAt):
			return errs.E(errs.Unauthenticated, "API token revoked or expired")
		}
		actor = u.Actor(intersect(t.Roles, u.Roles), t.ID)
		return nil
	})
	return actor, err
}

// intersect keeps the token's roles that the user still holds: removing a
// role from a user narrows their tokens at once.
func intersect(tokenRoles, userRoles []identity.Role) []identity.Role {
	out := []identity.Role{}
	for _, r := range tokenRoles {
		for _, u := range userRoles {
			if r == u {
				out = append(out, r)
			}
		}
	}
	return out
}

func (s *Service) hash(pw string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(pw), s.opt.BcryptCost)
	return string(b), err
}

// GeneratePassword returns a random password for bootstrap.
func GeneratePassword() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
