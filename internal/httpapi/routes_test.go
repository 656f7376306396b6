package httpapi_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/config"
)

var echoParam = regexp.MustCompile(`:([a-zA-Z_]+)`)

// TestRoutesMatchOpenAPI: the set of routes served equals the set of
// operations described.
func TestRoutesMatchOpenAPI(t *testing.T) {
	doc, _, err := apitest.Spec()
	if err != nil {
		t.Fatal(err)
	}
	s := apitest.New(t, config.SQLite, nil)
	served := map[string]bool{}
	for _, r := range s.App.HTTP.Routes() {
		if strings.HasSuffix(r.Path, "/*") || r.Method == "echo_route_not_found" {
			continue
		}
		served[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	described := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described[method+" "+path] = true
		}
	}
	var missing, undocumented []string
	for op := range described {
		if !served[op] {
			missing = append(missing, op)
		}
	}
	for op := range served {
		if !described[op] {
			undocumented = append(undocumented, op)
		}
	}
	sort.Strings(missing)
	sort.Strings(undocumented)
	if len(missing)+len(undocumented) > 0 {
		t.Fatalf("described but not served: %v\nserved but not described: %v", missing, undocumented)
	}
}
