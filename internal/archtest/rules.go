// Package archtest holds the import rules of the repository as data and the
// check that applies them to a package graph. The test in this package
// feeds it the real graph (go list) and synthetic ones that break each rule.
package archtest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Class is what a package is for; the rules are stated per class.
type Class string

const (
	Capability Class = "capability" // domain and use cases: internal/<capability>
	Neutral    Class = "neutral"    // small shared kernels every layer may use
	Store      Class = "store"      // the persistence adapter
	HTTPAPI    Class = "httpapi"    // the HTTP adapter
	WebUI      Class = "webui"      // the browser UI adapter
	Jobs       Class = "jobs"       // the job runner adapter
	App        Class = "app"        // the composition root: wires everything
	Cmd        Class = "cmd"        // main packages
	TestKit    Class = "testkit"    // helpers for tests and benchmarks
	Data       Class = "data"       // embedded files (migrations, OpenAPI)
)

// Package is one node of the graph: its path relative to the module and its
// direct non-test imports (module packages relative, others as they are).
type Package struct {
	Path    string
	Imports []string
}

// classes maps package paths (exact, or a prefix ending in "/...") to their
// class. The first match wins; an internal/<x> that matches nothing is a
// capability, so a new capability is held to the rules without an entry,
// and any other unmatched package fails the check until it is classified.
var classes = []struct {
	pattern string
	class   Class
}{
	{"internal/errs", Neutral},
	{"internal/identity", Neutral},
	{"internal/workflow", Neutral},
	{"internal/idempotency", Neutral},
	{"internal/page", Neutral},
	{"internal/guard", Neutral},
	{"internal/config", Neutral},
	{"internal/archtest", Neutral},
	{"internal/workflow/workflowtest", TestKit},
	{"internal/store/storetest", TestKit},
	{"internal/apitest", TestKit},
	{"internal/store/...", Store},
	{"internal/httpapi/...", HTTPAPI},
	{"internal/webui/...", WebUI},
	{"internal/jobs/...", Jobs},
	{"internal/app/...", App},
	{"cmd/...", Cmd},
	{"bench", TestKit},
	{"api", Data},
	{"migrations", Data},
	{"web", Data},
}

// Classify returns the class of a module package, or "" when it has none.
func Classify(path string) Class {
	for _, c := range classes {
		if c.pattern == path {
			return c.class
		}
		if prefix, ok := strings.CutSuffix(c.pattern, "/..."); ok && (path == prefix || strings.HasPrefix(path, prefix+"/")) {
			return c.class
		}
	}
	if rest, ok := strings.CutPrefix(path, "internal/"); ok && rest != "" {
		return Capability
	}
	return ""
}

// A rule forbids packages of one class to import what matches a prefix
// (a module package's class, or an external import path prefix).
type rule struct {
	name     string
	from     []Class // the classes the rule binds
	classes  []Class // module packages they may not import
	external []string
	except   func(pkg string, imp string) bool
}

var adapters = []Class{Store, HTTPAPI, WebUI, Jobs, App, Cmd, TestKit}

// rules is the table; every rule has a test that breaks it on purpose.
var rules = []rule{
	{name: "capabilities import no adapter", from: []Class{Capability, Neutral}, classes: adapters},
	{
		name: "capabilities import no framework", from: []Class{Capability, Neutral},
		external: []string{"gorm.io/", "github.com/labstack/echo", "github.com/golang-jwt/jwt", "github.com/riverqueue/river", "github.com/prometheus/"},
		// auth signs and verifies the tokens: it is jwt's one user.
		except: func(pkg, imp string) bool {
			return pkg == "internal/auth" && strings.HasPrefix(imp, "github.com/golang-jwt/jwt")
		},
	},
	{name: "neutral packages import no capability", from: []Class{Neutral}, classes: []Class{Capability}},
	{name: "store does not import the HTTP or UI adapters", from: []Class{Store}, classes: []Class{HTTPAPI, WebUI, App, Cmd}},
	{name: "httpapi does not import the store", from: []Class{HTTPAPI, WebUI}, classes: []Class{Store, App, Cmd}},
	{name: "nothing imports cmd", from: []Class{Capability, Neutral, Store, HTTPAPI, WebUI, Jobs, App, Cmd, TestKit, Data}, classes: []Class{Cmd}},
	{name: "data packages import nothing of the module", from: []Class{Data}, classes: []Class{Capability, Neutral, Store, HTTPAPI, WebUI, Jobs, App, Cmd, TestKit, Data}},
}

// Check returns every broken rule in the graph, sorted; nil when it holds.
func Check(pkgs []Package) []string {
	var out []string
	inModule := map[string]bool{}
	for _, p := range pkgs {
		inModule[p.Path] = true
	}
	for _, p := range pkgs {
		from := Classify(p.Path)
		if from == "" {
			out = append(out, fmt.Sprintf("%s: not classified: add it to archtest.classes", p.Path))
			continue
		}
		for _, imp := range p.Imports {
			for _, r := range rules {
				if !slices.Contains(r.from, from) || (r.except != nil && r.except(p.Path, imp)) {
					continue
				}
				if inModule[imp] && slices.Contains(r.classes, Classify(imp)) ||
					!inModule[imp] && slices.ContainsFunc(r.external, func(pre string) bool { return strings.HasPrefix(imp, pre) }) {
					out = append(out, fmt.Sprintf("%s (%s) imports %s: %s", p.Path, from, imp, r.name))
				}
			}
		}
	}
	out = append(out, cycles(pkgs, inModule)...)
	sort.Strings(out)
	return out
}

// cycles reports each import cycle among module packages once. The Go
// toolchain refuses cycles between packages, so on the real graph this holds
// by construction; it is checked here so that the rule is stated and so that
// a graph assembled from other sources (build tags, generated code) is held.
func cycles(pkgs []Package, inModule map[string]bool) []string {
	imports := map[string][]string{}
	for _, p := range pkgs {
		imports[p.Path] = p.Imports
	}
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	var stack, out []string
	var visit func(string)
	visit = func(n string) {
		state[n] = open
		stack = append(stack, n)
		for _, m := range imports[n] {
			if !inModule[m] {
				continue
			}
			switch state[m] {
			case unseen:
				visit(m)
			case open:
				i := slices.Index(stack, m)
				out = append(out, "import cycle: "+strings.Join(append(slices.Clone(stack[i:]), m), " -> "))
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
	}
	paths := make([]string, 0, len(pkgs))
	for _, p := range pkgs {
		paths = append(paths, p.Path)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if state[p] == unseen {
			visit(p)
		}
	}
	return out
}
