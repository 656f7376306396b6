package bench

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// BenchmarkWebUI measures the web UI's two busiest pages — the RFC list
// (a page of 50) and an RFC's page — against the JSON API's own answers
// for the same data, through the same running service, in the same run,
// with 8 concurrent closed-loop clients (CHANGEBOARD_BENCH_CLIENTS
// changes it). Each side runs twice, interleaved (API, UI, API, UI), for
// CHANGEBOARD_BENCH_SECONDS (default 1) each, so that drift falls on both.
// Reported: req/s and p99 of each side and ui/api, the page's rate as a
// share of the API's (the target is at least 0.5). It ignores b.N:
//
//	go test -run '^$' -bench WebUI -benchtime 1x ./bench/
//
// The RFC page does more than GET /api/v1/changes/{id}: it also reads the
// votes, the history and the user names, which the API serves as separate
// requests. detail-vs-get compares the page with the one GET;
// detail-vs-same-data with the three API requests a client makes for the
// same data (the RFC, its votes, its history), one after the other.
func BenchmarkWebUI(b *testing.B) {
	dur := time.Second
	if s, err := strconv.ParseFloat(os.Getenv("CHANGEBOARD_BENCH_SECONDS"), 64); err == nil && s > 0 {
		dur = time.Duration(s * float64(time.Second))
	}
	clients := 8
	if n, err := strconv.Atoi(os.Getenv("CHANGEBOARD_BENCH_CLIENTS")); err == nil && n > 0 {
		clients = n
	}
	for _, d := range storetest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			s := apitest.New(b, d, nil)
			_, tok := s.MustUser(b, "rita", "requester")
			var first string
			for i := 0; i < 60; i++ {
				res := s.Do(b, apitest.Request{Method: "POST", Path: "/api/v1/changes", Token: tok, Body: map[string]any{
					"title": fmt.Sprintf("Patch %d", i), "reason": "CVE fixes", "implementation_plan": "apt-get upgrade",
					"backout_plan": "apt-get install old", "test_plan": "smoke tests"}})
				if res.Status != http.StatusCreated {
					b.Fatalf("create: %d %s", res.Status, res.Body)
				}
				if i == 0 {
					var r struct{ ID string }
					res.JSON(b, &r)
					first = r.ID
				}
			}
			jar := uiLogin(b, s.URL, "rita", apitest.UserPassword)
			for _, op := range []struct {
				name string
				api  []string // the API requests that fetch the page's data
				ui   string
			}{
				{"list-50", []string{"/api/v1/changes?limit=50"}, "/ui/changes"},
				{"detail-vs-get", []string{"/api/v1/changes/" + first}, "/ui/changes/" + first},
				{"detail-vs-same-data", []string{"/api/v1/changes/" + first, "/api/v1/changes/" + first + "/votes",
					"/api/v1/changes/" + first + "/history"}, "/ui/changes/" + first},
			} {
				b.Run(op.name, func(b *testing.B) {
					api := func() []*http.Request {
						var out []*http.Request
						for _, p := range op.api {
							r, _ := http.NewRequest("GET", s.URL+p, nil)
							r.Header.Set("Authorization", "Bearer "+tok)
							out = append(out, r)
						}
						return out
					}
					ui := func() []*http.Request {
						r, _ := http.NewRequest("GET", s.URL+op.ui, nil)
						return []*http.Request{r}
					}
					var a, u load
					for range 2 {
						a.add(closedLoop(b, clients, dur, nil, api))
						u.add(closedLoop(b, clients, dur, jar, ui))
					}
					ar, ur := a.rate(), u.rate()
					b.ReportMetric(0, "ns/op")
					b.ReportMetric(ar, "api_req/s")
					b.ReportMetric(ur, "ui_req/s")
					b.ReportMetric(ur/ar, "ui/api")
					b.ReportMetric(ms(a.p99()), "api_p99_ms")
					b.ReportMetric(ms(u.p99()), "ui_p99_ms")
					fmt.Printf("%-8s %-8s clients=%d  api %7.0f req/s p99 %6.1f ms   ui %7.0f req/s p99 %6.1f ms   ui/api %.2f\n",
						d, op.name, clients, ar, ms(a.p99()), ur, ms(u.p99()), ur/ar)
				})
			}
		})
	}
}

// load is the latencies of one side and the time it ran.
type load struct {
	lat []time.Duration
	ran time.Duration
}

func (l *load) add(o load) { l.lat = append(l.lat, o.lat...); l.ran += o.ran }

func (l load) rate() float64 { return float64(len(l.lat)) / l.ran.Seconds() }

func (l load) p99() time.Duration {
	s := slices.Clone(l.lat)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)*99/100]
}

// closedLoop runs clients that each send the next request when the last
// has answered, for dur, and fails on any answer but 200. One load is
// the requests req returns, sent one after the other, as one page's.
func closedLoop(b *testing.B, clients int, dur time.Duration, jar http.CookieJar, req func() []*http.Request) load {
	b.Helper()
	var mu sync.Mutex
	var out load
	var wg sync.WaitGroup
	var failed string
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			var mine []time.Duration
			for time.Since(start) < dur {
				t0 := time.Now()
				for _, r := range req() {
					res, err := c.Do(r)
					if err != nil {
						failed = err.Error()
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK || res.Request.URL.Path == "/ui/login" {
						failed = fmt.Sprintf("%s: %d", res.Request.URL, res.StatusCode)
						return
					}
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			out.lat = append(out.lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.ran = time.Since(start)
	if failed != "" {
		b.Fatal(failed)
	}
	return out
}

var benchCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// uiLogin logs in through the login form and returns the cookie jar.
func uiLogin(b *testing.B, base, user, password string) http.CookieJar {
	b.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(base + "/ui/login")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := benchCSRF.FindSubmatch(body)
	if m == nil {
		b.Fatal("no CSRF token on the login page")
	}
	req, _ := http.NewRequest("POST", base+"/ui/login", strings.NewReader(url.Values{
		"username": {user}, "password": {password}, "csrf": {string(m[1])}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err = c.Do(req); err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/ui/" {
		b.Fatalf("login ended at %s", res.Request.URL.Path)
	}
	return jar
}
