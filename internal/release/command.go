package release

import (
	"errors"
	"regexp"
	"strings"
)

// packageName is what a package name or version may hold: nothing a shell
// or an option parser would read as syntax (no spaces, quotes, $, ;, |, a
// leading dash).
var packageName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+_:~-]{0,199}$`)

// PackagesPlaceholder is the one placeholder of a command template: it
// stands alone as an argument and expands into one argument per package.
const PackagesPlaceholder = "{packages}"

// checkTemplate says what is wrong with a command template. Templates are
// argv, not shell: split on blanks, with {packages} as a whole argument.
// Written by hand rather than with a shell-words library on purpose: a
// template has no quoting at all, so that no server-sent string is ever
// interpreted by a shell or split differently on the agent.
func checkTemplate(t string) error {
	argv := strings.Fields(t)
	if len(argv) == 0 {
		return errors.New("is empty")
	}
	if len(t) > 1024 {
		return errors.New("must be at most 1024 characters")
	}
	if argv[0] == PackagesPlaceholder {
		return errors.New("must start with a program, not {packages}")
	}
	for _, a := range argv {
		if strings.ContainsAny(a, "{}") && a != PackagesPlaceholder {
			return errors.New("knows only the placeholder {packages}, as a whole argument")
		}
		if strings.ContainsAny(a, "\"'`$;|&<>\\") {
			return errors.New("is an argument vector, not a shell line: no quotes, $, ;, |, &, <, > or \\")
		}
	}
	return nil
}

// Argv resolves a template into the argument vector an agent runs: the
// template's words, {packages} replaced by one argument per package.
func Argv(template string, packages []string) []string {
	var out []string
	for _, a := range strings.Fields(template) {
		if a == PackagesPlaceholder {
			out = append(out, packages...)
			continue
		}
		out = append(out, a)
	}
	return out
}

// PackageSpec is how a package is named on an install command line:
// name=version for deb (apt's pin), name-version for rpm, the name alone
// otherwise or without a version.
func PackageSpec(kind ItemKind, name, version string) string {
	switch {
	case version == "":
		return name
	case kind == ItemDeb:
		return name + "=" + version
	case kind == ItemRPM:
		return name + "-" + version
	}
	return name
}

// packagesFor lists the package specs of the kind a template installs (all
// kinds when kind is empty), in the release's order.
func packagesFor(pkgs []Item, kind ItemKind) []string {
	out := []string{}
	for _, p := range pkgs {
		if kind == "" || p.Kind == kind {
			out = append(out, PackageSpec(p.Kind, p.Name, p.Version))
		}
	}
	return out
}
