package catalog

import (
	"cmp"
	"strings"
)

// CompareRevisions orders two CSAF tracking versions: integer versioning
// ("1" < "2" < "10") or semantic versioning ("1.0.0-rc.1" < "1.0.0" <
// "1.0.1"); an integer N counts as N.0.0 if the two schemes meet. It
// returns -1, 0 or +1.
func CompareRevisions(a, b string) int {
	va, vb := parseRevision(a), parseRevision(b)
	for i := range va.core {
		if c := compareNumeric(va.core[i], vb.core[i]); c != 0 {
			return c
		}
	}
	switch {
	case va.pre == "" && vb.pre == "":
		return 0
	case va.pre == "":
		return 1 // a release ranks above its pre-releases
	case vb.pre == "":
		return -1
	}
	return comparePre(va.pre, vb.pre)
}

type revision struct {
	core [3]string
	pre  string
}

func parseRevision(v string) revision {
	v, _, _ = strings.Cut(strings.TrimSpace(v), "+") // build metadata does not order
	core, pre, _ := strings.Cut(v, "-")
	r := revision{core: [3]string{"0", "0", "0"}, pre: pre}
	for i, p := range strings.SplitN(core, ".", 3) {
		r.core[i] = p
	}
	return r
}

// compareNumeric compares digit strings by value; anything else falls back
// to byte order, after all numbers.
func compareNumeric(a, b string) int {
	na, nb := isDigits(a), isDigits(b)
	switch {
	case na && nb:
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b))
	case na:
		return -1
	case nb:
		return 1
	}
	return cmp.Compare(a, b)
}

func comparePre(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if c := compareNumeric(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(pa), len(pb))
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
