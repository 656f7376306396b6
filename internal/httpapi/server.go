// Package httpapi is the REST API: one route table, the middleware, and
// handlers that decode, call a use case and encode. Handlers never touch
// the database and never choose a status for a domain error.
package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/evidence"
	"github.com/changeboard/changeboard/internal/idempotency"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/release"
	"github.com/changeboard/changeboard/internal/schedule"
)

// Deps are the use cases and settings the API serves.
type Deps struct {
	Auth        *auth.Service
	Audit       *audit.Service
	Evidence    *evidence.Service
	Change      *change.Service
	CMDB        *cmdb.Service
	Catalog     *catalog.Service
	Schedule    *schedule.Service
	Release     *release.Service
	Idempotency idempotency.Store
	// Ready reports whether the service can take work (database reachable,
	// migrations applied).
	Ready         func(ctx context.Context) error
	Log           *slog.Logger
	PublicMetrics bool
	OpenAPI       []byte
	TokenTTL      time.Duration
	// Edge is what the edge trusts (proxies, TLS) and how long a request
	// may work.
	Edge config.Edge
}

// BodyLimit is the largest request body accepted.
const BodyLimit = "1MiB"

type handlers struct{ Deps }

// New returns the echo server with every route and middleware.
func New(d Deps) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = methodAware(e, errorHandler(d.Log))
	// The address a proxy reports is only trusted from the configured
	// proxies; elsewhere the socket's address counts.
	e.IPExtractor = ipExtractor(d.Edge.TrustedProxies)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	e.Use(
		middleware.RecoverWithConfig(middleware.RecoverConfig{
			DisablePrintStack: true,
			LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
				d.Log.Error("panic", "request_id", requestID(c), "err", err.Error(), "stack", string(stack))
				return err
			},
		}),
		serverRequestID,
		securityHeaders(d.Edge.HSTS),
		accessLog(d.Log),
		echoprometheus.NewMiddlewareWithConfig(metricsConfig(reg)),
		// largeBodyRoutes (the CSAF import, documents of several MiB) skip
		// this limit and set a larger one of their own.
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: BodyLimit,
			Skipper: func(c echo.Context) bool { return largeBodyRoutes[c.Request().Method+" "+c.Path()] }}),
		requestInfo,
		requestDeadline(d.Edge.RequestTimeout),
		boundQuery,
		checkRequestText,
	)
	h := handlers{d}
	e.GET("/healthz", h.healthz)
	e.GET("/readyz", h.readyz)
	metrics := echoprometheus.NewHandlerWithConfig(echoprometheus.HandlerConfig{Gatherer: reg})
	if d.PublicMetrics {
		e.GET("/metrics", metrics)
	} else {
		e.GET("/metrics", metrics, h.authenticate)
	}
	e.GET("/api/openapi.yaml", h.openapi)
	e.POST("/api/v1/auth/login", h.login)

	known, err := loadQueryParams(d.OpenAPI)
	if err != nil {
		panic(err) // the embedded description is checked by the tests
	}
	v1 := e.Group("/api/v1", h.authenticate, knownQuery(known))
	v1.GET("/me", h.me)
	v1.GET("/tokens", h.listTokens)
	v1.POST("/tokens", h.createToken)
	v1.DELETE("/tokens/:id", h.revokeToken)
	v1.GET("/users", h.listUsers)
	v1.GET("/directory", h.directory)
	v1.POST("/users", h.createUser)
	v1.GET("/users/:id", h.getUser)
	v1.PATCH("/users/:id", h.updateUser)
	v1.GET("/audit/events", h.listAuditEvents)
	v1.GET("/audit/verify", h.verifyAudit)
	h.auditRoutes(v1)
	h.evidenceRoutes(v1)

	v1.GET("/workflows/rfc", h.rfcWorkflow)
	v1.GET("/changes", h.listRFCs)
	v1.POST("/changes", h.createRFC, h.idempotent)
	v1.GET("/changes/:id", h.getRFC)
	v1.PATCH("/changes/:id", h.patchRFC)
	v1.POST("/changes/:id/transitions", h.transitionRFC)
	v1.POST("/changes/:id/retro-review", h.retroReview)
	v1.GET("/changes/:id/votes", h.listVotes)
	v1.POST("/changes/:id/votes", h.voteRFC, h.idempotent)
	v1.GET("/changes/:id/history", h.rfcHistory)
	v1.GET("/changes/:id/baseline", h.rfcBaseline)
	v1.GET("/me/approvals", h.myApprovals)
	v1.GET("/boards", h.listBoards)
	v1.POST("/boards", h.createBoard, h.idempotent)
	v1.GET("/boards/:id", h.getBoard)
	v1.PATCH("/boards/:id", h.updateBoard)
	v1.GET("/change-templates", h.listTemplates)
	v1.POST("/change-templates", h.createTemplate, h.idempotent)
	v1.GET("/change-templates/:id", h.getTemplate)
	v1.POST("/change-templates/:id/approve", h.approveTemplate)
	v1.GET("/cab-meetings", h.listMeetings)
	v1.POST("/cab-meetings", h.createMeeting, h.idempotent)
	v1.GET("/cab-meetings/:id", h.getMeeting)
	v1.PUT("/cab-meetings/:id/attendance", h.meetingAttendance)
	v1.POST("/cab-meetings/:id/close", h.closeMeeting)
	h.cmdbRoutes(v1)
	h.catalogRoutes(v1)
	h.scheduleRoutes(e, v1)
	h.releaseRoutes(v1)
	return e
}

