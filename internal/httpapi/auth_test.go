package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

var testKey = []byte("0123456789abcdef0123456789abcdef-test-key")

func withKey(c *config.Config) { c.SigningKey = testKey }

func get(t *testing.T, s *apitest.Server, path, token string) apitest.Response {
	t.Helper()
	return s.Do(t, apitest.Request{Method: "GET", Path: path, Token: token})
}

func TestLogin(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		t.Run("OK", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/auth/login",
				Body: map[string]string{"username": "ADMIN", "password": apitest.AdminPassword}})
			var out struct {
				TokenType string `json:"token_type"`
				ExpiresIn int    `json:"expires_in"`
			}
			res.JSON(t, &out)
			if res.Status != 200 || out.TokenType != "Bearer" || out.ExpiresIn != 900 {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
		})
		t.Run("ErrRateLimited", func(t *testing.T) {
			s.MustUser(t, "victim", "requester")
			for i := 0; i < 5; i++ {
				res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/auth/login",
					Body: map[string]string{"username": "victim", "password": "wrong password!"}})
				if p := res.Problem(t); p.Status != 401 {
					t.Fatalf("attempt %d: %d", i, p.Status)
				}
			}
			// Even the right password is refused now.
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/auth/login",
				Body: map[string]string{"username": "victim", "password": apitest.UserPassword}})
			if p := res.Problem(t); p.Status != 429 || res.Header.Get("Retry-After") == "" {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
			var events struct {
				Items []struct {
					Outcome string `json:"outcome"`
					Reason  string `json:"reason"`
				} `json:"items"`
			}
			get(t, s, "/api/v1/audit/events?action=auth.login&entity_id=victim", s.Admin).JSON(t, &events)
			failures := 0
			for _, e := range events.Items {
				if e.Outcome == "failure" {
					failures++
				}
			}
			if failures != 6 {
				t.Fatalf("audited failures = %d, want 6: %+v", failures, events.Items)
			}
		})
	})
}

func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokenForgery(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			s := apitest.New(t, d, withKey)
			uid, _ := s.MustUser(t, "mallory", "requester")
			now := time.Now()
			good := func() jwt.MapClaims {
				return jwt.MapClaims{"iss": "changeboard", "aud": "changeboard-api", "sub": uid, "typ": "user",
					"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "jti": "x"}
			}
			without := func(k string) jwt.MapClaims { c := good(); delete(c, k); return c }
			with := func(k string, v any) jwt.MapClaims { c := good(); c[k] = v; return c }
			if res := get(t, s, "/api/v1/me", sign(t, jwt.SigningMethodHS256, testKey, good())); res.Status != 200 {
				t.Fatalf("control token refused: %d %s", res.Status, res.Body)
			}
			none := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good())
			parts := strings.Split(sign(t, jwt.SigningMethodHS256, testKey, good()), ".")
			cases := map[string]string{
				"alg none":       none,
				"wrong alg":      sign(t, jwt.SigningMethodHS512, testKey, good()),
				"bad signature":  parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
				"other key":      sign(t, jwt.SigningMethodHS256, []byte("another key of thirty-two bytes!!"), good()),
				"expired":        sign(t, jwt.SigningMethodHS256, testKey, with("exp", now.Add(-2*time.Minute).Unix())),
				"missing exp":    sign(t, jwt.SigningMethodHS256, testKey, without("exp")),
				"missing iat":    sign(t, jwt.SigningMethodHS256, testKey, without("iat")),
				"missing jti":    sign(t, jwt.SigningMethodHS256, testKey, without("jti")),
				"wrong iss":      sign(t, jwt.SigningMethodHS256, testKey, with("iss", "someone-else")),
				"wrong aud":      sign(t, jwt.SigningMethodHS256, testKey, with("aud", "other-api")),
				"unknown user":   sign(t, jwt.SigningMethodHS256, testKey, with("sub", "nobody")),
				"unknown api id": sign(t, jwt.SigningMethodHS256, testKey, with("typ", "api")),
				"garbage":        "not.a.token",
			}
			for name, tok := range cases {
				t.Run(name, func(t *testing.T) {
					res := get(t, s, "/api/v1/me", tok)
					if p := res.Problem(t); p.Status != http.StatusUnauthorized {
						t.Fatalf("got %d %s", res.Status, res.Body)
					}
				})
			}
			t.Run("missing header", func(t *testing.T) {
				if res := get(t, s, "/api/v1/me", ""); res.Problem(t).Status != 401 {
					t.Fatalf("got %d", res.Status)
				}
			})
		})
	}
}

