package csaf

var (
	remediationCategories = []string{"mitigation", "no_fix_planned", "none_available", "vendor_fix", "workaround"}
	restartCategories     = []string{
		"none", "vulnerable_service", "service", "parent", "child", "vulnerable_component",
		"dependencies", "connected", "machine", "zone", "system",
	}
	threatCategories = []string{"exploit_status", "impact", "target_set"}
	flagLabels       = []string{
		"component_not_present", "inline_mitigations_already_exist",
		"vulnerable_code_cannot_be_controlled_by_adversary", "vulnerable_code_not_in_execute_path",
		"vulnerable_code_not_present",
	}
	cvssSeverities = []string{"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"}
)

// statusGroup is the group of test 6.1.6: a product may be in several lists
// of one group (first_fixed and fixed) but never in two groups.
func statusGroup(s Status) string {
	switch s {
	case StatusFirstAffected, StatusKnownAffected, StatusLastAffected:
		return "affected"
	case StatusKnownNotAffected:
		return "not affected"
	case StatusFirstFixed, StatusFixed:
		return "fixed"
	case StatusUnderInvestigation:
		return "under investigation"
	}
	return ""
}

func (c *checker) checkVulnerabilities(vulns []vulnerability) {
	at := pointer("/vulnerabilities")
	c.notEmptyList(at, vulns != nil, len(vulns))
	seen := map[string]int{}
	for i := range vulns {
		v := &vulns[i]
		vat := at.idx(i)
		if v.CVE != "" {
			if !cvePattern.MatchString(v.CVE) {
				c.add(vat.key("cve"), "must be a CVE id (CVE-YYYY-NNNN)")
			} else if first, dup := seen[v.CVE]; dup {
				c.add(vat.key("cve"), "%s is already the subject of /vulnerabilities/%d", v.CVE, first)
			} else {
				seen[v.CVE] = i
			}
		}
		c.checkVulnerability(vat, v)
	}
}

func (c *checker) checkVulnerability(at pointer, v *vulnerability) {
	for i, id := range v.IDs {
		c.required(at.key("ids").idx(i).key("system_name"), id.SystemName)
		c.required(at.key("ids").idx(i).key("text"), id.Text)
	}
	if v.CWE != nil && !cwePattern.MatchString(v.CWE.ID) {
		c.add(at.key("cwe").key("id"), "must be a CWE id (CWE-NNN)")
	}
	c.optionalDate(at.key("release_date"), v.ReleaseDate)
	c.optionalDate(at.key("discovery_date"), v.DiscoveryDate)
	c.checkNotes(at.key("notes"), v.Notes)
	c.checkStatus(at.key("product_status"), v.ProductStatus)
	c.notEmptyList(at.key("remediations"), v.Remediations != nil, len(v.Remediations))
	for i := range v.Remediations {
		c.checkRemediation(at.key("remediations").idx(i), &v.Remediations[i])
	}
	c.checkScores(at.key("scores"), v.Scores)
	for i, t := range v.Threats {
		tat := at.key("threats").idx(i)
		c.oneOf(tat.key("category"), t.Category, threatCategories...)
		c.required(tat.key("details"), t.Details)
		c.refs(tat.key("product_ids"), t.ProductIDs)
		c.groupRefs(tat.key("group_ids"), t.GroupIDs)
	}
	for i, f := range v.Flags {
		fat := at.key("flags").idx(i)
		c.oneOf(fat.key("label"), f.Label, flagLabels...)
		c.refs(fat.key("product_ids"), f.ProductIDs)
		c.groupRefs(fat.key("group_ids"), f.GroupIDs)
	}
}

// checkStatus checks the references of each list and test 6.1.6
// (contradicting product status), which would make compliance ambiguous.
func (c *checker) checkStatus(at pointer, s *productStatus) {
	groupOf := map[string]Status{}
	for _, l := range s.lists() {
		lat := at.key(string(l.status))
		c.notEmptyList(lat, l.ids != nil, len(l.ids))
		c.refs(lat, l.ids)
		g := statusGroup(l.status)
		if g == "" {
			continue
		}
		for i, id := range l.ids {
			if prev, ok := groupOf[id]; ok && statusGroup(prev) != g {
				c.add(lat.idx(i), "product %q is also %s", id, prev)
				continue
			}
			groupOf[id] = l.status
		}
	}
}

func (c *checker) checkRemediation(at pointer, r *remediation) {
	c.oneOf(at.key("category"), r.Category, remediationCategories...)
	c.required(at.key("details"), r.Details)
	if r.URL != "" {
		c.absoluteURL(at.key("url"), r.URL)
	}
	c.optionalDate(at.key("date"), r.Date)
	if len(r.ProductIDs) == 0 && len(r.GroupIDs) == 0 {
		c.add(at, "must name product_ids or group_ids")
	}
	c.refs(at.key("product_ids"), r.ProductIDs)
	c.groupRefs(at.key("group_ids"), r.GroupIDs)
	if r.RestartRequired != nil {
		c.oneOf(at.key("restart_required").key("category"), r.RestartRequired.Category, restartCategories...)
	}
}

// checkScores checks each CVSS object and test 6.1.7: one score per CVSS
// version and product, or the product's score would be ambiguous.
func (c *checker) checkScores(at pointer, scores []score) {
	c.notEmptyList(at, scores != nil, len(scores))
	seen := map[[2]string]bool{}
	for i, s := range scores {
		sat := at.idx(i)
		if len(s.Products) == 0 {
			c.add(sat.key("products"), "must have at least one item")
		}
		c.refs(sat.key("products"), s.Products)
		if s.CVSSv3 == nil && s.CVSSv2 == nil {
			c.add(sat, "must have cvss_v3 or cvss_v2")
		}
		for _, v := range []struct {
			key string
			cv  *cvss
		}{{"cvss_v3", s.CVSSv3}, {"cvss_v2", s.CVSSv2}} {
			if v.cv == nil {
				continue
			}
			c.checkCVSS(sat.key(v.key), v.key, v.cv)
			for j, p := range s.Products {
				if k := [2]string{p, v.cv.Version}; seen[k] {
					c.add(sat.key("products").idx(j), "product %q already has a CVSS %s score", p, v.cv.Version)
				} else {
					seen[k] = true
				}
			}
		}
	}
}

func (c *checker) checkCVSS(at pointer, key string, s *cvss) {
	if key == "cvss_v3" {
		c.oneOf(at.key("version"), s.Version, "3.0", "3.1")
		c.oneOf(at.key("baseSeverity"), s.BaseSeverity, cvssSeverities...)
	} else {
		c.oneOf(at.key("version"), s.Version, "2.0")
	}
	c.required(at.key("vectorString"), s.VectorString)
	switch {
	case s.BaseScore == nil:
		c.add(at.key("baseScore"), "required")
	case *s.BaseScore < 0 || *s.BaseScore > 10:
		c.add(at.key("baseScore"), "must be between 0 and 10")
	}
}
