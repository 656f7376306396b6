package catalog

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/changeboard/changeboard/internal/catalog/pkgver"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/workflow"
)

// Limits of a manual entry.
const (
	MaxVendorIDLen = 100
	MaxTitleLen    = 500
	MaxTextLen     = 64 << 10
	MaxListLen     = 1000
)

var cvePattern = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// manualKinds are the packaging systems a manual entry may name: those
// compliance can compare.
var manualKinds = []pkgver.Kind{pkgver.Deb, pkgver.RPM, pkgver.MSI, pkgver.KB}

// Validate checks an update entered by hand, naming fields as the API does
// ("fixed_packages[1].version").
func (u Update) Validate() error {
	var fs errs.Fields
	checkVendorID(&fs, u.VendorID)
	checkText(&fs, "title", u.Title, MaxTitleLen, true)
	checkText(&fs, "summary", u.Summary, MaxTextLen, false)
	checkText(&fs, "publisher", u.Publisher, MaxTitleLen, false)
	if u.Severity != "" {
		if _, err := ParseSeverity(string(u.Severity)); err != nil {
			fs.Add("severity", "must be one of "+workflow.JoinEnum(Severities()))
		}
	}
	if u.URL != "" {
		if p, err := url.Parse(u.URL); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			fs.Add("url", "must be an http or https URL")
		}
	}
	checkListLen(&fs, "cves", len(u.Vulnerabilities))
	checkListLen(&fs, "products", len(u.Products))
	checkListLen(&fs, "fixed_packages", len(u.Packages))
	checkListLen(&fs, "supersedes", len(u.Supersedes))
	if len(fs) > 0 {
		// A list over its cap is refused before any per-element work.
		return fs.Err()
	}
	firstCVE := make(map[string]int, len(u.Vulnerabilities))
	for i, v := range u.Vulnerabilities {
		at := fmt.Sprintf("cves[%d]", i)
		checkVulnerability(&fs, at, v)
		if j, dup := firstCVE[v.CVE]; dup && v.CVE != "" {
			fs.Add(at+".id", fmt.Sprintf("names %s again (as cves[%d])", v.CVE, j))
		} else if !dup {
			firstCVE[v.CVE] = i
		}
	}
	for i, p := range u.Products {
		at := fmt.Sprintf("products[%d]", i)
		checkText(&fs, at+".id", p.ID, MaxTitleLen, true)
		checkText(&fs, at+".name", p.Name, MaxTitleLen, true)
	}
	for i, p := range u.Packages {
		checkPackage(&fs, fmt.Sprintf("fixed_packages[%d]", i), p)
	}
	checkSupersedes(&fs, u)
	return fs.Err()
}

func checkVendorID(fs *errs.Fields, id string) {
	switch {
	case id == "":
		fs.Add("vendor_id", "is required")
	case utf8.RuneCountInString(id) > MaxVendorIDLen:
		fs.Add("vendor_id", fmt.Sprintf("must be at most %d characters", MaxVendorIDLen))
	case strings.TrimSpace(id) != id || strings.ContainsAny(id, "/?#%") || strings.IndexFunc(id, unicode.IsControl) >= 0:
		fs.Add("vendor_id", "must not have surrounding spaces, control characters or any of / ? # %")
	}
}

func checkText(fs *errs.Fields, field, v string, maxLen int, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		fs.Add(field, "is required")
	case !utf8.ValidString(v):
		fs.Add(field, "must be valid UTF-8")
	case len(v) > maxLen:
		fs.Add(field, fmt.Sprintf("must be at most %d bytes", maxLen))
	}
}

func checkListLen(fs *errs.Fields, field string, n int) {
	if n > MaxListLen {
		fs.Add(field, fmt.Sprintf("must have at most %d entries", MaxListLen))
	}
}

func checkVulnerability(fs *errs.Fields, at string, v Vulnerability) {
	if !cvePattern.MatchString(v.CVE) {
		fs.Add(at+".id", "must be a CVE id such as CVE-2024-3094")
	}
	checkText(fs, at+".title", v.Title, MaxTitleLen, false)
	if v.CVSS == nil {
		return
	}
	if v.CVSS.Score < 0 || v.CVSS.Score > 10 {
		fs.Add(at+".cvss_score", "must be between 0 and 10")
	}
	switch v.CVSS.Version {
	case "", "2.0", "3.0", "3.1", "4.0":
	default:
		fs.Add(at+".cvss_version", "must be 2.0, 3.0, 3.1 or 4.0")
	}
	checkText(fs, at+".cvss_vector", v.CVSS.Vector, 200, false)
}

func checkPackage(fs *errs.Fields, at string, p FixedPackage) {
	kind, err := pkgver.ParseKind(p.Kind)
	if err != nil {
		fs.Add(at+".kind", "must be one of "+workflow.JoinEnum(manualKinds))
		return
	}
	checkText(fs, at+".name", p.Name, MaxTitleLen, true)
	checkText(fs, at+".architecture", p.Architecture, 40, false)
	checkText(fs, at+".platform", p.Platform, MaxTitleLen, false)
	if kind == pkgver.KB {
		if p.Name != "" && pkgver.Validate(pkgver.KB, p.Name) != nil {
			fs.Add(at+".name", "must be a KB number such as KB5034441")
		}
		if p.Version != "" {
			fs.Add(at+".version", "must be empty for a KB: the KB number is the version")
		}
		return
	}
	switch {
	case p.Version == "":
		fs.Add(at+".version", "is required")
	case pkgver.Validate(kind, p.Version) != nil:
		fs.Add(at+".version", fmt.Sprintf("is not a valid %s version", kind))
	}
}

func checkSupersedes(fs *errs.Fields, u Update) {
	seen := map[string]bool{}
	for _, id := range u.Supersedes {
		switch {
		case strings.TrimSpace(id) == "":
			fs.Add("supersedes", "must not contain blank ids")
		case id == u.VendorID:
			fs.Add("supersedes", "an update cannot supersede itself")
		case seen[id]:
			fs.Add("supersedes", fmt.Sprintf("names %q twice", id))
		}
		seen[id] = true
	}
}
