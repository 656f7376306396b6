// Package csaf reads CSAF 2.0 security advisories: it decodes a document,
// checks the structure the standard requires (reporting each problem by the
// JSON Pointer of the offending member), and maps it into an Advisory that
// the patch catalog can store. It does no I/O beyond the bytes it is given.
package csaf

import "time"

// Advisory is what Changeboard keeps from one CSAF document.
type Advisory struct {
	// TrackingID is the publisher's identifier, e.g. "RHSA-2021:5217".
	TrackingID string
	// Version is tracking.version: "1" or a semantic version such as "1.0.1".
	Version string
	// Status is draft, interim or final.
	Status string
	// Category is the document category, e.g. csaf_security_advisory.
	Category string
	Title    string
	// Summary is the text of the first document note of category summary.
	Summary   string
	Lang      string
	Publisher Publisher
	// Severity is the publisher's aggregate severity text when given (e.g.
	// "Important"), otherwise the CVSS rating name of the highest base score.
	Severity string
	// Rating is Severity on one scale for filtering across publishers.
	Rating         Rating
	InitialRelease time.Time
	CurrentRelease time.Time
	Revisions      []Revision
	// SelfURL is the first reference of category self, where the document lives.
	SelfURL         string
	Products        []Product
	Vulnerabilities []Vulnerability
}

// Publisher is the organisation that issued the advisory.
type Publisher struct {
	Category  string
	Name      string
	Namespace string
}

// Revision is one entry of the document's revision history.
type Revision struct {
	Number  string
	Date    time.Time
	Summary string
}

// Product is one product id the document defines, from a branch leaf, a
// full product name or a relationship.
type Product struct {
	ID   string
	Name string
	CPE  string
	PURL string
	// Vendor, Family, ProductName, Version, VersionRange and Arch are the
	// names of the enclosing branches of those categories, when present.
	Vendor       string
	Family       string
	ProductName  string
	Version      string
	VersionRange string
	Arch         string
	// Relationship is set for products defined by a relationship, e.g. an
	// RPM that is a default component of a RHEL release.
	Relationship *Relationship
	// Package is the installable package the product stands for, when it can
	// be read from its purl or from an RPM NEVRA in its name.
	Package *Package
}

// Relationship says that product Component relates to product Platform.
type Relationship struct {
	// Category is default_component_of, external_component_of, installed_on,
	// installed_with or optional_component_of.
	Category  string
	Component string
	Platform  string
}

// Package identifies an installable package version.
type Package struct {
	// Type is the package-URL type, e.g. "rpm", "deb", "npm"; for rpm and deb
	// it names the pkgver.Kind to compare Version with.
	Type      string
	Namespace string
	Name      string
	// Version is [epoch:]version[-release] as the packaging system compares it.
	Version string
	Arch    string
}

// Vulnerability is one vulnerability of the advisory and what it says about
// each product.
type Vulnerability struct {
	// CVE is empty for vulnerabilities known only by other IDs.
	CVE         string
	IDs         []VulnerabilityID
	Title       string
	CWE         string
	ReleaseDate time.Time
	CVSS        []CVSS
	// ProductStatus lists product ids per status; only present statuses appear.
	ProductStatus map[Status][]string
	Remediations  []Remediation
}

// VulnerabilityID is an identifier in a tracking system other than CVE.
type VulnerabilityID struct {
	System string
	Text   string
}

// CVSS is one score of a vulnerability for a set of products.
type CVSS struct {
	// Version is "2.0", "3.0" or "3.1".
	Version   string
	BaseScore float64
	Vector    string
	// Severity is the v3 base severity as given, or the rating of the score.
	Severity   string
	ProductIDs []string
}

// Remediation is one remediation of a vulnerability.
type Remediation struct {
	Category RemediationCategory
	Details  string
	URL      string
	Date     time.Time
	// ProductIDs includes the members of the referenced product groups.
	ProductIDs []string
	// RestartRequired is the restart_required category ("none", "service",
	// "system", "machine", ...) or empty when the document does not say.
	RestartRequired string
}

// Status is a CSAF product status.
type Status string

// The product statuses of CSAF 2.0.
const (
	StatusFirstAffected      Status = "first_affected"
	StatusFirstFixed         Status = "first_fixed"
	StatusFixed              Status = "fixed"
	StatusKnownAffected      Status = "known_affected"
	StatusKnownNotAffected   Status = "known_not_affected"
	StatusLastAffected       Status = "last_affected"
	StatusRecommended        Status = "recommended"
	StatusUnderInvestigation Status = "under_investigation"
)

// RemediationCategory is the kind of a remediation.
type RemediationCategory string

// The remediation categories of CSAF 2.0.
const (
	RemediationMitigation    RemediationCategory = "mitigation"
	RemediationNoFixPlanned  RemediationCategory = "no_fix_planned"
	RemediationNoneAvailable RemediationCategory = "none_available"
	RemediationVendorFix     RemediationCategory = "vendor_fix"
	RemediationWorkaround    RemediationCategory = "workaround"
)

// CVEs returns the CVE ids of the advisory's vulnerabilities in document order.
func (a *Advisory) CVEs() []string {
	var out []string
	for _, v := range a.Vulnerabilities {
		if v.CVE != "" {
			out = append(out, v.CVE)
		}
	}
	return out
}

// Product returns the product with id, if the advisory defines it.
func (a *Advisory) Product(id string) (Product, bool) {
	for _, p := range a.Products {
		if p.ID == id {
			return p, true
		}
	}
	return Product{}, false
}

// MaxCVSS returns the score with the highest base score, if any.
func (v *Vulnerability) MaxCVSS() (CVSS, bool) {
	var best CVSS
	found := false
	for _, s := range v.CVSS {
		if !found || s.BaseScore > best.BaseScore {
			best, found = s, true
		}
	}
	return best, found
}

// RebootRequired reports whether a vendor fix says the machine or system must
// restart, which the release plan needs to know.
func (a *Advisory) RebootRequired() bool {
	for _, v := range a.Vulnerabilities {
		for _, r := range v.Remediations {
			if r.Category == RemediationVendorFix && (r.RestartRequired == "system" || r.RestartRequired == "machine") {
				return true
			}
		}
	}
	return false
}
