package catalog

import (
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/catalog/csaf"
)

// FromAdvisory maps a parsed CSAF advisory into an update. The mapping is
// one update per advisory, as SUS and WSUS had one update per bulletin: the
// tracking id is the vendor id, the products, vulnerabilities (with their
// product status), remediations and fixed packages hang off it, and each
// newer revision of the document revises the same update.
func FromAdvisory(a *csaf.Advisory, sha256, digestVerified string) Update {
	u := Update{
		VendorID:       a.TrackingID,
		Title:          a.Title,
		Summary:        a.Summary,
		Publisher:      a.Publisher.Name,
		Source:         SourceCSAF,
		Severity:       severityOf(a.Rating),
		SeverityText:   a.Severity,
		RebootRequired: a.RebootRequired(),
		ReleasedAt:     a.InitialRelease.UTC().Truncate(time.Second),
		RevisedAt:      a.CurrentRelease.UTC().Truncate(time.Second),
		URL:            a.SelfURL,
		Document: &Document{TrackingID: a.TrackingID, Version: a.Version, Status: a.Status, Category: a.Category,
			PublisherNamespace: a.Publisher.Namespace, SHA256: sha256, DigestVerified: digestVerified},
	}
	for _, r := range a.Revisions {
		u.Document.Revisions = append(u.Document.Revisions, Revision{Number: r.Number, Date: r.Date.UTC(), Summary: r.Summary})
	}
	for i := range a.Vulnerabilities {
		u.Vulnerabilities = append(u.Vulnerabilities, mapVulnerability(&a.Vulnerabilities[i]))
	}
	u.Products = mapProducts(a)
	for i := range a.Vulnerabilities {
		for _, r := range a.Vulnerabilities[i].Remediations {
			u.Remediations = appendRemediation(u.Remediations, Remediation{Category: string(r.Category), Details: r.Details,
				URL: r.URL, ProductIDs: slices.Clone(r.ProductIDs), RestartRequired: r.RestartRequired})
		}
	}
	for _, fp := range a.FixedPackages() {
		u.Packages = append(u.Packages, FixedPackage{Kind: strings.ToLower(fp.Package.Type), Name: fp.Package.Name,
			Architecture: fp.Package.Arch, Version: fp.Package.Version, Platform: fp.Platform,
			PlatformCPE: fp.PlatformCPE, ProductID: fp.ProductID, CVEs: slices.Clone(fp.CVEs)})
	}
	return u
}

func severityOf(r csaf.Rating) Severity {
	switch r {
	case csaf.RatingCritical:
		return SeverityCritical
	case csaf.RatingHigh:
		return SeverityHigh
	case csaf.RatingMedium:
		return SeverityMedium
	case csaf.RatingLow:
		return SeverityLow
	case csaf.RatingNone:
		return SeverityNone
	}
	return SeverityUnknown
}

// SeverityOfScore rates a CVSS base score, for manual entries that give a
// score but no severity.
func SeverityOfScore(score float64) Severity {
	if score <= 0 {
		return SeverityUnknown
	}
	return severityOf(csaf.RatingOfScore(score))
}

func mapVulnerability(v *csaf.Vulnerability) Vulnerability {
	out := Vulnerability{CVE: v.CVE, Title: v.Title, CWE: v.CWE}
	for _, id := range v.IDs {
		out.IDs = append(out.IDs, id.System+": "+id.Text)
	}
	if s, ok := v.MaxCVSS(); ok {
		out.CVSS = &CVSS{Version: s.Version, Score: s.BaseScore, Vector: s.Vector, Severity: strings.ToLower(s.Severity)}
	}
	if len(v.ProductStatus) > 0 {
		out.ProductStatus = make(map[string][]string, len(v.ProductStatus))
		for st, ids := range v.ProductStatus {
			out.ProductStatus[string(st)] = slices.Clone(ids)
		}
	}
	return out
}

// statusGroups folds CSAF's product statuses into the four a reader needs.
var statusGroups = map[csaf.Status]string{
	csaf.StatusFirstAffected: "affected", csaf.StatusKnownAffected: "affected", csaf.StatusLastAffected: "affected",
	csaf.StatusFirstFixed: "fixed", csaf.StatusFixed: "fixed",
	csaf.StatusKnownNotAffected:   "not_affected",
	csaf.StatusUnderInvestigation: "under_investigation",
	csaf.StatusRecommended:        "recommended",
}

// mapProducts lists every product the tree defines, with the statuses the
// vulnerabilities give it.
func mapProducts(a *csaf.Advisory) []Product {
	statuses := map[string][]string{}
	for _, v := range a.Vulnerabilities {
		for st, ids := range v.ProductStatus {
			g := statusGroups[st]
			for _, id := range ids {
				if g != "" && !slices.Contains(statuses[id], g) {
					statuses[id] = append(statuses[id], g)
				}
			}
		}
	}
	out := make([]Product, 0, len(a.Products))
	for _, p := range a.Products {
		st := statuses[p.ID]
		slices.Sort(st)
		out = append(out, Product{ID: p.ID, Name: p.Name, CPE: p.CPE, PURL: p.PURL, Statuses: st})
	}
	return out
}

// appendRemediation merges a remediation that several vulnerabilities
// repeat (the same category, text and URL) into one.
func appendRemediation(list []Remediation, r Remediation) []Remediation {
	for i := range list {
		l := &list[i]
		if l.Category == r.Category && l.Details == r.Details && l.URL == r.URL && l.RestartRequired == r.RestartRequired {
			for _, id := range r.ProductIDs {
				if !slices.Contains(l.ProductIDs, id) {
					l.ProductIDs = append(l.ProductIDs, id)
				}
			}
			return list
		}
	}
	return append(list, r)
}
