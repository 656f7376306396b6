package httpapi

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/errs"
)

// queryParams is, per "METHOD /echo/:path", the query parameters the
// OpenAPI description declares for the operation. It is read from the
// description itself, so that the refusal of an unknown parameter and the
// documentation cannot drift apart.
type queryParams map[string][]string

func loadQueryParams(spec []byte) (queryParams, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	out := queryParams{}
	for path, item := range doc.Paths.Map() {
		route := echoPath(path)
		for method, op := range item.Operations() {
			var names []string
			for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, p := range ps {
					if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
						names = append(names, p.Value.Name)
					}
				}
			}
			sort.Strings(names)
			out[method+" "+route] = names
		}
	}
	return out, nil
}

// echoPath turns /changes/{id} into echo's /changes/:id.
func echoPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			parts[i] = ":" + s[1:len(s)-1]
		}
	}
	return strings.Join(parts, "/")
}

// knownQuery refuses a query parameter the operation does not declare, as
// unknown body fields are refused: a misspelt filter (?sate=draft) would
// otherwise answer an unfiltered list as if it were the filtered one. A
// route the description does not hold (the web UI's) is not checked.
func knownQuery(known queryParams) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			allowed, ok := known[c.Request().Method+" "+c.Path()]
			if !ok || c.Request().URL.RawQuery == "" {
				return next(c)
			}
			var fs errs.Fields
			for _, name := range slices.Sorted(maps.Keys(c.QueryParams())) {
				if !slices.Contains(allowed, name) {
					fs.Add(name, "unknown query parameter"+suggest(name, allowed, "; this operation takes none"))
				}
			}
			if err := fs.Err(); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// suggest names the known name closest to name ("; did you mean
// `target_id`?") when one is close: a prefix or suffix of it, or at most a
// third of its letters away. none is what to say when nothing is known.
func suggest(name string, known []string, none string) string {
	if len(known) == 0 {
		return none
	}
	best, bestD := "", 1<<30
	for _, k := range known {
		d := levenshtein.ComputeDistance(strings.ToLower(name), k)
		if strings.HasPrefix(k, name) || strings.HasSuffix(k, name) || strings.HasPrefix(name, k) {
			d = min(d, 1)
		}
		if d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	if bestD <= max(1, len(name)/3) {
		return fmt.Sprintf("; did you mean `%s`?", best)
	}
	return ""
}

// jsonFields lists the JSON names of the fields of the struct dst points
// to; nil for anything else (a map takes any key).
func jsonFields(dst any) []string {
	t := reflect.TypeOf(dst)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "":
			out = append(out, jsonFields(reflect.New(f.Type).Interface())...)
		case name != "":
			out = append(out, name)
		case f.IsExported():
			out = append(out, f.Name)
		}
	}
	return out
}