// NewHTTPServer wraps handler with the server timeouts.
func NewHTTPServer(addr string, handler http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

func requestID(c echo.Context) string {
	if id := c.Response().Header().Get(echo.HeaderXRequestID); id != "" {
		return id
	}
	return c.Request().Header.Get(echo.HeaderXRequestID)
}

// requestInfo puts the request id and caller address where the audit
// trail finds them.
func requestInfo(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ip := c.RealIP()
		if host, _, err := net.SplitHostPort(ip); err == nil {
			ip = host
		}
		ctx := audit.WithRequest(c.Request().Context(), audit.RequestInfo{ID: requestID(c), SourceIP: ip})
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

func accessLog(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true,
		LogRemoteIP: true, LogResponseSize: true,
		// Let the error handler write the problem first, so that the
		// logged status is the one sent.
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("request_id", v.RequestID), slog.String("method", v.Method),
				slog.String("path", v.URIPath), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency), slog.String("remote_ip", v.RemoteIP),
				slog.Int64("bytes", v.ResponseSize), slog.Any("correlation_id", c.Get(correlationKey)))
			return nil
		},
	})
}

const actorKey = "changeboard.actor"

// authenticate requires a valid bearer token and puts its actor in the
// context.
func (h handlers) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// The scheme is case-insensitive (RFC 9110 §11.1).
		scheme, raw, found := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
			return errs.E(errs.Unauthenticated, "a bearer token is required")
		}
		actor, err := h.Auth.Authenticate(c.Request().Context(), strings.TrimSpace(raw))
		if err != nil {
			return err
		}
		c.Set(actorKey, actor)
		return next(c)
	}
}

func actorOf(c echo.Context) identity.Actor {
	a, _ := c.Get(actorKey).(identity.Actor)
	return a
}

func (h handlers) healthz(c echo.Context) error {
	return ok(c, http.StatusOK, map[string]string{"status": "ok"})
}

func (h handlers) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	if err := h.Ready(ctx); err != nil {
		h.Log.Warn("not ready", "err", err.Error())
		return errs.E(errs.Unavailable, "not ready: %v", errs.CodeOf(err))
	}
	return ok(c, http.StatusOK, map[string]string{"status": "ready"})
}

func (h handlers) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", h.OpenAPI)
}
