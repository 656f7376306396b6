// Package apitest runs the whole service over real HTTP against a real
// database for end-to-end tests, and checks every response against the
// OpenAPI description.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"golang.org/x/crypto/bcrypt"

	"github.com/changeboard/changeboard/api"
	"github.com/changeboard/changeboard/internal/app"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// AdminPassword is the bootstrap admin's password in tests.
const AdminPassword = "admin-password-for-tests"

// Server is one running service.
type Server struct {
	URL    string
	App    *app.App
	Admin  string // an admin's bearer token
	router routers.Router
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

// Spec loads and validates api/openapi.yaml once.
func Spec() (*openapi3.T, routers.Router, error) {
	specOnce.Do(func() {
		// The workbench's streamed formats are checked as opaque bodies:
		// their content is checked by the tests that read them.
		for _, ct := range []string{"application/x-pem-file", "text/csv", "application/x-ndjson", "application/zip"} {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
		}
		var doc *openapi3.T
		doc, specErr = openapi3.NewLoader().LoadFromData(api.OpenAPI)
		if specErr != nil {
			return
		}
		if specErr = doc.Validate(context.Background()); specErr != nil {
			return
		}
		specRouter, specErr = gorillamux.NewRouter(doc)
	})
	if specErr != nil {
		return nil, nil, specErr
	}
	doc, _ := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	return doc, specRouter, nil
}

// Each runs fn once per database under test, with a fresh service.
func Each(t *testing.T, fn func(t *testing.T, s *Server)) {
	t.Helper()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, New(t, d, nil)) })
	}
}

// New starts the service on a fresh database of dialect d; change, if
// given, adjusts the configuration first.
func New(tb testing.TB, d config.Dialect, change func(*config.Config)) *Server {
	tb.Helper()
	return newServer(tb, d, change, nil)
}

