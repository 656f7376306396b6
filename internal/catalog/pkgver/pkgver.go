// Package pkgver compares package versions by the rules of each packaging
// system, so that compliance can tell an installed version from a fixed one.
//
// Debian and RPM comparison is delegated to knqyf263/go-deb-version and
// knqyf263/go-rpm-version (the libraries Trivy relies on); this package adds
// the input checks they leave out, so that garbage is refused instead of being
// compared as if it were a version.
package pkgver

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/changeboard/changeboard/internal/errs"
)

// Kind names a packaging system whose version rules Compare follows. The
// values match package-URL types where one exists, so a purl type converts.
type Kind string

// The supported kinds.
const (
	// Deb is a Debian package version: [epoch:]upstream[-revision].
	Deb Kind = "deb"
	// RPM is an RPM version: [epoch:]version[-release].
	RPM Kind = "rpm"
	// MSI is a Windows Installer product version: major.minor.build.
	MSI Kind = "msi"
	// KB is a Microsoft Knowledge Base article number, "KB5034441" or "5034441".
	KB Kind = "kb"
)

// ParseKind returns the Kind named by s, case-insensitively.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	switch k {
	case Deb, RPM, MSI, KB:
		return k, nil
	}
	return "", errs.E(errs.Invalid, "unknown package version kind %q", s)
}

// Compare returns -1, 0 or +1 as version a sorts before, equal to or after
// version b under the rules of kind. It returns an Invalid error when either
// version is not well-formed for kind or kind is unknown.
func Compare(kind Kind, a, b string) (int, error) {
	switch kind {
	case Deb:
		return compareDeb(a, b)
	case RPM:
		return compareRPM(a, b)
	case MSI:
		return compareMSI(a, b)
	case KB:
		return compareKB(a, b)
	}
	return 0, errs.E(errs.Invalid, "unknown package version kind %q", kind)
}

// Validate returns an Invalid error when v is not a well-formed version of kind.
func Validate(kind Kind, v string) error {
	_, err := Compare(kind, v, v)
	return err
}

// sign folds a difference into -1, 0 or +1: the Debian library returns raw
// differences of character orders, which callers must not depend on.
func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func invalid(kind Kind, v, reason string) error {
	return errs.E(errs.Invalid, "%s version %q: %s", kind, v, reason)
}

// parseEpoch reads a non-negative epoch small enough for an int on every
// platform, the same bound dpkg and rpm apply.
func parseEpoch(kind Kind, v, s string) (int, error) {
	if s == "" {
		return 0, invalid(kind, v, "empty epoch")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, invalid(kind, v, "epoch is not a number")
		}
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, invalid(kind, v, "epoch is too large")
	}
	return int(n), nil
}

func badChar(c byte) string { return fmt.Sprintf("invalid character %#02x", c) }
