package csaf

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
)

func fuzzSeeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, name := range append(MustTestdataFiles(f), "testdata/example-groups.json") {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// FuzzParse holds two properties: Parse never panics, and it either refuses
// with a domain error (invalid or too large, never internal) or returns an
// advisory that passes Validate, whose derived views are computable.
func FuzzParse(f *testing.F) {
	for _, data := range fuzzSeeds(f) {
		f.Add(data)
	}
	f.Add([]byte(`{"document":{}}`))
	f.Fuzz(checkParse)
}

// FuzzParseEdit holds the same properties for structurally valid JSON: byte
// mutations of FuzzParse mostly stop at the JSON syntax, while replacing or
// deleting one member of a real document reaches the checks and the mapping.
func FuzzParseEdit(f *testing.F) {
	seeds := fuzzSeeds(f)
	f.Add(uint8(0), uint32(7), []byte(`"0001-01-01T00:00:00Z"`), false)
	f.Add(uint8(9), uint32(40), []byte(`null`), true)
	f.Add(uint8(10), uint32(90), []byte(`["CSAFPID-0001"]`), false)
	f.Fuzz(func(t *testing.T, doc uint8, target uint32, value []byte, remove bool) {
		var tree any
		if err := json.Unmarshal(seeds[int(doc)%len(seeds)], &tree); err != nil {
			t.Fatal(err)
		}
		var v any
		if json.Unmarshal(value, &v) != nil {
			v = string(value)
		}
		editAt(tree, int(target%uint32(countValues(tree))), v, remove)
		data, err := json.Marshal(tree)
		if err != nil {
			t.Skip()
		}
		checkParse(t, data)
	})
}

func checkParse(t *testing.T, data []byte) {
	a, err := Parse(data)
	if err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || (e.Code != errs.Invalid && e.Code != errs.TooLarge) {
			t.Fatalf("error is not invalid or too_large: %#v", err)
		}
		if e.Code == errs.Invalid && len(e.Fields) == 0 {
			t.Fatalf("invalid error without a field: %v", err)
		}
		for _, f := range e.Fields {
			if !strings.HasPrefix(f.Field, "/") {
				t.Fatalf("field %q is not a JSON Pointer", f.Field)
			}
		}
		return
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("Parse accepted an advisory that Validate refuses: %s", describe(err))
	}
	_ = a.FixedPackages()
	_ = a.RebootRequired()
}

// countValues counts the values below root (root excluded), depth first.
func countValues(root any) int {
	n := 0
	visit(root, func(any, func(any), func()) bool { n++; return false })
	return max(n, 1)
}

// editAt replaces, or removes, the n-th value below root in depth-first
// order; removing an array item sets it to null.
func editAt(root any, n int, v any, remove bool) {
	visit(root, func(_ any, set func(any), del func()) bool {
		if n--; n >= 0 {
			return false
		}
		if remove {
			del()
		} else {
			set(v)
		}
		return true
	})
}

// visit calls fn for each value below node with a setter and a deleter,
// in a stable order, until fn returns true.
func visit(node any, fn func(v any, set func(any), del func()) bool) bool {
	switch p := node.(type) {
	case map[string]any:
		keys := make([]string, 0, len(p))
		for k := range p {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if fn(p[k], func(v any) { p[k] = v }, func() { delete(p, k) }) || visit(p[k], fn) {
				return true
			}
		}
	case []any:
		for i := range p {
			if fn(p[i], func(v any) { p[i] = v }, func() { p[i] = nil }) || visit(p[i], fn) {
				return true
			}
		}
	}
	return false
}
