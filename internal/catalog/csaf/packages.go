package csaf

import (
	"slices"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/changeboard/changeboard/internal/catalog/pkgver"
)

// rpmArches are the architectures that end an RPM NEVRA. Requiring one of
// them keeps names such as "Adminer 4.8.4" from being read as packages.
var rpmArches = map[string]bool{
	"x86_64": true, "noarch": true, "src": true, "nosrc": true, "i386": true, "i486": true,
	"i586": true, "i686": true, "athlon": true, "aarch64": true, "ppc": true, "ppc64": true,
	"ppc64le": true, "ppc64p7": true, "s390": true, "s390x": true, "armv7hl": true,
	"armv7hnl": true, "riscv64": true, "ia64": true, "loongarch64": true,
}

// FixedPackage is a package version that the advisory says fixes its
// vulnerabilities, on the platform it is a component of.
type FixedPackage struct {
	ProductID string
	Package   Package
	// Platform is the id of the product the package is a component of (a
	// distribution release, say), empty for a stand-alone product.
	Platform    string
	PlatformCPE string
	// CVEs are the vulnerabilities whose fixed or first_fixed lists name it.
	CVEs []string
}

// packageOf reads the package a product stands for: from its purl when it
// has one, else from an RPM NEVRA in its name or id (Red Hat's older CSAF).
func packageOf(p Product) *Package {
	if p.PURL != "" {
		return packageFromPURL(p.PURL)
	}
	if pkg := packageFromNEVRA(p.Name); pkg != nil {
		return pkg
	}
	return packageFromNEVRA(p.ID)
}

func packageFromPURL(s string) *Package {
	u, err := packageurl.FromString(s)
	if err != nil || u.Name == "" {
		return nil
	}
	q := u.Qualifiers.Map()
	version := u.Version
	// rpm purls carry the epoch as a qualifier, while pkgver wants it inline.
	if u.Type == "rpm" && version != "" && q["epoch"] != "" && !strings.Contains(version, ":") {
		version = q["epoch"] + ":" + version
	}
	return &Package{Type: u.Type, Namespace: u.Namespace, Name: u.Name, Version: version, Arch: q["arch"]}
}

// packageFromNEVRA parses name-[epoch:]version-release.arch.
func packageFromNEVRA(s string) *Package {
	dot := strings.LastIndexByte(s, '.')
	if dot < 0 || !rpmArches[s[dot+1:]] {
		return nil
	}
	nevr := s[:dot]
	r := strings.LastIndexByte(nevr, '-')
	if r <= 0 {
		return nil
	}
	v := strings.LastIndexByte(nevr[:r], '-')
	if v <= 0 {
		return nil
	}
	name, evr := nevr[:v], nevr[v+1:]
	if strings.ContainsAny(name, " \t\r\n/:") || pkgver.Validate(pkgver.RPM, evr) != nil {
		return nil
	}
	return &Package{Type: string(pkgver.RPM), Name: name, Version: evr, Arch: s[dot+1:]}
}

// FixedPackages lists the packages, with a version, of the products that a
// vulnerability lists as fixed or first_fixed, each product once.
func (a *Advisory) FixedPackages() []FixedPackage {
	byID := make(map[string]*Product, len(a.Products))
	for i := range a.Products {
		byID[a.Products[i].ID] = &a.Products[i]
	}
	var out []FixedPackage
	at := map[string]int{}
	for _, v := range a.Vulnerabilities {
		for _, id := range slices.Concat(v.ProductStatus[StatusFixed], v.ProductStatus[StatusFirstFixed]) {
			p := byID[id]
			if p == nil || p.Package == nil || p.Package.Version == "" {
				continue
			}
			i, ok := at[id]
			if !ok {
				i, at[id] = len(out), len(out)
				out = append(out, newFixedPackage(p, byID))
			}
			if cves := out[i].CVEs; v.CVE != "" && (len(cves) == 0 || cves[len(cves)-1] != v.CVE) {
				out[i].CVEs = append(cves, v.CVE)
			}
		}
	}
	return out
}

func newFixedPackage(p *Product, byID map[string]*Product) FixedPackage {
	fp := FixedPackage{ProductID: p.ID, Package: *p.Package}
	if p.Relationship != nil {
		fp.Platform = p.Relationship.Platform
		if platform := byID[fp.Platform]; platform != nil {
			fp.PlatformCPE = platform.CPE
		}
	}
	return fp
}
