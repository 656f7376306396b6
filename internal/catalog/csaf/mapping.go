package csaf

import (
	"strings"
	"time"
)

// advisory maps a checked document; it relies on check having passed, so
// dates parse and references resolve.
func (d *document) advisory() *Advisory {
	m, t := d.Document, d.Document.Tracking
	a := &Advisory{
		TrackingID:     t.ID,
		Version:        t.Version,
		Status:         t.Status,
		Category:       m.Category,
		Title:          strings.TrimSpace(m.Title),
		Summary:        firstNote(m.Notes, "summary"),
		Lang:           m.Lang,
		Publisher:      Publisher{Category: m.Publisher.Category, Name: m.Publisher.Name, Namespace: m.Publisher.Namespace},
		InitialRelease: parseTime(t.InitialReleaseDate),
		CurrentRelease: parseTime(t.CurrentReleaseDate),
		SelfURL:        selfURL(m.References),
		Products:       productsOf(d.ProductTree),
	}
	for _, r := range t.RevisionHistory {
		a.Revisions = append(a.Revisions, Revision{Number: r.Number, Date: parseTime(r.Date), Summary: r.Summary})
	}
	groups := groupsOf(d.ProductTree)
	for i := range d.Vulnerabilities {
		a.Vulnerabilities = append(a.Vulnerabilities, mapVulnerability(&d.Vulnerabilities[i], groups))
	}
	aggregate := ""
	if m.AggregateSeverity != nil {
		aggregate = m.AggregateSeverity.Text
	}
	a.Severity, a.Rating = severityOf(aggregate, a.Vulnerabilities)
	return a
}

// parseTime returns t in UTC, or the zero time for an absent optional date.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func firstNote(notes []note, category string) string {
	for _, n := range notes {
		if n.Category == category {
			return n.Text
		}
	}
	return ""
}

func selfURL(refs []reference) string {
	for _, r := range refs {
		if r.Category == "self" {
			return r.URL
		}
	}
	return ""
}

func groupsOf(t *productTree) map[string][]string {
	out := map[string][]string{}
	if t != nil {
		for _, g := range t.ProductGroups {
			out[g.GroupID] = g.ProductIDs
		}
	}
	return out
}

func mapVulnerability(v *vulnerability, groups map[string][]string) Vulnerability {
	out := Vulnerability{CVE: v.CVE, Title: v.Title, ReleaseDate: parseTime(v.ReleaseDate)}
	if v.CWE != nil {
		out.CWE = v.CWE.ID
	}
	for _, id := range v.IDs {
		out.IDs = append(out.IDs, VulnerabilityID{System: id.SystemName, Text: id.Text})
	}
	for _, s := range v.Scores {
		if s.CVSSv3 != nil {
			out.CVSS = append(out.CVSS, mapCVSS(s.CVSSv3, s.CVSSv3.BaseSeverity, s.Products))
		}
		if s.CVSSv2 != nil {
			out.CVSS = append(out.CVSS, mapCVSS(s.CVSSv2, v2Severity(*s.CVSSv2.BaseScore), s.Products))
		}
	}
	for _, l := range v.ProductStatus.lists() {
		if len(l.ids) > 0 {
			if out.ProductStatus == nil {
				out.ProductStatus = map[Status][]string{}
			}
			out.ProductStatus[l.status] = append([]string(nil), l.ids...)
		}
	}
	for _, r := range v.Remediations {
		out.Remediations = append(out.Remediations, mapRemediation(r, groups))
	}
	return out
}

func mapCVSS(c *cvss, severity string, products []string) CVSS {
	return CVSS{
		Version:    c.Version,
		BaseScore:  *c.BaseScore,
		Vector:     c.VectorString,
		Severity:   severity,
		ProductIDs: append([]string(nil), products...),
	}
}

// v2Severity applies CVSS v2's three-level scale, which v2 objects do not carry.
func v2Severity(score float64) string {
	switch {
	case score >= 7:
		return "HIGH"
	case score >= 4:
		return "MEDIUM"
	}
	return "LOW"
}

func mapRemediation(r remediation, groups map[string][]string) Remediation {
	out := Remediation{
		Category:   RemediationCategory(r.Category),
		Details:    r.Details,
		URL:        r.URL,
		Date:       parseTime(r.Date),
		ProductIDs: expand(r.ProductIDs, r.GroupIDs, groups),
	}
	if r.RestartRequired != nil {
		out.RestartRequired = r.RestartRequired.Category
	}
	return out
}

// expand returns ids followed by the members of the groups, each id once.
func expand(ids, groupIDs []string, groups map[string][]string) []string {
	seen := make(map[string]bool, len(ids))
	var out []string
	add := func(list []string) {
		for _, id := range list {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	add(ids)
	for _, g := range groupIDs {
		add(groups[g])
	}
	return out
}
