package csaf

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
)

// The document categories with a profile in CSAF 2.0; any other category
// follows the csaf_base profile.
const (
	categoryBase          = "csaf_base"
	categorySecurity      = "csaf_security_advisory"
	categoryVEX           = "csaf_vex"
	categoryInformational = "csaf_informational_advisory"
	categoryIncident      = "csaf_security_incident_response"
)

// maxProblems caps the error list: a broken generator repeats one mistake
// thousands of times, and nobody reads past the first screen.
const maxProblems = 100

var (
	categoryPattern = regexp.MustCompile(`^[^\s\-_.](.*[^\s\-_.])?$`)
	intVersion      = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	semVersion      = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
		`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
		`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
	cvePattern = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
	cwePattern = regexp.MustCompile(`^CWE-[1-9]\d{0,5}$`)
)

// checker collects the problems of one document and the ids it defines.
type checker struct {
	problems errs.Fields
	dropped  int
	products map[string]pointer
	groups   map[string][]string
	expanded int
	// overExpanded is set once the group expansion budget is spent, so that
	// the problem is reported once.
	overExpanded bool
}

func (c *checker) add(at pointer, format string, args ...any) {
	if len(c.problems) >= maxProblems {
		c.dropped++
		return
	}
	c.problems.Add(at.String(), fmt.Sprintf(format, args...))
}

func (c *checker) err() error {
	if c.dropped > 0 {
		c.problems.Add(rootPointer, fmt.Sprintf("%d more problems not listed", c.dropped))
	}
	return c.problems.Err()
}

// required reports a blank string member.
func (c *checker) required(at pointer, v string) bool {
	if strings.TrimSpace(v) == "" {
		c.add(at, "required")
		return false
	}
	return true
}

// oneOf reports a member whose value is not in the standard's enumeration.
func (c *checker) oneOf(at pointer, v string, allowed ...string) {
	if !c.required(at, v) {
		return
	}
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.add(at, "must be one of %s", strings.Join(allowed, ", "))
}

// notEmptyList reports a list given but empty: the schema wants at least one item.
func (c *checker) notEmptyList(at pointer, present bool, n int) {
	if present && n == 0 {
		c.add(at, "must have at least one item")
	}
}

func (c *checker) date(at pointer, v string) (time.Time, bool) {
	if !c.required(at, v) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		c.add(at, "must be an RFC 3339 date-time")
		return time.Time{}, false
	}
	// The mapped Advisory uses the zero time for "no date", so a date of
	// year 1 would vanish; no advisory predates 1970 anyway.
	if t.UTC().Year() < 1970 {
		c.add(at, "must not be before 1970")
		return time.Time{}, false
	}
	return t, true
}

func (c *checker) optionalDate(at pointer, v string) {
	if v != "" {
		c.date(at, v)
	}
}

func (c *checker) absoluteURL(at pointer, v string) {
	if !c.required(at, v) {
		return
	}
	if u, err := url.Parse(v); err != nil || u.Scheme == "" {
		c.add(at, "must be an absolute URI")
	}
}

// check runs every check and returns an Invalid error listing all problems.
func (d *document) check() error {
	c := &checker{products: map[string]pointer{}, groups: map[string][]string{}}
	profile := c.checkMeta(d.Document)
	c.checkProductTree(d.ProductTree)
	c.checkVulnerabilities(d.Vulnerabilities)
	c.checkProfile(d, profile)
	return c.err()
}

func (c *checker) checkMeta(m *docMeta) string {
	at := pointer("/document")
	if m == nil {
		c.add(at, "required")
		return ""
	}
	profile := c.checkCategory(at.key("category"), m.Category)
	if m.CSAFVersion != "2.0" {
		c.add(at.key("csaf_version"), `must be "2.0"`)
	}
	c.required(at.key("title"), m.Title)
	c.checkPublisher(at.key("publisher"), m.Publisher)
	c.checkTracking(at.key("tracking"), m.Tracking)
	if m.AggregateSeverity != nil {
		c.required(at.key("aggregate_severity").key("text"), m.AggregateSeverity.Text)
	}
	c.checkNotes(at.key("notes"), m.Notes)
	c.notEmptyList(at.key("references"), m.References != nil, len(m.References))
	for i, r := range m.References {
		c.absoluteURL(at.key("references").idx(i).key("url"), r.URL)
		if r.Category != "" {
			c.oneOf(at.key("references").idx(i).key("category"), r.Category, "external", "self")
		}
	}
	return profile
}

// checkCategory returns the profile the category selects. Names that look
// like a profile but are not one are refused (test 6.1.26), because a
// consumer would otherwise apply the wrong profile's rules.
func (c *checker) checkCategory(at pointer, cat string) string {
	if !c.required(at, cat) {
		return ""
	}
	if !categoryPattern.MatchString(cat) {
		c.add(at, "must not start or end with white space, '-', '_' or '.'")
	}
	norm := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(cat))
	if cat == categoryBase {
		return categoryBase
	}
	for _, p := range []string{categorySecurity, categoryVEX, categoryInformational, categoryIncident} {
		if cat == p {
			return p
		}
		if norm == strings.ReplaceAll(p, "_", "") || norm == strings.ReplaceAll(strings.TrimPrefix(p, "csaf_"), "_", "") {
			c.add(at, "looks like the profile %q but is not spelled as it", p)
		}
	}
	if strings.HasPrefix(strings.ToLower(cat), "csaf_") {
		c.add(at, "the csaf_ prefix is reserved for the standard's profiles")
	}
	return categoryBase
}

func (c *checker) checkPublisher(at pointer, p *publisher) {
	if p == nil {
		c.add(at, "required")
		return
	}
	c.oneOf(at.key("category"), p.Category, "coordinator", "discoverer", "other", "translator", "user", "vendor")
	c.required(at.key("name"), p.Name)
	c.absoluteURL(at.key("namespace"), p.Namespace)
}

func (c *checker) checkNotes(at pointer, notes []note) {
	c.notEmptyList(at, notes != nil, len(notes))
	for i, n := range notes {
		c.oneOf(at.idx(i).key("category"), n.Category,
			"description", "details", "faq", "general", "legal_disclaimer", "other", "summary")
		c.required(at.idx(i).key("text"), n.Text)
	}
}
