package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// BenchmarkHTTP measures the main operations through the real service —
// the wiring of `changeboard serve` (app.New, the job runner and the
// sealer running), over real HTTP with concurrent closed-loop clients —
// against the bare SQL of the same work run with database/sql on the same
// database in the same run, on SQLite always and on PostgreSQL when
// TEST_DATABASE_URL is set. It prints one table (operation × clients ×
// req/s, p50, p99, SQL statements per request, ratio to bare SQL) and
// reports the ratio as the x_of_bare metric. It ignores b.N: run it with
// -benchtime 1x; CHANGEBOARD_BENCH_SECONDS (default 1) is how long each
// side of each cell runs, CHANGEBOARD_BENCH_CLIENTS (default "1,8,32")
// the client counts.
//
//	go test -run '^$' -bench HTTP -benchtime 1x ./bench/
func BenchmarkHTTP(b *testing.B) {
	dur := time.Second
	if s, err := strconv.ParseFloat(os.Getenv("CHANGEBOARD_BENCH_SECONDS"), 64); err == nil && s > 0 {
		dur = time.Duration(s * float64(time.Second))
	}
	clientCounts := []int{1, 8, 32}
	if v := os.Getenv("CHANGEBOARD_BENCH_CLIENTS"); v != "" {
		clientCounts = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				b.Fatalf("CHANGEBOARD_BENCH_CLIENTS %q: want numbers like 1,8,32", v)
			}
			clientCounts = append(clientCounts, n)
		}
	}
	var table []cell
	for _, d := range storetest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			f := newHTTPFixture(b, d, slices.Max(clientCounts))
			for _, op := range f.ops() {
				for _, clients := range clientCounts {
					b.Run(fmt.Sprintf("%s/clients=%d", op.name, clients), func(b *testing.B) {
						c := f.measure(b, op, clients, dur)
						c.db = string(d)
						table = append(table, c)
						b.ReportMetric(0, "ns/op")
						b.ReportMetric(c.http.rate, "req/s")
						b.ReportMetric(c.bare.rate, "bare_tx/s")
						b.ReportMetric(c.http.rate/c.bare.rate, "x_of_bare")
						b.ReportMetric(float64(c.http.p99.Microseconds())/1000, "p99_ms")
						b.ReportMetric(c.statements, "stmts/req")
					})
				}
			}
		})
	}
	printTable(table)
}

// cell is one operation at one client count on one database.
type cell struct {
	db, op     string
	clients    int
	http, bare result
	statements float64
}

type result struct {
	rate     float64 // operations per second
	p50, p99 time.Duration
}

func printTable(cells []cell) {
	if len(cells) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| db | operation | clients | req/s | p50 ms | p99 ms | SQL/req | bare tx/s | bare p99 ms | x of bare |\n")
	fmt.Fprintf(&b, "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: |\n")
	for _, c := range cells {
		fmt.Fprintf(&b, "| %s | %s | %d | %.0f | %.2f | %.2f | %.1f | %.0f | %.2f | %.2f |\n", c.db, c.op, c.clients,
			c.http.rate, ms(c.http.p50), ms(c.http.p99), c.statements, c.bare.rate, ms(c.bare.p99), c.http.rate/c.bare.rate)
	}
	fmt.Println(b.String())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// httpFixture is a running service over a prefilled database.
type httpFixture struct {
	s       *apitest.Server
	url     string
	client  *http.Client
	db      *store.DB
	dialect config.Dialect
	// statements counts what the service sends to the database.
	statements atomic.Int64
	requester  string // user id
	reqToken   string
	rmToken    string // release manager
	readToken  string // change manager
	cis        []string
	clientCIs  []string // one per client, for its scheduled RFC
	rfcs       []string // prefilled, spread over states, with history
	scheduled  []string // one per client, for the reschedule transition
	number     atomic.Int64
}

// Prefill sizes: enough rows that every read is an index scan of a table
// that does not fit one page.
const (
	prefillRFCs    = 2000 // numbered from 50,000,000, above what the service hands out in a run
	eventsPerRFC   = 5
	listPage       = 50
	benchListState = "awaiting_approval"
)

var prefillStates = []string{"draft", "submitted", "classified", "awaiting_approval", "approved", "scheduled", "closed"}

func newHTTPFixture(b *testing.B, d config.Dialect, maxClients int) *httpFixture {
	b.Helper()
	s := apitest.New(b, d, func(c *config.Config) { c.LogLevel = "error" })
	f := &httpFixture{s: s, db: s.App.DB, dialect: d}
	// The statement counter rides in each request's ctx.
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.App.HTTP.ServeHTTP(w, r.WithContext(store.CountStatements(r.Context(), &f.statements)))
	})
	hs := httptest.NewServer(counted)
	b.Cleanup(hs.Close)
	f.url = hs.URL
	f.client = &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	sealCtx, stopSealer := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.App.Sealer.Run(sealCtx) }()
	b.Cleanup(func() { stopSealer(); wg.Wait() })

	f.requester, f.reqToken = s.MustUser(b, "bench-requester", "requester")
	_, f.rmToken = s.MustUser(b, "bench-rm", "release_manager")
	_, f.readToken = s.MustUser(b, "bench-cm", "change_manager")
	for i := range 2 + maxClients {
		res := s.Do(b, apitest.Request{Method: "POST", Path: "/api/v1/cis", Token: s.Admin,
			Body: map[string]any{"name": fmt.Sprintf("bench-host-%d", i), "type": "server", "criticality": "medium"}})
		var ci struct{ ID string }
		res.JSON(b, &ci)
		if i < 2 {
			f.cis = append(f.cis, ci.ID)
		} else {
			f.clientCIs = append(f.clientCIs, ci.ID)
		}
	}
	f.prefill(b, maxClients)
	f.number.Store(70_000_000) // above every number the service hands out in a run
	return f
}

