package httpapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/httpapi"
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

// TestAttributeFiltersBounded: 200 filters cost 33 s of PostgreSQL CPU;
// now at most cmdb.MaxAttributeFilters, all in one indexed test.
func TestAttributeFiltersBounded(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newCMDB(t, s)
		attrs := map[string]string{}
		for i := 0; i < cmdb.MaxAttributeFilters; i++ {
			attrs[fmt.Sprintf("k%d", i)] = fmt.Sprintf("v%d", i)
		}
		e.mustCI(t, "all-ten", "low", map[string]any{"attributes": attrs})
		e.mustCI(t, "only-k0", "low", map[string]any{"attributes": map[string]string{"k0": "v0", "other": "x"}})
		query := func(n int) string {
			q := url.Values{}
			for i := 0; i < n; i++ {
				q.Add("attribute", fmt.Sprintf("k%d=v%d", i%cmdb.MaxAttributeFilters, i%cmdb.MaxAttributeFilters))
			}
			return "/api/v1/cis?" + q.Encode()
		}
		for n, want := range map[int][]string{1: {"all-ten", "only-k0"}, 2: {"all-ten"}, cmdb.MaxAttributeFilters: {"all-ten"}} {
			res := e.do(t, e.cm, "GET", query(n), nil)
			var page struct{ Items []ciOut }
			res.JSON(t, &page)
			var got []string
			for _, c := range page.Items {
				got = append(got, c.Name)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%d filters: %v, want %v", n, got, want)
			}
		}
		if p := e.do(t, e.cm, "GET", query(cmdb.MaxAttributeFilters+1), nil).Problem(t); p.Status != 400 || !p.HasField("attribute") || len(p.Errors) != 1 {
			t.Errorf("11 filters: %+v", p)
		}
		if p := e.do(t, e.cm, "GET", query(200), nil).Problem(t); p.Status != 400 || len(p.Errors) != 1 {
			t.Errorf("200 filters: %+v", p)
		}
		res := e.do(t, e.cm, "POST", "/api/v1/ci-groups", map[string]any{"name": "g", "kind": "dynamic",
			"filter": map[string]any{"attributes": map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6", "g": "7", "h": "8", "i": "9", "j": "10", "k": "11"}}})
		if p := res.Problem(t); p.Status != 400 || !p.HasField("filter.attributes") {
			t.Errorf("group of 11 attributes: %+v", p)
		}
	})
}

func TestQueryValuesBounded(t *testing.T) {
	s := apitest.New(t, config.SQLite, nil)
	q := url.Values{}
	for i := 0; i <= httpapi.MaxQueryValues; i++ {
		q.Add("state", "draft")
	}
	res := s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/changes?" + q.Encode(), Token: s.Admin})
	if p := res.Problem(t); p.Status != 400 || !p.HasField("query") {
		t.Fatalf("%+v", p)
	}
}

// TestMetricsLabelsBounded: new Host values and unknown paths grew the
// metrics for ever.
func TestMetricsLabelsBounded(t *testing.T) {
	s := apitest.New(t, config.SQLite, nil)
	get := func(host, path, method string) {
		req, _ := http.NewRequest(method, s.URL+path, nil)
		req.Host = host
		req.Header.Set("Authorization", "Bearer "+s.Admin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	metrics := func() string {
		res := s.Do(t, apitest.Request{Method: "GET", Path: "/metrics", Token: s.Admin})
		return string(res.Body)
	}
	for i := 0; i < 5; i++ {
		get(fmt.Sprintf("warm-%d.example", i), fmt.Sprintf("/nowhere-%d", i), "BREW")
		get("x.example", "/healthz", "GET")
	}
	metrics()
	before := metrics()
	for i := 0; i < 200; i++ {
		get(fmt.Sprintf("h%d.example", i), fmt.Sprintf("/nowhere/%d", i), fmt.Sprintf("M%d", i))
		get(fmt.Sprintf("h%d.example", i), "/healthz", "GET")
	}
	after := metrics()
	if strings.Contains(after, "h7.example") || strings.Contains(after, "/nowhere/7") || strings.Contains(after, "M7") {
		t.Fatalf("client-chosen values in the labels")
	}
	if n, m := strings.Count(before, "\n"), strings.Count(after, "\n"); n != m {
		t.Fatalf("the metrics grew from %d to %d lines:\n%s", n, m, after)
	}
}
