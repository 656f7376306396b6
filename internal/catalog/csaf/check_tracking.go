package csaf

import (
	"strings"
	"time"
)

func (c *checker) checkTracking(at pointer, t *tracking) {
	if t == nil {
		c.add(at, "required")
		return
	}
	if c.required(at.key("id"), t.ID) && strings.TrimSpace(t.ID) != t.ID {
		c.add(at.key("id"), "must not start or end with white space")
	}
	c.oneOf(at.key("status"), t.Status, "draft", "final", "interim")
	c.versionNumber(at.key("version"), t.Version)
	c.date(at.key("initial_release_date"), t.InitialReleaseDate)
	c.date(at.key("current_release_date"), t.CurrentReleaseDate)
	c.checkRevisions(at.key("revision_history"), t)
}

// versionNumber checks the two numbering schemes CSAF allows.
func (c *checker) versionNumber(at pointer, v string) {
	if c.required(at, v) && !intVersion.MatchString(v) && !semVersion.MatchString(v) {
		c.add(at, "must be an integer or a semantic version")
	}
}

func (c *checker) checkRevisions(at pointer, t *tracking) {
	if len(t.RevisionHistory) == 0 {
		c.add(at, "must have at least one item")
		return
	}
	seen := map[string]bool{}
	semantic := semVersion.MatchString(t.Version)
	for i, r := range t.RevisionHistory {
		c.date(at.idx(i).key("date"), r.Date)
		c.versionNumber(at.idx(i).key("number"), r.Number)
		c.required(at.idx(i).key("summary"), r.Summary)
		if seen[r.Number] {
			c.add(at.idx(i).key("number"), "number %q appears twice in the revision history", r.Number)
		}
		seen[r.Number] = true
		if r.Number != "" && semVersion.MatchString(r.Number) != semantic {
			c.add(at.idx(i).key("number"), "mixes integer and semantic versioning with /document/tracking/version")
		}
	}
	c.checkLatestRevision(at, t)
}

// checkLatestRevision holds test 6.1.16: the document version is the number
// of the latest revision. Changeboard relies on it, because the version is
// what tells a re-import from a revised document.
func (c *checker) checkLatestRevision(at pointer, t *tracking) {
	var latest time.Time
	var numbers []string
	for i, r := range t.RevisionHistory {
		d, err := time.Parse(time.RFC3339, r.Date)
		if err != nil {
			return
		}
		switch {
		case i == 0 || d.After(latest):
			latest, numbers = d, []string{r.Number}
		case d.Equal(latest):
			numbers = append(numbers, r.Number)
		}
	}
	draft := t.Status == "draft"
	for _, n := range numbers {
		if versionKey(n, draft) == versionKey(t.Version, draft) {
			return
		}
	}
	c.add(pointer("/document/tracking/version"), "must equal the number of the latest revision (%s)", strings.Join(numbers, " or "))
}

// versionKey drops what 6.1.16 ignores: build metadata always, and the
// pre-release part of a draft.
func versionKey(v string, draft bool) string {
	if !semVersion.MatchString(v) {
		return v
	}
	if i := strings.IndexByte(v, '+'); i >= 0 {
		v = v[:i]
	}
	if i := strings.IndexByte(v, '-'); draft && i >= 0 {
		v = v[:i]
	}
	return v
}