// prefill inserts the RFCs and their audit events in bulk SQL, and one
// scheduled RFC per client.
func (f *httpFixture) prefill(b *testing.B, clients int) {
	b.Helper()
	ctx := context.Background()
	tx, err := f.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	now := f.db.Now()
	cis, _ := json.Marshal(f.cis)
	insert := f.q(`INSERT INTO rfcs (id, number, title, reason, category, priority, state, requester_id,
		affected_cis, window_start, window_end, window_tz, approved_start, approved_end, approved_tz,
		implementation_plan, backout_plan, test_plan, approval_round, created_at, updated_at)
		VALUES (?, ?, ?, 'bench', 'minor', 'low', ?, ?, ?, ?, ?, 'UTC', ?, ?, 'UTC', 'p', 'b', 't', 1, ?, ?)`)
	event := f.q(`INSERT INTO audit_events ` + auditCols + ` VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	// The prefilled RFCs' windows are past, one day each, so that the
	// schedule's conflict check of a create or a reschedule meets a
	// realistic few of them, not all 2000 on the same two CIs at once.
	add := func(id string, n int, state string, start time.Time, ci string) {
		ciJSON := string(cis)
		if ci != "" {
			ciJSON = `["` + ci + `"]`
		}
		if _, err := tx.ExecContext(ctx, insert, id, n, "bench change "+id, state, f.requester, ciJSON,
			start, start.Add(24*time.Hour), start, start.Add(24*time.Hour), now, now); err != nil {
			b.Fatal(err)
		}
		rows := f.q(`INSERT INTO rfc_cis (rfc_id, ci_id) VALUES (?, ?), (?, ?)`)
		args := []any{id, f.cis[0], id, f.cis[1]}
		if ci != "" {
			rows, args = f.q(`INSERT INTO rfc_cis (rfc_id, ci_id) VALUES (?, ?)`), []any{id, ci}
		}
		if _, err := tx.ExecContext(ctx, rows, args...); err != nil {
			b.Fatal(err)
		}
	}
	for i := range prefillRFCs {
		id := fmt.Sprintf("bench-rfc-%05d", i)
		add(id, 50_000_000+i, prefillStates[i%len(prefillStates)], now.Add(-time.Duration(prefillRFCs-i+30)*24*time.Hour), "")
		f.rfcs = append(f.rfcs, id)
		for j := range eventsPerRFC {
			e := audit.New(ctx, now, audit.Record{Actor: identity.System, Action: "rfc.update", EntityType: "rfc",
				EntityID: id, Before: map[string]any{"step": j}, After: map[string]any{"step": j + 1}})
			if _, err := tx.ExecContext(ctx, event, eventArgs(e)...); err != nil {
				b.Fatal(err)
			}
		}
	}
	for i := range clients {
		id := fmt.Sprintf("bench-sched-%03d", i)
		// Each client's scheduled RFC is on a CI of its own, its window
		// around now.
		add(id, 60_000_000+i, "scheduled", now.Add(-time.Hour), f.clientCIs[i])
		f.scheduled = append(f.scheduled, id)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if f.dialect == config.Postgres {
		mustExec(b, f.db.SQL(), "ANALYZE rfcs", "ANALYZE audit_events", "ANALYZE rfc_cis")
	} else {
		mustExec(b, f.db.SQL(), "ANALYZE")
	}
}

const auditCols = `(occurred_at, actor_id, actor_role, action, outcome, entity_type, entity_id, before_json,
	after_json, reason, request_id, source_ip, content_hash)`

func eventArgs(e *audit.Event) []any {
	return []any{e.OccurredAt, e.ActorID, e.ActorRole, e.Action, string(e.Outcome), e.EntityType, e.EntityID,
		e.Before, e.After, e.Reason, e.RequestID, e.SourceIP, e.ContentHash}
}

// q rewrites ? placeholders as $n for PostgreSQL.
func (f *httpFixture) q(s string) string {
	if f.dialect != config.Postgres {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// benchOp is one operation: through HTTP and as bare SQL. client is the
// client's number, rng its own random source.
type benchOp struct {
	name string
	http func(ctx context.Context, client int, rng *rand.Rand) error
	bare func(ctx context.Context, client int, rng *rand.Rand) error
}

func (f *httpFixture) ops() []benchOp {
	db := f.db.SQL()
	pick := func(rng *rand.Rand) string { return f.rfcs[rng.IntN(len(f.rfcs))] }
	createBody, _ := json.Marshal(map[string]any{
		"title": "bench change", "reason": "CVE fixes", "affected_cis": f.cis,
		"implementation_plan": "apt-get upgrade", "backout_plan": "apt-get install old", "test_plan": "smoke tests",
		"window": map[string]string{"start": f.db.Now().Add(time.Hour).Truncate(time.Second).Format(time.RFC3339),
			"end": f.db.Now().Add(49 * time.Hour).Truncate(time.Second).Format(time.RFC3339), "time_zone": "UTC"},
	})
	rfcCols := `id, number, title, description, reason, category, priority, state, requester_id, change_manager_id,
		affected_cis, linked_updates, release_id, window_start, window_end, window_tz, implementation_plan,
		backout_plan, test_plan, test_evidence, risk_inputs, risk, risk_score, template_id, close_code, review_notes,
		approval_round, approval_stage, version, created_at, updated_at`
	getRFC := f.q(`SELECT ` + rfcCols + ` FROM rfcs WHERE id = ?`)
	history := f.q(`SELECT id, occurred_at, actor_id, actor_role, action, outcome, entity_type, entity_id,
		before_json, after_json, reason, content_hash FROM audit_events
		WHERE entity_type = 'rfc' AND entity_id = ? ORDER BY id LIMIT ?`)
	list := f.q(`SELECT ` + rfcCols + ` FROM rfcs WHERE state = ? ORDER BY number DESC LIMIT ?`)
	return []benchOp{
		{name: "create",
			http: func(ctx context.Context, _ int, _ *rand.Rand) error {
				return f.do(ctx, "POST", "/api/v1/changes", f.reqToken, createBody, http.StatusCreated)
			},
			bare: func(ctx context.Context, _ int, _ *rand.Rand) error {
				return f.bareCreate(ctx, db)
			}},
		{name: "transition",
			http: func(ctx context.Context, client int, _ *rand.Rand) error {
				return f.do(ctx, "POST", "/api/v1/changes/"+f.scheduled[client]+"/transitions", f.rmToken,
					[]byte(`{"event":"reschedule"}`), http.StatusOK)
			},
			bare: func(ctx context.Context, client int, _ *rand.Rand) error {
				return f.bareTransition(ctx, db, f.scheduled[client])
			}},
		{name: "get",
			http: func(ctx context.Context, _ int, rng *rand.Rand) error {
				return f.do(ctx, "GET", "/api/v1/changes/"+pick(rng), f.readToken, nil, http.StatusOK)
			},
			bare: func(ctx context.Context, _ int, rng *rand.Rand) error {
				return scanRows(db.QueryContext(ctx, getRFC, pick(rng)))
			}},
		{name: "history",
			http: func(ctx context.Context, _ int, rng *rand.Rand) error {
				return f.do(ctx, "GET", "/api/v1/changes/"+pick(rng)+"/history", f.readToken, nil, http.StatusOK)
			},
			bare: func(ctx context.Context, _ int, rng *rand.Rand) error {
				// The RFC is read first to resolve a reference, as the
				// service must.
				id := pick(rng)
				if err := scanRows(db.QueryContext(ctx, getRFC, id)); err != nil {
					return err
				}
				return scanRows(db.QueryContext(ctx, history, id, listPage+1))
			}},
		{name: "list",
			http: func(ctx context.Context, _ int, _ *rand.Rand) error {
				return f.do(ctx, "GET", "/api/v1/changes?state="+benchListState+"&limit="+strconv.Itoa(listPage),
					f.readToken, nil, http.StatusOK)
			},
			bare: func(ctx context.Context, _ int, _ *rand.Rand) error {
				return scanRows(db.QueryContext(ctx, list, benchListState, listPage+1))
			}},
	}
}

// scanRows reads every row and column, as a client of the query would.
func scanRows(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("bare query found no rows")
	}
	return rows.Err()
}

func (f *httpFixture) do(ctx context.Context, method, path, token string, body []byte, want int) error {
	req, err := http.NewRequestWithContext(ctx, method, f.url+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := f.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, got)
	}
	return nil
}

// bareCreate is the create's work in plain SQL: the RFC row, its CI
// rows and its audit event in one transaction, the number from a counter
// in Go (the bare side's cheapest possible numbering).
func (f *httpFixture) bareCreate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	n := f.number.Add(1)
	id := fmt.Sprintf("bare-%d", n)
	now := f.db.Now()
	if _, err := tx.ExecContext(ctx, f.q(`INSERT INTO rfcs (id, number, title, reason, category, priority, state, requester_id,
		affected_cis, window_start, window_end, window_tz, implementation_plan, backout_plan, test_plan,
		risk, risk_inputs, created_at, updated_at)
		VALUES (?, ?, 'bench change', 'CVE fixes', '', '', 'draft', ?, ?, ?, ?, 'UTC', 'p', 'b', 't', '{}', '{}', ?, ?)`),
		id, n, f.requester, `["`+f.cis[0]+`","`+f.cis[1]+`"]`, now.Add(time.Hour), now.Add(49*time.Hour), now, now); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, f.q(`INSERT INTO rfc_cis (rfc_id, ci_id) VALUES (?, ?), (?, ?)`),
		id, f.cis[0], id, f.cis[1]); err != nil {
		return err
	}
	e := audit.New(ctx, now, audit.Record{Actor: identity.System, Action: "rfc.create", EntityType: "rfc",
		EntityID: id, After: map[string]any{"id": id, "state": "draft"}})
	if _, err := tx.ExecContext(ctx, f.q(`INSERT INTO audit_events `+auditCols+` VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		eventArgs(e)...); err != nil {
		return err
	}
	return tx.Commit()
}

