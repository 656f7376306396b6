package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/errs"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail,omitempty"`
	Instance string         `json:"instance,omitempty"`
	Errors   []FieldProblem `json:"errors,omitempty"`
	// MoreErrors counts the field errors left out of Errors (at most
	// errs.MaxFieldErrors are listed).
	MoreErrors int `json:"more_errors,omitempty"`
}

// FieldProblem names one input field and what is wrong with it.
type FieldProblem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// codeOfStatus maps echo's own errors (unknown route, body too large…)
// back into the domain's codes.
var codeOfStatus = map[int]errs.Code{
	http.StatusBadRequest:            errs.Invalid,
	http.StatusUnauthorized:          errs.Unauthenticated,
	http.StatusForbidden:             errs.Forbidden,
	http.StatusNotFound:              errs.NotFound,
	http.StatusMethodNotAllowed:      errs.MethodNotAllowed,
	http.StatusRequestEntityTooLarge: errs.TooLarge,
	http.StatusUnsupportedMediaType:  errs.Invalid,
	http.StatusServiceUnavailable:    errs.Unavailable,
	http.StatusTooManyRequests:       errs.TooManyRequests,
}

const problemTypePrefix = "urn:changeboard:problem:"

// errorHandler writes every error as problem+json. Anything that is not a
// domain error is logged with the request id and shown as "internal error".
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		err = classifyContextError(c, err)
		p := toProblem(err)
		p.Instance = requestID(c)
		if p.Status == 499 || p.Status == http.StatusServiceUnavailable {
			log.Warn("request not served", "request_id", p.Instance, "method", c.Request().Method,
				"path", c.Path(), "status", p.Status, "why", p.Detail)
		} else if p.Status >= 500 {
			log.Error("request failed", "request_id", p.Instance, "method", c.Request().Method,
				"path", c.Path(), "err", err.Error())
		}
		var e *errs.Error
		if errors.As(err, &e) && e.RetryAfterSeconds > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
		}
		if p.Status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="changeboard"`)
		}
		_ = writeJSON(c, p.Status, "application/problem+json", p)
	}
}

func toProblem(err error) Problem {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, ok := codeOfStatus[he.Code]
		if !ok {
			code = errs.Internal
		}
		detail := http.StatusText(he.Code)
		if code == errs.Internal {
			detail = "internal error"
		}
		p := problem(code, detail)
		if code == errs.TooLarge {
			p.Errors = []FieldProblem{{Field: "body", Reason: "larger than the 1 MiB limit"}}
		}
		return p
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == errs.Internal {
		return problem(errs.Internal, "internal error")
	}
	p := problem(e.Code, e.Message)
	capped := *e
	capped.Cap()
	for _, f := range capped.Fields {
		p.Errors = append(p.Errors, FieldProblem{Field: f.Field, Reason: f.Reason})
	}
	p.MoreErrors = capped.MoreFields
	return p
}

func problem(code errs.Code, detail string) Problem {
	status := errs.StatusOf(code)
	title := http.StatusText(status)
	if code == errs.ClientClosed {
		title = "Client Closed Request"
	}
	return Problem{Type: problemTypePrefix + string(code), Title: title, Status: status, Detail: detail}
}
