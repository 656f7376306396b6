package auth

import (
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/errs"
)

// Token kinds, carried in the "typ" claim.
const (
	kindUser = "user"
	kindAPI  = "api"
)

// signingMethod is pinned: a token that names any other algorithm,
// including "none", is refused before its signature is looked at.
var signingMethod = jwt.SigningMethodHS256

type claims struct {
	jwt.RegisteredClaims
	Kind string `json:"typ"`
}

// Signer issues and checks the service's JWTs.
type Signer struct {
	key      []byte
	issuer   string
	audience string
}

// NewSigner returns a signer with a symmetric key shared by all replicas.
func NewSigner(key []byte, issuer, audience string) *Signer {
	return &Signer{key: key, issuer: issuer, audience: audience}
}

func (s *Signer) sign(subject, kind, id string, now, expires time.Time) (string, error) {
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   subject,
			Audience:  jwt.ClaimStrings{s.audience},
			ExpiresAt: jwt.NewNumericDate(expires),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ID:        id,
		},
		Kind: kind,
	}
	return jwt.NewWithClaims(signingMethod, c).SignedString(s.key)
}

func newID() string { return uuid.NewString() }

// parse checks signature, algorithm, issuer, audience and the presence of
// exp, iat and jti.
func (s *Signer) parse(raw string, now time.Time) (claims, error) {
	var c claims
	_, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{signingMethod.Alg()}),
		jwt.WithIssuer(s.issuer),
		jwt.WithAudience(s.audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(30*time.Second),
	)
	if err != nil {
		return c, errs.Wrap(errs.Unauthenticated, err, reason(err))
	}
	if c.IssuedAt == nil || c.ID == "" || c.Subject == "" || (c.Kind != kindUser && c.Kind != kindAPI) {
		return c, errs.E(errs.Unauthenticated, "token lacks iat, jti, sub or typ")
	}
	return c, nil
}

// reason turns jwt's errors into a message that helps a client without
// helping an attacker more than the standard says.
func reason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "token lacks a required claim"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "token was not issued for this service"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "token signature is invalid"
	default:
		return "token is invalid"
	}
}
