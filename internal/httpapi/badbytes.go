package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
)

// Text that PostgreSQL cannot store (a NUL byte) or that is not UTF-8 is
// refused at the edge, naming where it is, so that both databases answer
// the same 400 instead of PostgreSQL's 500. encoding/json would replace
// invalid UTF-8 by U+FFFD silently and keep \u0000, so the body is walked
// token by token before it is decoded; no library reports the path of a
// bad string, hence this walk.

const (
	reasonNUL  = "must not contain a NUL character"
	reasonUTF8 = "must be valid UTF-8"
)

// badText says what is wrong with s, or "".
func badText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return reasonUTF8
	case strings.IndexByte(s, 0) >= 0:
		return reasonNUL
	}
	return ""
}

// checkRequestText refuses path parameters and query values that are not
// text both databases store.
func checkRequestText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for i, name := range c.ParamNames() {
			v := c.ParamValues()[i]
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
			if why := badText(v); why != "" {
				return errs.Field(name, why)
			}
		}
		if why := badText(c.Request().URL.RawQuery); why != "" {
			return errs.Field("query", why)
		}
		for name, vs := range c.QueryParams() {
			for _, v := range vs {
				if why := badText(name + v); why != "" {
					return errs.Field(name, why)
				}
			}
		}
		return next(c)
	}
}

// pathStyle names a place in a JSON document.
type pathStyle int

const (
	// fieldPath is the API's style: fixed_packages[1].name.
	fieldPath pathStyle = iota
	// pointerPath is RFC 6901, as CSAF problems are named: /document/title.
	pointerPath
)

// jsonFrame is one open object or array of the walk.
type jsonFrame struct {
	object bool
	key    string
	index  int
	// wantKey is set in an object when the next string is a member name.
	wantKey bool
}

// scanJSONText finds the first string (member name or value) of doc that
// holds a NUL or invalid UTF-8 and returns an Invalid error naming it; nil
// when there is none or when doc is not JSON (the decoder says so then).
func scanJSONText(doc []byte, style pathStyle) error {
	badAt := -1
	if !utf8.Valid(doc) {
		badAt = firstInvalidUTF8(doc)
	} else if !bytes.Contains(doc, []byte(`\u0000`)) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	var stack []jsonFrame
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			if badAt >= 0 {
				return errs.Field(rootName(style), reasonUTF8)
			}
			return nil
		}
		if tok == json.Delim('}') || tok == json.Delim(']') {
			stack = stack[:len(stack)-1]
			valueDone(stack)
			continue
		}
		isKey := false
		if n := len(stack); n > 0 {
			switch top := &stack[n-1]; {
			case top.object && top.wantKey:
				top.key, _ = tok.(string)
				top.wantKey, isKey = false, true
			case !top.object:
				top.index++
			}
		}
		if s, ok := tok.(string); ok {
			at := where(stack, style)
			switch end := dec.InputOffset(); {
			case badAt >= 0 && int64(badAt) >= before && int64(badAt) < end:
				return errs.Field(at, reasonUTF8)
			case strings.IndexByte(s, 0) >= 0:
				return errs.Field(at, reasonNUL)
			}
		}
		switch {
		case tok == json.Delim('{'):
			stack = append(stack, jsonFrame{object: true, wantKey: true, index: -1})
		case tok == json.Delim('['):
			stack = append(stack, jsonFrame{index: -1})
		case !isKey:
			valueDone(stack)
		}
	}
}

// valueDone records that the innermost object's member value has ended.
func valueDone(stack []jsonFrame) {
	if n := len(stack); n > 0 && stack[n-1].object {
		stack[n-1].wantKey = true
	}
}

// where names the value the walk is at.
func where(stack []jsonFrame, style pathStyle) string {
	var b strings.Builder
	for i, f := range stack {
		switch {
		case style == pointerPath && f.object:
			b.WriteString("/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(f.key))
		case style == pointerPath:
			b.WriteString("/" + strconv.Itoa(max(f.index, 0)))
		case f.object:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(strings.ToValidUTF8(f.key, "\uFFFD"))
		default:
			b.WriteString("[" + strconv.Itoa(max(f.index, 0)) + "]")
		}
	}
	if b.Len() == 0 {
		return rootName(style)
	}
	return b.String()
}

func rootName(style pathStyle) string {
	if style == pointerPath {
		return ""
	}
	return "body"
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// checkImportText refuses a CI import with text the databases cannot
// store: a JSON import is walked like any body; a CSV names the line.
func checkImportText(format string, body []byte) error {
	if format != cmdb.FormatCSV {
		return scanJSONText(body, fieldPath)
	}
	at, why := firstInvalidUTF8(body), reasonUTF8
	if at < 0 {
		at, why = bytes.IndexByte(body, 0), reasonNUL
	}
	if at < 0 {
		return nil
	}
	return errs.Field("body", fmt.Sprintf("line %d %s", bytes.Count(body[:at], []byte("\n"))+1, why))
}
