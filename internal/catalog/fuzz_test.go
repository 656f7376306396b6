package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// importTables are every table an import writes besides the audit trail.
var importTables = []string{"updates", "update_cves", "update_products", "update_packages", "update_supersedes",
	"compliance_results", "compliance_updates", "compliance_cis"}

// FuzzImport feeds the importer malformed documents (and hash files): it
// must never panic, and a refused document must leave every catalog table
// as it was: an import is all or nothing.
//
//	go test ./internal/catalog -run '^$' -fuzz FuzzImport -fuzztime 60s -fuzzminimizetime 3s
func FuzzImport(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	for _, name := range files {
		doc, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		hash, _ := os.ReadFile(name + ".sha512")
		f.Add(doc, hash)
	}
	f.Add([]byte(`{"document":{"tracking":{"id":"x"}}}`), []byte("00  x.json"))
	e := newEnv(f, storetest.MustOpen(f, config.SQLite, store.Options{}))
	// A CI whose inventory the fuzzed fixed packages may match.
	e.mustCI(f, "fuzz-01", "Red Hat Enterprise Linux", "7.6")
	e.mustInventory(f, "fuzz-01", e.now, pkg{"rpm", "telnet", "x86_64", "1:0.17-64.el7"}, deb("openssl", "3.0.1-1"))
	f.Fuzz(func(t *testing.T, doc, hash []byte) {
		before := e.rows(t)
		in := catalog.ImportInput{Document: doc, Name: "fuzz.json"}
		if len(hash) > 0 {
			in.HashFile = hash
		}
		res, err := e.svc.Import(context.Background(), editor, in)
		after := e.rows(t)
		if err != nil {
			if code := errs.CodeOf(err); code == errs.Internal {
				t.Fatalf("internal error: %v", err)
			}
			if after != before {
				t.Fatalf("refused (%s) but wrote: %s → %s", catalog.Describe(err), before, after)
			}
			return
		}
		if got := e.get(t, res.Update.ID); got.VendorID != res.Update.VendorID || got.Version != res.Update.Version {
			t.Fatalf("%s but stored %+v", res.Outcome, got)
		}
	})
}

// rows renders the row counts of importTables.
func (e *env) rows(tb testing.TB) string {
	var b strings.Builder
	for _, table := range importTables {
		b.WriteString(table + "=" + itoa(e.count(tb, table)) + " ")
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}
