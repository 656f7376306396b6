package httpapi

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/changeboard/changeboard/internal/errs"
)

func TestScanJSONTextNamesTheField(t *testing.T) {
	for doc, want := range map[string]string{
		`{"a":"x\u0000"}`:                      "a",
		`{"a":{"b":["ok","\u0000"]}}`:          "a.b[1]",
		`{"list":[{"n":1},{"name":"\u0000"}]}`: "list[1].name",
		`{"k\u0000":"v"}`:                      "k\x00",
		`["a",["b","c\u0000"]]`:                "[1][1]",
		"{\"a\":1,\"b\":\"\xff\"}":             "b",
		"{\"x\":[1,2],\"y\":{\"z\":\"\xc3\"}}": "y.z",
		`{"a":"\\u0000 is text, not a NUL"}`:   "",
		`{"a":"ok","b":[true,null,{"c":"d"}]}`: "",
	} {
		err := scanJSONText([]byte(doc), fieldPath)
		var e *errs.Error
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", doc, err)
		case want != "" && (!errors.As(err, &e) || e.Fields[0].Field != strings.ToValidUTF8(want, "\uFFFD")):
			t.Errorf("%q: %v, want field %q", doc, err, want)
		}
	}
	err := scanJSONText([]byte(`{"document":{"notes":[{"text":"\u0000"}]}}`), pointerPath)
	var e *errs.Error
	if !errors.As(err, &e) || e.Fields[0].Field != "/document/notes/0/text" {
		t.Errorf("pointer: %v", err)
	}
}

// FuzzScanJSONText: the walk never panics, and whatever it passes is text
// both databases store once decoded.
func FuzzScanJSONText(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":"\u0000"}`, "{\"a\":\"\xff\"}", `[1,{"x":[]},"y"]`, `{"a":{"b":[{"c":"\ud800"}]}}`, `"\u0000"`, `{`, `}`, `]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		err := scanJSONText(doc, fieldPath)
		_ = scanJSONText(doc, pointerPath)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("%v", err)
			}
			return
		}
		var v any
		if json.Unmarshal(doc, &v) != nil {
			return
		}
		if !utf8.Valid(doc) {
			t.Fatalf("invalid UTF-8 passed: %q", doc)
		}
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				if strings.IndexByte(v, 0) >= 0 {
					t.Fatalf("NUL passed: %q", doc)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			case map[string]any:
				for k, x := range v {
					walk(k)
					walk(x)
				}
			}
		}
		walk(v)
	})
}
