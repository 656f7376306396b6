package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/errs"
)

// TestContextErrorsAreProblems: a request its client cancelled is a 499,
// not a 500; a deadline run out or an unreachable database is a 503 with
// Retry-After.
func TestContextErrorsAreProblems(t *testing.T) {
	e := echo.New()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for name, tc := range map[string]struct {
		ctx  context.Context
		err  error
		code errs.Code
	}{
		"Cancelled":   {cancelled, errors.New("driver: " + context.Canceled.Error()), errs.ClientClosed},
		"Deadline":    {context.Background(), context.DeadlineExceeded, errs.Unavailable},
		"Unreachable": {context.Background(), &net.OpError{Op: "dial", Err: errors.New("connection refused")}, errs.Unavailable},
		"Domain":      {cancelled, errs.E(errs.Conflict, "x"), errs.Conflict},
		"Other":       {context.Background(), errors.New("boom"), errs.Internal},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(tc.ctx)
		c := e.NewContext(req, httptest.NewRecorder())
		got := classifyContextError(c, tc.err)
		if errs.CodeOf(got) != tc.code {
			t.Errorf("%s: %v, want %s", name, got, tc.code)
		}
		if de, ok := asDomain(got); ok && tc.code == errs.Unavailable && de.RetryAfterSeconds == 0 {
			t.Errorf("%s: no Retry-After", name)
		}
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(cancelled)
	errorHandler(discardLog())(errors.New("context canceled"), e.NewContext(req, rec))
	if rec.Code != 499 {
		t.Errorf("cancelled answered %d", rec.Code)
	}
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestDeadlineEndsBeforeTheErrorHandler: the deadline's own cancellation is
// not taken for the client's.
func TestDeadlineEndsBeforeTheErrorHandler(t *testing.T) {
	e := echo.New()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	err := requestDeadline(time.Minute)(func(c echo.Context) error {
		if _, ok := c.Request().Context().Deadline(); !ok {
			t.Error("no deadline")
		}
		return errors.New("boom")
	})(c)
	if got := classifyContextError(c, err); errs.CodeOf(got) != errs.Internal {
		t.Fatalf("%v", got)
	}
}
