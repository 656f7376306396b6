package csaf

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
)

// testdataDir is the repository's corpus of real advisories (see
// testdata/README.md). Its absence fails the tests rather than skipping them.
const testdataDir = "../../../testdata/csaf"

func MustReadTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(testdataDir, name))
	if err != nil {
		tb.Fatalf("read testdata: %v", err)
	}
	return data
}

func MustTestdataFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(testdataDir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no CSAF testdata in %s: %v", testdataDir, err)
	}
	return files
}

func MustParse(tb testing.TB, name string) *Advisory {
	tb.Helper()
	a, err := Parse(MustReadTestdata(tb, name))
	if err != nil {
		tb.Fatalf("Parse(%s): %v", name, describe(err))
	}
	return a
}

// describe spells out the field errors, which Error() leaves out.
func describe(err error) string {
	var e *errs.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	out := err.Error()
	for _, f := range e.Fields {
		out += "\n  " + f.Field + ": " + f.Reason
	}
	return out
}

// mustMutate decodes a testdata file generically, lets change edit it and
// encodes it again, to build broken variants of real documents.
func mustMutate(tb testing.TB, name string, change func(doc map[string]any)) []byte {
	tb.Helper()
	var doc map[string]any
	if err := json.Unmarshal(MustReadTestdata(tb, name), &doc); err != nil {
		tb.Fatal(err)
	}
	change(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// node walks v by object keys (string) and array indexes (int).
func node(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func obj(v any, path ...any) map[string]any { return node(v, path...).(map[string]any) }

func fieldsOf(tb testing.TB, err error) map[string]string {
	tb.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Invalid {
		tb.Fatalf("error = %v; want an invalid *errs.Error", err)
	}
	out := map[string]string{}
	for _, f := range e.Fields {
		if _, dup := out[f.Field]; !dup {
			out[f.Field] = f.Reason
		}
	}
	return out
}

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func equalStrings(a, b []string) bool { return slices.Equal(a, b) }
