package pkgver

import (
	"strings"

	debversion "github.com/knqyf263/go-deb-version"
)

// maxDigits bounds a run of digits: the Debian library reads each run into an
// int and saturates beyond that, which would make two different long numbers
// compare equal. Refusing is better than a wrong "installed".
const maxDigits = 18

func compareDeb(a, b string) (int, error) {
	va, err := parseDeb(a)
	if err != nil {
		return 0, err
	}
	vb, err := parseDeb(b)
	if err != nil {
		return 0, err
	}
	return sign(va.Compare(vb)), nil
}

// parseDeb applies the checks of dpkg's parseversion that the library skips
// (ASCII only, no empty revision, dpkg's character sets) before parsing.
func parseDeb(v string) (debversion.Version, error) {
	if v == "" {
		return debversion.Version{}, invalid(Deb, v, "empty version")
	}
	rest := v
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		if _, err := parseEpoch(Deb, v, rest[:i]); err != nil {
			return debversion.Version{}, err
		}
		rest = rest[i+1:]
	}
	upstream, revision := rest, ""
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		upstream, revision = rest[:i], rest[i+1:]
		if revision == "" {
			return debversion.Version{}, invalid(Deb, v, "empty revision")
		}
	}
	if err := checkDebPart(v, upstream, ".+~-:", true); err != nil {
		return debversion.Version{}, err
	}
	if err := checkDebPart(v, revision, ".+~", false); err != nil {
		return debversion.Version{}, err
	}
	parsed, err := debversion.NewVersion(v)
	if err != nil {
		return debversion.Version{}, invalid(Deb, v, err.Error())
	}
	return parsed, nil
}

func checkDebPart(v, part, symbols string, upstream bool) error {
	if upstream {
		if part == "" {
			return invalid(Deb, v, "empty upstream version")
		}
		if part[0] < '0' || part[0] > '9' {
			return invalid(Deb, v, "upstream version does not start with a digit")
		}
	}
	run := 0
	for i := 0; i < len(part); i++ {
		c := part[i]
		switch {
		case c >= '0' && c <= '9':
			if run > 0 || c != '0' {
				run++
			}
			if run > maxDigits {
				return invalid(Deb, v, "number too long to compare")
			}
			continue
		case isASCIILetter(c) || strings.IndexByte(symbols, c) >= 0:
		default:
			return invalid(Deb, v, badChar(c))
		}
		run = 0
	}
	return nil
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
