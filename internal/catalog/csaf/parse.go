package csaf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/changeboard/changeboard/internal/errs"
)

// Limits bounds what Parse accepts, so that a hostile document cannot make
// an import use unbounded memory, stack or time.
type Limits struct {
	// MaxBytes is the size of the largest document accepted.
	MaxBytes int
	// MaxDepth is the deepest nesting of JSON objects and arrays accepted.
	MaxDepth int
}

// DefaultLimits returns limits that fit every advisory seen from the large
// publishers: Red Hat's biggest (kernel) advisories run to a few MiB, and
// the deepest product trees nest about 15 JSON levels.
func DefaultLimits() Limits { return Limits{MaxBytes: 32 << 20, MaxDepth: 64} }

// Parse decodes, checks and maps a CSAF 2.0 document under DefaultLimits.
func Parse(data []byte) (*Advisory, error) { return DefaultLimits().Parse(data) }

// ParseReader reads at most DefaultLimits().MaxBytes from r and parses it.
func ParseReader(r io.Reader) (*Advisory, error) { return DefaultLimits().ParseReader(r) }

// Parse decodes data as a CSAF 2.0 document, checks it and maps it into an
// Advisory. A document that breaks the standard gives an Invalid error whose
// fields are JSON Pointers ("/document/tracking/id") of what is wrong; one
// over the limits gives TooLarge or Invalid.
func (l Limits) Parse(data []byte) (*Advisory, error) {
	doc, err := l.decode(data)
	if err != nil {
		return nil, err
	}
	if err := doc.check(); err != nil {
		return nil, err
	}
	return doc.advisory(), nil
}

// ParseReader reads at most l.MaxBytes from r and parses what it read.
func (l Limits) ParseReader(r io.Reader) (*Advisory, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(l.MaxBytes)+1))
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "cannot read the CSAF document")
	}
	return l.Parse(data)
}

func (l Limits) decode(data []byte) (*document, error) {
	if len(data) > l.MaxBytes {
		return nil, errs.E(errs.TooLarge, "the CSAF document is larger than %d bytes", l.MaxBytes)
	}
	if err := checkDepth(data, l.MaxDepth); err != nil {
		return nil, err
	}
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, decodeError(data, err)
	}
	return &doc, nil
}

// checkDepth refuses documents nested deeper than max before the decoder and
// the product tree walk recurse into them.
func checkDepth(data []byte, limit int) error {
	depth, inString, escaped := 0, false, false
	for i, c := range data {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			if depth++; depth > limit {
				return errs.Field(rootPointer, fmt.Sprintf("JSON nested deeper than %d levels at byte %d", limit, i))
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// decodeError turns a json error into a field error at the JSON Pointer of
// the member that has the wrong type.
func decodeError(data []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return errs.Field(rootPointer, fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn))
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		at := pointerAtOffset(data, typ.Offset)
		if at == "" {
			at = pointerFromDotted(typ.Field)
		}
		if strings.HasPrefix(typ.Value, "number ") {
			return errs.Field(at.String(), "number out of range")
		}
		return errs.Field(at.String(), fmt.Sprintf("must be %s, not %s", jsonKind(typ.Type), typ.Value))
	}
	return errs.Field(rootPointer, "not a JSON document: "+err.Error())
}

// jsonKind names the JSON type that the wire model expects for t.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a valid value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "an object"
}

// pointerAtOffset replays the tokens of data and returns the JSON Pointer of
// the value that ends at or after off, which is where encoding/json reports
// a type mismatch. It returns "" when it cannot tell.
func pointerAtOffset(data []byte, off int64) pointer {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // a number too large for float64 is the error being located
	var w tokenWalk
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if at, isValue := w.step(tok); isValue && dec.InputOffset() >= off {
			return at
		}
	}
}
