package pkgver

import (
	"strconv"
	"strings"
)

// msiLimits are the field maxima Windows Installer defines for ProductVersion.
var msiLimits = [3]uint64{255, 255, 65535}

// compareMSI compares major.minor.build. A fourth field is accepted but not
// compared, because Windows Installer ignores it when it decides whether a
// product is an upgrade.
func compareMSI(a, b string) (int, error) {
	fa, err := parseMSI(a)
	if err != nil {
		return 0, err
	}
	fb, err := parseMSI(b)
	if err != nil {
		return 0, err
	}
	for i := range fa {
		if fa[i] != fb[i] {
			if fa[i] < fb[i] {
				return -1, nil
			}
			return 1, nil
		}
	}
	return 0, nil
}

func parseMSI(v string) ([3]uint64, error) {
	var out [3]uint64
	parts := strings.Split(v, ".")
	if v == "" || len(parts) > 4 {
		return out, invalid(MSI, v, "want major.minor.build")
	}
	for i, p := range parts {
		if p == "" || strings.TrimLeft(p, "0123456789") != "" {
			return out, invalid(MSI, v, "fields must be numbers")
		}
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil || (i < 3 && n > msiLimits[i]) {
			return out, invalid(MSI, v, "field out of range")
		}
		if i < 3 {
			out[i] = n
		}
	}
	return out, nil
}

// compareKB orders Knowledge Base numbers. A higher number is a later article,
// not necessarily a superseding one: supersedence comes from the catalog.
func compareKB(a, b string) (int, error) {
	na, err := parseKB(a)
	if err != nil {
		return 0, err
	}
	nb, err := parseKB(b)
	if err != nil {
		return 0, err
	}
	switch {
	case na < nb:
		return -1, nil
	case na > nb:
		return 1, nil
	}
	return 0, nil
}

func parseKB(v string) (uint64, error) {
	s := v
	if len(s) >= 2 && strings.EqualFold(s[:2], "KB") {
		s = s[2:]
	}
	if s == "" || len(s) > 10 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, invalid(KB, v, "want KB followed by a number")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, invalid(KB, v, "number out of range")
	}
	return n, nil
}