type tokenOut struct {
	ID    string   `json:"id"`
	Token string   `json:"token"`
	Roles []string `json:"roles"`
}

func TestAPITokens(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		uid, tok := s.MustUser(t, "pipeline", "release_manager", "requester")
		exp := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
		create := func(token string, body map[string]any) apitest.Response {
			return s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/tokens", Token: token, Body: body})
		}
		t.Run("ErrWiderRoles", func(t *testing.T) {
			res := create(tok, map[string]any{"name": "ci", "roles": []string{"admin"}, "expires_at": exp})
			if p := res.Problem(t); p.Status != 400 || !p.HasField("roles") {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
		})
		t.Run("ErrOtherUserNotAdmin", func(t *testing.T) {
			res := create(tok, map[string]any{"name": "ci", "roles": []string{"requester"}, "expires_at": exp, "user_id": "someone"})
			if res.Problem(t).Status != 403 {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
		})
		var issued tokenOut
		res := create(tok, map[string]any{"name": "ci", "roles": []string{"release_manager"}, "expires_at": exp})
		if res.Status != 201 {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &issued)
		var me struct {
			ID             string   `json:"id"`
			EffectiveRoles []string `json:"effective_roles"`
			TokenID        string   `json:"token_id"`
		}
		get(t, s, "/api/v1/me", issued.Token).JSON(t, &me)
		if me.ID != uid || me.TokenID != issued.ID || fmt.Sprint(me.EffectiveRoles) != "[release_manager]" {
			t.Fatalf("me with API token: %+v", me)
		}
		var list struct{ Items []tokenOut }
		get(t, s, "/api/v1/tokens", tok).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != issued.ID || list.Items[0].Token != "" {
			t.Fatalf("list: %+v", list)
		}
		t.Run("ErrRevokedOnNextRequest", func(t *testing.T) {
			if res := s.Do(t, apitest.Request{Method: "DELETE", Path: "/api/v1/tokens/" + issued.ID, Token: tok}); res.Status != 204 {
				t.Fatalf("revoke: %d %s", res.Status, res.Body)
			}
			if res := get(t, s, "/api/v1/me", issued.Token); res.Problem(t).Status != 401 {
				t.Fatalf("revoked token accepted: %d", res.Status)
			}
		})
		t.Run("ErrOthersTokenHidden", func(t *testing.T) {
			_, other := s.MustUser(t, "nosy", "requester")
			if res := s.Do(t, apitest.Request{Method: "DELETE", Path: "/api/v1/tokens/" + issued.ID, Token: other}); res.Problem(t).Status != 404 {
				t.Fatalf("got %d", res.Status)
			}
		})
	})
}

func TestDisabledUserRefusedOnNextRequest(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		uid, tok := s.MustUser(t, "leaver", "requester")
		if res := get(t, s, "/api/v1/me", tok); res.Status != 200 {
			t.Fatalf("before: %d", res.Status)
		}
		res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/users/" + uid, Token: s.Admin,
			Body: map[string]any{"disabled": true}, Header: map[string]string{"If-Match": `"1"`}})
		if res.Status != 200 || res.Header.Get("ETag") != `"2"` {
			t.Fatalf("disable: %d %s", res.Status, res.Body)
		}
		if res := get(t, s, "/api/v1/me", tok); res.Problem(t).Status != 401 {
			t.Fatalf("disabled user accepted: %d", res.Status)
		}
		t.Run("ErrStaleIfMatch", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/users/" + uid, Token: s.Admin,
				Body: map[string]any{"disabled": false}, Header: map[string]string{"If-Match": `"1"`}})
			if res.Problem(t).Status != 412 {
				t.Fatalf("got %d %s", res.Status, res.Body)
			}
		})
	})
}
