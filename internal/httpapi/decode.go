package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/errs"
)

// decode reads a JSON body strictly: one object, no unknown fields, no
// trailing data; errors name the field.
func decode(c echo.Context, dst any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return errs.Field("Content-Type", "must be application/json")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return decodeError(err)
	}
	if err := scanJSONText(body, fieldPath); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return withSuggestion(decodeError(err), dst)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.Field("body", "must hold exactly one JSON object")
	}
	return nil
}

// withSuggestion adds to an unknown top-level field the known one it is
// closest to ("did you mean `target_id`?").
func withSuggestion(err error, dst any) error {
	var e *errs.Error
	if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Reason != "unknown field" || strings.Contains(e.Fields[0].Field, ".") {
		return err
	}
	if hint := suggest(e.Fields[0].Field, jsonFields(dst), ""); hint != "" {
		return errs.Field(e.Fields[0].Field, "unknown field"+hint)
	}
	return err
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	var he *echo.HTTPError
	switch {
	case errors.Is(err, io.EOF):
		return errs.Field("body", "required")
	case errors.As(err, &tooBig), errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
		// Echo's body limit cuts a body without a length while it is read.
		return errs.E(errs.TooLarge, "the body is larger than the limit")
	case errors.As(err, &syntax):
		return errs.Field("body", fmt.Sprintf("malformed JSON at byte %d", syntax.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Field("body", "malformed JSON: unexpected end")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return errs.Field(field, "must be "+jsonKind(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return errs.Field(name, "unknown field")
	}
	return errs.Field("body", "not valid JSON")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "float64", "float32":
		return "a number"
	}
	return "of another type"
}

// parseTime reads an RFC 3339 time for field; empty gives nil.
func parseTime(f *errs.Fields, field, v string) *time.Time {
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		f.Add(field, "must be an RFC 3339 time, like 2026-01-02T15:04:05Z")
		return nil
	}
	t = t.UTC()
	return &t
}

// parseLimit reads the limit query parameter.
func parseLimit(f *errs.Fields, v string, def, max int) int {
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		f.Add("limit", fmt.Sprintf("must be a whole number from 1 to %d", max))
		return def
	}
	return n
}

// ifMatch reads the If-Match header: nil when absent or "*".
func ifMatch(c echo.Context) (*int64, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" || h == "*" {
		return nil, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil {
		return nil, errs.Field("If-Match", `must be an ETag returned by this API, like "3"`)
	}
	return &v, nil
}

// setETag sets the record's version as its ETag.
func setETag(c echo.Context, version int64) {
	c.Response().Header().Set("ETag", strconv.Quote(strconv.FormatInt(version, 10)))
}

func writeJSON(c echo.Context, status int, contentType string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return c.Blob(status, contentType, buf.Bytes())
}

// ok writes v as JSON with status.
func ok(c echo.Context, status int, v any) error {
	return writeJSON(c, status, echo.MIMEApplicationJSON, v)
}
