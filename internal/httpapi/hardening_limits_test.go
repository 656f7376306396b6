package httpapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/errs"
)

// cappedProblem is a problem with the count of the field errors not listed.
type cappedProblem struct {
	Status     int `json:"status"`
	Errors     []struct{ Field, Reason string }
	MoreErrors int `json:"more_errors"`
}

func mustCapped(t *testing.T, res apitest.Response, status int) cappedProblem {
	t.Helper()
	res.Problem(t)
	var p cappedProblem
	res.JSON(t, &p)
	if p.Status != status {
		t.Fatalf("status %d, want %d: %.300s", p.Status, status, res.Body)
	}
	if len(p.Errors) > errs.MaxFieldErrors {
		t.Fatalf("%d field errors listed, want at most %d", len(p.Errors), errs.MaxFieldErrors)
	}
	return p
}

// TestOneRequestCannotExhaustTheServer sends the inputs that grew the work
// or the answer with the square of their size.
func TestOneRequestCannotExhaustTheServer(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCatalog(t, s)
		t.Run("ErrDuplicateCVEsLinear", func(t *testing.T) {
			// 1,000 identical entries gave 499,500 errors (29.5 MB) before.
			cves := make([]map[string]string, 1000)
			for i := range cves {
				cves[i] = map[string]string{"id": "CVE-2024-3094"}
			}
			res := e.do(t, e.cm, "POST", "/api/v1/updates", map[string]any{"vendor_id": "KB1", "title": "t", "cves": cves})
			p := mustCapped(t, res, http.StatusBadRequest)
			if len(res.Body) > 64<<10 {
				t.Errorf("answer of %d bytes", len(res.Body))
			}
			if got := len(p.Errors) + p.MoreErrors; got != 999 {
				t.Errorf("%d errors, want one per repeated entry (999)", got)
			}
		})
		t.Run("ErrListOverCapBeforeElements", func(t *testing.T) {
			cves := make([]map[string]string, 4000)
			for i := range cves {
				cves[i] = map[string]string{"id": "CVE-2024-3094"}
			}
			res := e.do(t, e.cm, "POST", "/api/v1/updates", map[string]any{"vendor_id": "KB1", "title": "t", "cves": cves})
			p := mustCapped(t, res, http.StatusBadRequest)
			if len(p.Errors) != 1 || p.Errors[0].Field != "cves" || p.MoreErrors != 0 {
				t.Errorf("want only the cap named: %+v", p)
			}
		})
		t.Run("ErrManyBadRolesCapped", func(t *testing.T) {
			roles := make([]string, 100000)
			for i := range roles {
				roles[i] = fmt.Sprintf("r%d", i)
			}
			res := e.do(t, e.admin, "POST", "/api/v1/tokens", map[string]any{"name": "n", "roles": roles, "expires_at": "2099-01-01T00:00:00Z"})
			p := mustCapped(t, res, http.StatusBadRequest)
			if len(res.Body) > 16<<10 || !strings.Contains(string(res.Body), "at most 20") {
				t.Errorf("answer of %d bytes: %.300s", len(res.Body), res.Body)
			}
			_ = p
		})
		t.Run("ErrDraftOverCapBeforeElements", func(t *testing.T) {
			ids := make([]string, 100000)
			for i := range ids {
				ids[i] = "x"
			}
			res := e.do(t, e.requester, "POST", "/api/v1/changes/draft-from-updates", map[string]any{"update_ids": ids})
			p := mustCapped(t, res, http.StatusBadRequest)
			if len(p.Errors) != 1 || p.Errors[0].Field != "update_ids" {
				t.Errorf("want only the cap named: %+v", p)
			}
		})
		t.Run("ErrDraftDuplicatesLinear", func(t *testing.T) {
			ids := make([]string, 100)
			for i := range ids {
				ids[i] = "x"
			}
			res := e.do(t, e.requester, "POST", "/api/v1/changes/draft-from-updates", map[string]any{"update_ids": ids})
			p := mustCapped(t, res, http.StatusBadRequest)
			if got := len(p.Errors) + p.MoreErrors; got != 99 {
				t.Errorf("%d errors, want 99", got)
			}
		})
	})
}

// TestFieldErrorsCapped holds the one cap of every error list.
func TestFieldErrorsCapped(t *testing.T) {
	var f errs.Fields
	for i := 0; i < 250; i++ {
		f.Add(fmt.Sprintf("f%03d", i), "bad")
	}
	var e *errs.Error
	if !errorsAs(f.Err(), &e) || len(e.Fields) != errs.MaxFieldErrors || e.MoreFields != 150 {
		t.Fatalf("%d listed, %d more", len(e.Fields), e.MoreFields)
	}
}

func errorsAs(err error, target **errs.Error) bool { return errors.As(err, target) }