// bareTransition is the transition's work in plain SQL: read, conditional
// update, audit event.
func (f *httpFixture) bareTransition(ctx context.Context, db *sql.DB, id string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var state string
	var version int64
	if err := tx.QueryRowContext(ctx, f.q(`SELECT state, version FROM rfcs WHERE id = ?`), id).Scan(&state, &version); err != nil {
		return err
	}
	at := f.db.Now()
	res, err := tx.ExecContext(ctx, f.q(`UPDATE rfcs SET state = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`), state, at, id, version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("bare transition lost its row")
	}
	e := audit.New(ctx, at, audit.Record{Actor: identity.System, Action: "rfc.reschedule", EntityType: "rfc",
		EntityID: id, Before: map[string]any{"version": version}, After: map[string]any{"version": version + 1}})
	if _, err := tx.ExecContext(ctx, f.q(`INSERT INTO audit_events `+auditCols+` VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		eventArgs(e)...); err != nil {
		return err
	}
	return tx.Commit()
}

// measure runs the bare SQL for half of dur, the HTTP side for dur, and
// the bare SQL again for half of dur, so that both see the same state of
// the database and of the machine.
func (f *httpFixture) measure(b *testing.B, op benchOp, clients int, dur time.Duration) cell {
	b.Helper()
	// A short warm-up of both sides: connections, caches, plans.
	run(b, clients, dur/10, op.http)
	run(b, clients, dur/10, op.bare)
	bare1, _ := run(b, clients, dur/2, op.bare)
	before := f.statements.Load()
	h, n := run(b, clients, dur, op.http)
	stmts := float64(f.statements.Load()-before) / float64(n)
	bare2, _ := run(b, clients, dur/2, op.bare)
	bare := result{rate: (bare1.rate + bare2.rate) / 2, p50: max(bare1.p50, bare2.p50), p99: max(bare1.p99, bare2.p99)}
	return cell{op: op.name, clients: clients, http: h, bare: bare, statements: stmts}
}

// run drives op from clients goroutines in a closed loop for dur and
// returns the throughput and latency percentiles.
func run(b *testing.B, clients int, dur time.Duration, op func(context.Context, int, *rand.Rand) error) (result, int) {
	b.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(dur)
	lat := make([][]time.Duration, clients)
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 42))
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := op(ctx, c, rng); err != nil {
					failed.Store(err)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		b.Fatal("no operation finished")
	}
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	return result{rate: float64(len(all)) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99)}, len(all)
}
