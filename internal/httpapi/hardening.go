package httpapi

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/changeboard/changeboard/internal/errs"
)

// MaxQueryValues bounds the query parameters of one request, repeated
// ones counted each time: no list takes more than a dozen, and every one
// of them costs work.
const MaxQueryValues = 50

// boundQuery refuses a request with more than MaxQueryValues query values
// before any handler sees it.
func boundQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		n := 0
		for _, vs := range c.QueryParams() {
			n += len(vs)
		}
		if n > MaxQueryValues {
			return errs.Field("query", fmt.Sprintf("at most %d query parameters", MaxQueryValues))
		}
		return next(c)
	}
}

// metricsConfig labels the HTTP series by route template, method and
// status only: the library's defaults add the Host header and, for an
// unknown route, the request's path, both chosen by the client, so that
// each new value was a new series kept for ever.
func metricsConfig(reg prometheus.Registerer) echoprometheus.MiddlewareConfig {
	return echoprometheus.MiddlewareConfig{
		Namespace: "changeboard", Subsystem: "http", Registerer: reg,
		DoNotUseRequestPathFor404: true,
		LabelFuncs: map[string]echoprometheus.LabelValueFunc{
			"host": func(echo.Context, error) string { return "" },
			"method": func(c echo.Context, _ error) string {
				if m := c.Request().Method; knownMethods[m] {
					return m
				}
				return "OTHER"
			},
			"url": func(c echo.Context, _ error) string {
				if c.Path() == "" {
					return "unmatched"
				}
				return strings.ToValidUTF8(c.Path(), "\uFFFD")
			},
		},
	}
}

var knownMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true}

// dbRetryAfter is the Retry-After of an answer the database could not give.
const dbRetryAfter = 5

// classifyContextError turns the errors of a request cut short into what
// happened: the client gave up (499, not a server error), or the request
// ran out of its deadline or found the database unreachable (503 with
// Retry-After).
func classifyContextError(c echo.Context, err error) error {
	if _, isDomain := asDomain(err); isDomain && !errs.Is(err, errs.Internal) {
		return err
	}
	ctx := c.Request().Context()
	switch {
	case errors.Is(ctx.Err(), context.Canceled) || errors.Is(err, context.Canceled):
		return errs.Wrap(errs.ClientClosed, err, "the client closed the request")
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return &errs.Error{Code: errs.Unavailable, Message: "the request took longer than its deadline; try again later", RetryAfterSeconds: dbRetryAfter}
	case unreachable(err):
		return &errs.Error{Code: errs.Unavailable, Message: "the database is unavailable; try again later", RetryAfterSeconds: dbRetryAfter}
	}
	return err
}

func asDomain(err error) (*errs.Error, bool) {
	var e *errs.Error
	return e, errors.As(err, &e)
}

// unreachable reports a database that cannot be reached or refuses work
// for now: no connection, the server shutting down, a statement timeout
// or too many connections (SQLSTATE classes 08, 57 and 53).
func unreachable(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		switch s := state.SQLState(); {
		case strings.HasPrefix(s, "08"), strings.HasPrefix(s, "57"), strings.HasPrefix(s, "53"):
			return true
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "failed to connect") || strings.Contains(msg, "connection refused") ||
		strings.Contains(msg, "database is locked")
}

// requestDeadline bounds every request's work, its database waits
// included, by timeout.
func requestDeadline(timeout time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if timeout <= 0 {
				return next(c)
			}
			parent := c.Request().Context()
			ctx, cancel := context.WithTimeout(parent, timeout)
			c.SetRequest(c.Request().WithContext(ctx))
			defer func() {
				// The error handler runs after this returns: it must see
				// the client's context, not the one cancelled here.
				c.SetRequest(c.Request().WithContext(parent))
				cancel()
			}()
			return next(c)
		}
	}
}

// maxClientRequestID bounds the client's X-Request-Id kept for
// correlation.
const maxClientRequestID = 128

var clientRequestIDChars = regexp.MustCompile(`^[A-Za-z0-9._:/+=-]+$`)

// serverRequestID gives every request an id of the server's own (a
// client's id could be long, reused or not even UTF-8, and the audit trail
// stores it). A valid client id is kept apart, for correlation only, in
// the log and in X-Correlation-Id.
func serverRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		cid := clientCorrelationID(c.Request())
		id := newRequestID()
		c.Request().Header.Set(echo.HeaderXRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		if cid != "" {
			c.Set(correlationKey, cid)
			c.Response().Header().Set("X-Correlation-Id", cid)
		}
		return next(c)
	}
}

const correlationKey = "changeboard.correlation_id"

func clientCorrelationID(r *http.Request) string {
	for _, h := range []string{"X-Correlation-Id", echo.HeaderXRequestID} {
		if v := r.Header.Get(h); v != "" && len(v) <= maxClientRequestID && clientRequestIDChars.MatchString(v) {
			return v
		}
	}
	return ""
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// securityHeaders sets what every answer needs: no content sniffing, no
// referrer, no framing; API answers are never cached and may load nothing. HSTS only when the service is known to be on TLS.
func securityHeaders(hsts bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("X-Frame-Options", "DENY")
			if strings.HasPrefix(c.Request().URL.Path, "/api/") {
				h.Set("Cache-Control", "no-store")
				h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
			} else {
				// Pages: no framing; their own policy for scripts and
				// styles is the web UI's to set.
				h.Set("Content-Security-Policy", "frame-ancestors 'none'")
			}
			if hsts {
				h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			}
			return next(c)
		}
	}
}

// ipExtractor believes X-Forwarded-For only from the configured proxies;
// with none, the socket's address is the caller's.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		_, n, err := net.ParseCIDR(p.String())
		if err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// methodAware answers 405 with Allow where echo answers 404 because a
// group's catch-all route took the path: when another method serves the
// path, the method is what is wrong.
func methodAware(e *echo.Echo, next echo.HTTPErrorHandler) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		var he *echo.HTTPError
		if errors.As(err, &he) && he.Code == http.StatusNotFound {
			if allow := allowedMethods(e, c.Request()); len(allow) > 0 {
				c.Response().Header().Set(echo.HeaderAllow, strings.Join(allow, ", "))
				err = echo.ErrMethodNotAllowed
			}
		}
		next(err, c)
	}
}

func allowedMethods(e *echo.Echo, r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		c := e.NewContext(r, nil)
		e.Router().Find(m, r.URL.Path, c)
		if p := c.Path(); p != "" && !strings.HasSuffix(p, "/*") {
			allow = append(allow, m)
		}
	}
	return allow
}
