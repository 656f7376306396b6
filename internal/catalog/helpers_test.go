package catalog_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// corpusDir is the repository's corpus of real advisories.
const corpusDir = "../../testdata/csaf"

// The actors of the service tests.
var (
	manager = identity.Actor{UserID: "u-cm", Username: "carl", Roles: []identity.Role{identity.ChangeManager}}
	editor  = identity.Actor{UserID: "u-rm", Username: "remy", Roles: []identity.Role{identity.ReleaseManager}}
	reader  = identity.Actor{UserID: "u-req", Username: "rita", Roles: []identity.Role{identity.Requester}}
)

// env is a catalog service on a fresh database with a settable clock.
type env struct {
	db  *store.DB
	svc *catalog.Service
	now time.Time
}

func (e *env) clock() time.Time { return e.now }

// each runs fn on a fresh service per database under test.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, db *store.DB) { fn(t, newEnv(t, db)) })
}

func newEnv(tb testing.TB, db *store.DB) *env {
	tb.Helper()
	e := &env{db: db, now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	e.svc = catalog.NewService(store.Runner[catalog.Tx]{DB: db}, audit.NewService(db, e.clock), e.changes(168*time.Hour), e.clock,
		catalog.Options{InventoryMaxAge: 72 * time.Hour})
	return e
}

// changes is the change service on the env's database and clock, with the
// CMDB it asks.
func (e *env) changes(retroWindow time.Duration) *change.Service {
	auditSvc := audit.NewService(e.db, e.clock)
	cis := cmdb.NewService(store.Runner[cmdb.Tx]{DB: e.db}, auditSvc, e.clock)
	return change.NewService(store.Runner[change.Tx]{DB: e.db}, auditSvc, e.db, cis, e.clock, change.Policy{RetroReviewWindow: retroWindow})
}

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, name))
	if err != nil {
		tb.Fatalf("read corpus: %v", err)
	}
	return b
}

// mustImport imports a corpus file with its hash file when there is one.
func (e *env) mustImport(tb testing.TB, name string) catalog.ImportResult {
	tb.Helper()
	in := catalog.ImportInput{Document: mustRead(tb, name), Name: name}
	if h, err := os.ReadFile(filepath.Join(corpusDir, name+".sha512")); err == nil {
		in.HashFile = h
	}
	res, err := e.svc.Import(context.Background(), editor, in)
	if err != nil {
		tb.Fatalf("import %s: %s", name, catalog.Describe(err))
	}
	return res
}

func wantCode(tb testing.TB, err error, code errs.Code) {
	tb.Helper()
	if errs.CodeOf(err) != code {
		tb.Fatalf("error = %v; want %s", err, code)
	}
}

func wantField(tb testing.TB, err error, field string) {
	tb.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error = %v; want a field error on %s", err, field)
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return
		}
	}
	tb.Fatalf("error %s does not name %s", catalog.Describe(err), field)
}

// count returns the number of rows of table.
func (e *env) count(tb testing.TB, table string) int {
	tb.Helper()
	var n int
	if err := e.db.SQL().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// exec runs SQL with the dialect's placeholders ($n on PostgreSQL).
func (e *env) exec(tb testing.TB, query string, args ...any) {
	tb.Helper()
	if _, err := e.db.SQL().Exec(rebind(e.db, query), args...); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}
