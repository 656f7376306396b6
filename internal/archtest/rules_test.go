package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules holds the rules on the repository's real package graph.
func TestImportRules(t *testing.T) {
	for _, v := range Check(moduleGraph(t)) {
		t.Error(v)
	}
}

// moduleGraph lists every package of the module with its direct imports,
// module paths made relative to the module.
func moduleGraph(t *testing.T) []Package {
	t.Helper()
	mod, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	module := strings.TrimSpace(string(mod)) + "/"
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkg := Package{Path: strings.TrimPrefix(p.ImportPath, module)}
		for _, imp := range p.Imports {
			pkg.Imports = append(pkg.Imports, strings.TrimPrefix(imp, module))
		}
		pkgs = append(pkgs, pkg)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// healthy is a small graph that keeps every rule: each case below adds one
// import that breaks one rule, and must be reported for exactly that.
func healthy() []Package {
	return []Package{
		{Path: "internal/errs"},
		{Path: "internal/identity", Imports: []string{"internal/errs"}},
		{Path: "internal/workflow", Imports: []string{"internal/errs", "github.com/looplab/fsm"}},
		{Path: "internal/auth", Imports: []string{"internal/errs", "github.com/golang-jwt/jwt/v5"}},
		{Path: "internal/change", Imports: []string{"internal/errs", "internal/workflow", "context"}},
		{Path: "internal/catalog", Imports: []string{"internal/change"}},
		{Path: "internal/store", Imports: []string{"internal/change", "gorm.io/gorm", "migrations"}},
		{Path: "internal/httpapi", Imports: []string{"internal/change", "github.com/labstack/echo/v4", "github.com/prometheus/client_golang/prometheus"}},
		{Path: "internal/app", Imports: []string{"internal/store", "internal/httpapi"}},
		{Path: "cmd/changeboard", Imports: []string{"internal/app"}},
		{Path: "migrations", Imports: []string{"embed"}},
	}
}

func TestRulesHoldOnHealthyGraph(t *testing.T) {
	if v := Check(healthy()); v != nil {
		t.Fatalf("healthy graph reported: %q", v)
	}
}

// TestEachRuleFailsWhenBroken breaks each rule of the table once.
func TestEachRuleFailsWhenBroken(t *testing.T) {
	cases := []struct {
		name     string
		pkg, imp string
		extra    []Package
		wantRule string
	}{
		{"capability imports gorm", "internal/change", "gorm.io/gorm", nil, "capabilities import no framework"},
		{"capability imports echo", "internal/catalog", "github.com/labstack/echo/v4", nil, "capabilities import no framework"},
		{"capability other than auth imports jwt", "internal/change", "github.com/golang-jwt/jwt/v5", nil, "capabilities import no framework"},
		{"capability imports river", "internal/change", "github.com/riverqueue/river", nil, "capabilities import no framework"},
		{"capability imports prometheus", "internal/change", "github.com/prometheus/client_golang/prometheus", nil, "capabilities import no framework"},
		{"capability imports the store", "internal/change", "internal/store", nil, "capabilities import no adapter"},
		{"capability imports httpapi", "internal/catalog", "internal/httpapi", nil, "capabilities import no adapter"},
		{"capability imports webui", "internal/catalog", "internal/webui", []Package{{Path: "internal/webui"}}, "capabilities import no adapter"},
		{"capability imports jobs", "internal/change", "internal/jobs", []Package{{Path: "internal/jobs"}}, "capabilities import no adapter"},
		{"capability imports app", "internal/change", "internal/app", nil, "capabilities import no adapter"},
		{"a new capability is held too", "internal/release", "gorm.io/gorm", []Package{{Path: "internal/release"}}, "capabilities import no framework"},
		{"a capability's subpackage is held too", "internal/catalog/csaf", "internal/store", []Package{{Path: "internal/catalog/csaf"}}, "capabilities import no adapter"},
		{"neutral package imports gorm", "internal/errs", "gorm.io/gorm", nil, "capabilities import no framework"},
		{"neutral package imports a capability", "internal/workflow", "internal/change", nil, "neutral packages import no capability"},
		{"store imports httpapi", "internal/store", "internal/httpapi", nil, "store does not import the HTTP or UI adapters"},
		{"httpapi imports store", "internal/httpapi", "internal/store", nil, "httpapi does not import the store"},
		{"app package imports cmd", "internal/app", "cmd/changeboard", nil, "nothing imports cmd"},
		{"data package imports the module", "migrations", "internal/errs", nil, "data packages import nothing of the module"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := append(healthy(), c.extra...)
			found := false
			for i := range g {
				if g[i].Path == c.pkg {
					g[i].Imports = append(g[i].Imports, c.imp)
					found = true
				}
			}
			if !found {
				t.Fatalf("no package %s in the graph", c.pkg)
			}
			v := Check(g)
			if len(v) == 0 {
				t.Fatalf("%s importing %s was not reported", c.pkg, c.imp)
			}
			for _, s := range v {
				if !strings.Contains(s, c.wantRule) && !strings.HasPrefix(s, "import cycle") {
					t.Errorf("unexpected violation %q", s)
				}
			}
			if !strings.Contains(strings.Join(v, "\n"), c.pkg+" ") || !strings.Contains(strings.Join(v, "\n"), c.wantRule) {
				t.Errorf("got %q, want %s reported for %q", v, c.pkg, c.wantRule)
			}
		})
	}
}

func TestCycleFails(t *testing.T) {
	g := healthy()
	for i := range g {
		if g[i].Path == "internal/errs" {
			g[i].Imports = append(g[i].Imports, "internal/identity")
		}
	}
	v := Check(g)
	want := "import cycle: internal/errs -> internal/identity -> internal/errs"
	if len(v) != 1 || v[0] != want {
		t.Fatalf("got %q, want [%q]", v, want)
	}
}

func TestUnclassifiedPackageFails(t *testing.T) {
	v := Check(append(healthy(), Package{Path: "tools/gen"}))
	if len(v) != 1 || !strings.Contains(v[0], "tools/gen: not classified") {
		t.Fatalf("got %q", v)
	}
}

func TestClassify(t *testing.T) {
	for path, want := range map[string]Class{
		"internal/change":                Capability,
		"internal/catalog/pkgver":        Capability,
		"internal/releases":              Capability,
		"internal/store":                 Store,
		"internal/store/storetest":       TestKit,
		"internal/workflow/workflowtest": TestKit,
		"internal/httpapi":               HTTPAPI,
		"cmd/changeboard":                Cmd,
		"internal/errs":                  Neutral,
		"tools":                          "",
	} {
		if got := Classify(path); got != want {
			t.Errorf("Classify(%s) = %q, want %q", path, got, want)
		}
	}
}