func newServer(tb testing.TB, d config.Dialect, change func(*config.Config), now func() time.Time) *Server {
	tb.Helper()
	_, router, err := Spec()
	if err != nil {
		tb.Fatalf("openapi: %v", err)
	}
	keyDir := tb.TempDir()
	cfg, err := config.Load(nil, func(k string) string {
		switch k {
		case "CHANGEBOARD_AUDIT_KEY_FILE":
			// Outside the database and the package folder, like production.
			return filepath.Join(keyDir, "audit-ed25519.key")
		case "CHANGEBOARD_DATABASE_URL":
			return storetest.MustURL(tb, d)
		case "CHANGEBOARD_ADMIN_PASSWORD":
			return AdminPassword
		}
		return ""
	})
	if err != nil {
		tb.Fatal(err)
	}
	// Workers look for jobs often, so that Drain returns soon.
	cfg.Jobs.PollInterval = 50 * time.Millisecond
	if change != nil {
		change(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(context.Background(), cfg, log, app.Options{BcryptCost: bcrypt.MinCost, Now: now})
	if err != nil {
		tb.Fatalf("app: %v", err)
	}
	tb.Cleanup(func() { _ = a.Close() })
	if err := a.Start(context.Background()); err != nil {
		tb.Fatalf("start: %v", err)
	}
	if _, _, err := a.Auth.Bootstrap(context.Background(), cfg.AdminPassword); err != nil {
		tb.Fatalf("bootstrap: %v", err)
	}
	hs := httptest.NewServer(a.HTTP)
	tb.Cleanup(hs.Close)
	s := &Server{URL: hs.URL, App: a, router: router}
	s.Admin = s.Login(tb, "admin", AdminPassword)
	return s
}

// Response is a response read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Problem is the problem document of an error response.
type Problem struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"errors"`
}

// Problem decodes and checks an error response.
func (r Response) Problem(tb testing.TB) Problem {
	tb.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		tb.Fatalf("status %d: content type %q, want application/problem+json; body %s", r.Status, ct, r.Body)
	}
	var p Problem
	r.JSON(tb, &p)
	if p.Status != r.Status {
		tb.Fatalf("problem status %d != response status %d", p.Status, r.Status)
	}
	return p
}

// HasField reports whether the problem names field.
func (p Problem) HasField(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Request is one request to send.
type Request struct {
	Method string
	Path   string
	Token  string
	// Body is JSON-encoded unless it is a []byte or string, sent as is.
	Body   any
	Header map[string]string
}

// Do sends r and validates the response against the OpenAPI description.
func (s *Server) Do(tb testing.TB, r Request) Response {
	tb.Helper()
	body, ctype := encodeBody(tb, r.Body)
	req, err := http.NewRequest(r.Method, s.URL+r.Path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer res.Body.Close()
	out := Response{Status: res.StatusCode, Header: res.Header}
	if out.Body, err = io.ReadAll(res.Body); err != nil {
		tb.Fatal(err)
	}
	s.validate(tb, req, out)
	return out
}

func encodeBody(tb testing.TB, b any) ([]byte, string) {
	switch b := b.(type) {
	case nil:
		return nil, ""
	case []byte:
		return b, "application/json"
	case string:
		return []byte(b), "application/json"
	}
	raw, err := json.Marshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	return raw, "application/json"
}

// validate checks a response against the description: a documented
// status, its content type and schema. A path the description does not
// know must still answer problem+json.
func (s *Server) validate(tb testing.TB, req *http.Request, res Response) {
	tb.Helper()
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		if res.Status < 400 || res.Header.Get("Content-Type") != "application/problem+json" {
			tb.Fatalf("%s %s is not in the OpenAPI description, and answered %d %s", req.Method, req.URL.Path, res.Status, res.Header.Get("Content-Type"))
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: res.Status, Header: res.Header, Body: io.NopCloser(bytes.NewReader(res.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		tb.Fatalf("%s %s → %d does not match the OpenAPI description: %v\nbody: %s", req.Method, req.URL.Path, res.Status, firstLine(err.Error()), res.Body)
	}
}

func firstLine(s string) string {
	if i := strings.Index(s, "\n"); i > 0 {
		return s[:i]
	}
	return s
}

// Login returns a bearer token for username.
func (s *Server) Login(tb testing.TB, username, password string) string {
	tb.Helper()
	res := s.Do(tb, Request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"username": username, "password": password}})
	if res.Status != http.StatusOK {
		tb.Fatalf("login %s: %d %s", username, res.Status, res.Body)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	res.JSON(tb, &out)
	return out.AccessToken
}

// UserPassword is the password of users made by MustUser.
const UserPassword = "user-password-for-tests"

// MustUser creates a user with roles and returns its id and a token.
func (s *Server) MustUser(tb testing.TB, username string, roles ...string) (id, token string) {
	tb.Helper()
	res := s.Do(tb, Request{Method: "POST", Path: "/api/v1/users", Token: s.Admin, Body: map[string]any{
		"username": username, "roles": roles, "password": UserPassword,
	}})
	if res.Status != http.StatusCreated {
		tb.Fatalf("create user %s: %d %s", username, res.Status, res.Body)
	}
	var u struct {
		ID string `json:"id"`
	}
	res.JSON(tb, &u)
	return u.ID, s.Login(tb, username, UserPassword)
}

// Seal chains every committed audit event now.
func (s *Server) Seal(tb testing.TB) {
	tb.Helper()
	if _, err := s.App.Sealer.SealNow(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// Drain waits until every job due now has been worked (see
// jobs.Runner.Drain): what a test reads next includes their effects.
func (s *Server) Drain(tb testing.TB) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.App.Jobs.Drain(ctx); err != nil {
		tb.Fatalf("drain jobs: %v", err)
	}
}

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// NewWithClock starts the service with the given clock.
func NewWithClock(tb testing.TB, d config.Dialect, clock *Clock) *Server {
	tb.Helper()
	return newServer(tb, d, nil, clock.Now)
}

// Patch sends PATCH path with body as a client that read the record first:
// it GETs path (as the admin) and sends its ETag as If-Match.
func (s *Server) Patch(tb testing.TB, token, path string, body any) Response {
	tb.Helper()
	cur := s.Do(tb, Request{Method: "GET", Path: path, Token: s.Admin})
	if cur.Status != http.StatusOK || cur.Header.Get("ETag") == "" {
		tb.Fatalf("GET %s before PATCH: %d (ETag %q) %s", path, cur.Status, cur.Header.Get("ETag"), cur.Body)
	}
	return s.Do(tb, Request{Method: "PATCH", Path: path, Token: token, Body: body, Header: map[string]string{"If-Match": cur.Header.Get("ETag")}})
}
