package catalog

import (
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/catalog/pkgver"
	"github.com/changeboard/changeboard/internal/workflow"
)

// Update is one entry of the patch catalog: what SUS synchronised, read from
// one security advisory (one update per advisory, keyed by the advisory's
// tracking id) or entered by hand for an update no advisory covers.
type Update struct {
	ID string
	// VendorID is the publisher's identifier: a CSAF tracking id such as
	// "RHSA-2022:0011", a KB number, a DSA id. It is unique in the catalog.
	VendorID  string
	Title     string
	Summary   string
	Publisher string
	Source    Source
	// Severity puts the publisher's rating on one scale for filtering.
	Severity Severity
	// SeverityText is the publisher's own word ("Important"), if any.
	SeverityText    string
	Vulnerabilities []Vulnerability
	Products        []Product
	Remediations    []Remediation
	// Packages are the fixed package versions; compliance compares the
	// installed versions of the kinds pkgver knows with them.
	Packages []FixedPackage
	// Supersedes and SupersededBy are vendor ids of other updates.
	Supersedes     []string
	SupersededBy   []string
	RebootRequired bool
	// ReleasedAt is the initial release, RevisedAt the current revision.
	ReleasedAt time.Time
	RevisedAt  time.Time
	URL        string
	// Document is the source advisory; nil for a manual entry.
	Document *Document
	State    State
	// StateReason is why the update was last declined, superseded or
	// expired; DecidedBy and DecidedAt say who approved or declined it.
	StateReason string
	DecidedBy   string
	DecidedAt   *time.Time
	// Version is the optimistic concurrency token; the store bumps it.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Document identifies the CSAF document an update was imported from.
type Document struct {
	TrackingID         string
	Version            string
	Status             string
	Category           string
	PublisherNamespace string
	// SHA256 is the hash of the bytes imported, whatever hash file came along.
	SHA256 string
	// DigestVerified is "sha512" or "sha256" when a hash file was checked.
	DigestVerified string
	Revisions      []Revision
}

// Revision is one entry of the advisory's revision history.
type Revision struct {
	Number  string
	Date    time.Time
	Summary string
}

// Vulnerability is one vulnerability the update fixes or describes.
type Vulnerability struct {
	// CVE is empty for vulnerabilities known only by other ids.
	CVE   string
	IDs   []string
	Title string
	CWE   string
	// CVSS is the highest score given, nil when none.
	CVSS *CVSS
	// ProductStatus lists product ids by CSAF status (fixed, known_affected…).
	ProductStatus map[string][]string
}

// CVSS is a CVSS score.
type CVSS struct {
	Version  string
	Score    float64
	Vector   string
	Severity string
}

// Product is a product the update names, with what the advisory says about
// it across its vulnerabilities: affected, fixed, not_affected or
// under_investigation.
type Product struct {
	ID       string
	Name     string
	CPE      string
	PURL     string
	Statuses []string
}

// Remediation is one remediation of the advisory: vendor_fix, mitigation,
// workaround, none_available or no_fix_planned.
type Remediation struct {
	Category        string
	Details         string
	URL             string
	ProductIDs      []string
	RestartRequired string
}

// FixedPackage is a package version that fixes the update's
// vulnerabilities. For a KB update Kind is kb, Name the KB number and
// Version empty.
type FixedPackage struct {
	// Kind is a pkgver.Kind for the packaging systems compliance compares,
	// else the package-URL type (npm, maven…), kept but not compared.
	Kind         string
	Name         string
	Architecture string
	Version      string
	// Platform is the product (a distribution release, an OS) the package
	// is a component of; empty when it stands alone.
	Platform    string
	PlatformCPE string
	ProductID   string
	CVEs        []string
}

// Compared reports whether compliance evaluates this package.
func (p FixedPackage) Compared() bool {
	_, err := pkgver.ParseKind(p.Kind)
	switch strings.ToLower(p.Architecture) {
	case "src", "nosrc", "source":
		return false // source packages are never installed as such
	}
	return err == nil
}

// CVEs lists the update's CVE ids in order.
func (u Update) CVEs() []string {
	var out []string
	for _, v := range u.Vulnerabilities {
		if v.CVE != "" {
			out = append(out, v.CVE)
		}
	}
	return out
}

// MaxCVSS is the highest CVSS base score of the update's vulnerabilities.
func (u Update) MaxCVSS() float64 {
	best := 0.0
	for _, v := range u.Vulnerabilities {
		if v.CVSS != nil && v.CVSS.Score > best {
			best = v.CVSS.Score
		}
	}
	return best
}

// KBs lists the KB numbers among the update's fixed packages.
func (u Update) KBs() []string {
	var out []string
	for _, p := range u.Packages {
		if p.Kind == string(pkgver.KB) {
			out = append(out, p.Name)
		}
	}
	return out
}

// Source says where an update came from.
type Source string

// The sources.
const (
	SourceCSAF   Source = "csaf"
	SourceManual Source = "manual"
)

// Severity is an update's rating on one scale, whatever words the
// publisher used.
type Severity string

// The severities, from the CVSS v3 qualitative scale.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
	SeverityNone     Severity = "none"
	SeverityUnknown  Severity = "unknown"
)

// Severities lists the severities from the most to the least severe.
func Severities() []Severity {
	return []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityNone, SeverityUnknown}
}

// ParseSeverity reads a severity.
func ParseSeverity(s string) (Severity, error) {
	return workflow.ParseEnum("severity", s, Severities())
}

// State is where an update is in its lifecycle.
type State string

// The update states (DESIGN §2).
const (
	StateNew        State = "new"
	StateApproved   State = "approved"
	StateDeclined   State = "declined"
	StateSuperseded State = "superseded"
	StateExpired    State = "expired"
)

// States lists every state in lifecycle order.
func States() []State {
	return []State{StateNew, StateApproved, StateDeclined, StateSuperseded, StateExpired}
}

// ParseState reads a state, for filters and for rows read back from storage.
func ParseState(s string) (State, error) { return workflow.ParseEnum("state", s, States()) }

// Open reports whether an update in state s may still have to be
// deployed; compliance summaries and per-CI totals count these.
func (s State) Open() bool { return s == StateNew || s == StateApproved }
