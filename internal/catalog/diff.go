package catalog

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Changes says, in words, what a revision changes in an update's content:
// one line per field, with what was added and removed for the lists. It
// ignores the document's own identity (version, hash, revision history)
// and the process fields (state, decisions, supersedence).
func Changes(before, after Update) []string {
	var out []string
	for _, f := range []struct{ name, a, b string }{
		{"title", before.Title, after.Title},
		{"summary", before.Summary, after.Summary},
		{"publisher", before.Publisher, after.Publisher},
		{"severity", string(before.Severity), string(after.Severity)},
		{"severity_text", before.SeverityText, after.SeverityText},
		{"url", before.URL, after.URL},
		{"reboot_required", fmt.Sprint(before.RebootRequired), fmt.Sprint(after.RebootRequired)},
		{"released_at", stamp(before.ReleasedAt), stamp(after.ReleasedAt)},
	} {
		if f.a != f.b {
			out = append(out, fieldChange(f.name, f.a, f.b))
		}
	}
	out = append(out, listChanges("cves", vulnKeys(before), vulnKeys(after))...)
	out = append(out, vulnDetails(before, after)...)
	out = append(out, listChanges("products", productKeys(before), productKeys(after))...)
	out = append(out, listChanges("remediations", remediationKeys(before), remediationKeys(after))...)
	out = append(out, listChanges("fixed_packages", packageKeys(before), packageKeys(after))...)
	return out
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func fieldChange(name, a, b string) string {
	const shown = 80
	if len(a) > shown || len(b) > shown {
		return name + " changed"
	}
	return fmt.Sprintf("%s: %q → %q", name, a, b)
}

// listChanges compares two sets of keys and names what was added and removed.
func listChanges(name string, before, after []string) []string {
	var added, removed []string
	for _, k := range after {
		if !slices.Contains(before, k) {
			added = append(added, k)
		}
	}
	for _, k := range before {
		if !slices.Contains(after, k) {
			removed = append(removed, k)
		}
	}
	var out []string
	if len(added) > 0 {
		out = append(out, name+" added: "+summarise(added))
	}
	if len(removed) > 0 {
		out = append(out, name+" removed: "+summarise(removed))
	}
	return out
}

// summarise joins at most five keys, then says how many more.
func summarise(keys []string) string {
	const shown = 5
	if len(keys) <= shown {
		return strings.Join(keys, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(keys[:shown], ", "), len(keys)-shown)
}

func vulnKeys(u Update) []string {
	out := make([]string, 0, len(u.Vulnerabilities))
	for _, v := range u.Vulnerabilities {
		out = append(out, vulnName(v))
	}
	return out
}

func vulnName(v Vulnerability) string {
	if v.CVE != "" {
		return v.CVE
	}
	return strings.Join(v.IDs, "+")
}

// vulnDetails says how the score and the product status of each
// vulnerability both revisions name changed.
func vulnDetails(before, after Update) []string {
	old := map[string]Vulnerability{}
	for _, v := range before.Vulnerabilities {
		old[vulnName(v)] = v
	}
	var out []string
	for _, v := range after.Vulnerabilities {
		name := vulnName(v)
		b, ok := old[name]
		if !ok {
			continue
		}
		if a, z := scoreText(b.CVSS), scoreText(v.CVSS); a != z {
			out = append(out, fmt.Sprintf("%s score: %s → %s", name, a, z))
		}
		statuses := slices.Sorted(maps.Keys(v.ProductStatus))
		for st := range b.ProductStatus {
			if _, ok := v.ProductStatus[st]; !ok {
				statuses = append(statuses, st)
			}
		}
		for _, st := range statuses {
			out = append(out, listChanges(name+" "+st, b.ProductStatus[st], v.ProductStatus[st])...)
		}
	}
	return out
}

func scoreText(c *CVSS) string {
	if c == nil {
		return "none"
	}
	return fmt.Sprintf("CVSS %s %.1f", c.Version, c.Score)
}

func productKeys(u Update) []string {
	out := make([]string, 0, len(u.Products))
	for _, p := range u.Products {
		out = append(out, p.ID)
	}
	return out
}

func remediationKeys(u Update) []string {
	out := make([]string, 0, len(u.Remediations))
	for _, r := range u.Remediations {
		out = append(out, fmt.Sprintf("%s %s (%d products)", r.Category, r.URL, len(r.ProductIDs)))
	}
	return out
}

func packageKeys(u Update) []string {
	out := make([]string, 0, len(u.Packages))
	for _, p := range u.Packages {
		k := p.Kind + ":" + p.Name
		if p.Version != "" {
			k += " " + p.Version
		}
		if p.Architecture != "" {
			k += "." + p.Architecture
		}
		if p.Platform != "" {
			k += " on " + p.Platform
		}
		out = append(out, k)
	}
	return out
}
