package pkgver

import (
	"strings"

	rpmversion "github.com/knqyf263/go-rpm-version"
)

type evr struct {
	epoch            int
	version, release string
}

// compareRPM follows rpm's rpmverCmp: epochs (missing means 0), then versions,
// then releases only when both sides have one, so that a fixed version given
// without a release matches every release of it. The library's Compare would
// instead sort a missing release first; only its rpmvercmp is used here.
func compareRPM(a, b string) (int, error) {
	ea, err := parseRPM(a)
	if err != nil {
		return 0, err
	}
	eb, err := parseRPM(b)
	if err != nil {
		return 0, err
	}
	if ea.epoch != eb.epoch {
		return sign(ea.epoch - eb.epoch), nil
	}
	if c := rpmvercmp(ea.version, eb.version); c != 0 || ea.release == "" || eb.release == "" {
		return c, nil
	}
	return rpmvercmp(ea.release, eb.release), nil
}

// rpmvercmp compares one version or release string. The parts hold no ':' or
// '-' (parseRPM made sure), so the library sees a bare version and its
// Compare reduces to rpmvercmp.
func rpmvercmp(a, b string) int {
	return sign(rpmversion.NewVersion(a).Compare(rpmversion.NewVersion(b)))
}

// parseRPM splits [epoch:]version[-release] the way rpm's parseEVR does (the
// release follows the last '-') and refuses what rpm would never have built:
// a dash inside the version, an empty part, characters outside rpm's set.
func parseRPM(v string) (evr, error) {
	var out evr
	if v == "" {
		return out, invalid(RPM, v, "empty version")
	}
	rest := v
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		e, err := parseEpoch(RPM, v, rest[:i])
		if err != nil {
			return out, err
		}
		out.epoch, rest = e, rest[i+1:]
	}
	out.version = rest
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		out.version, out.release = rest[:i], rest[i+1:]
		if out.release == "" {
			return out, invalid(RPM, v, "empty release")
		}
	}
	if out.version == "" {
		return out, invalid(RPM, v, "empty version part")
	}
	for _, part := range []string{out.version, out.release} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !isASCIILetter(c) && (c < '0' || c > '9') && strings.IndexByte("._+~^", c) < 0 {
				return out, invalid(RPM, v, badChar(c))
			}
		}
	}
	return out, nil
}
