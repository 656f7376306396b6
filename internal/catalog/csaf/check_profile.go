package csaf

// checkProfile holds the profile tests of 6.1.27 that matter to a patch
// catalog: what an advisory or a VEX document must contain for its product
// statuses to mean anything.
func (c *checker) checkProfile(d *document, profile string) {
	switch profile {
	case categorySecurity, categoryVEX:
		if d.ProductTree == nil {
			c.add(pointer("/product_tree"), "required for %s documents", profile)
		}
		if len(d.Vulnerabilities) == 0 {
			c.add(pointer("/vulnerabilities"), "required for %s documents", profile)
		}
	case categoryInformational:
		if d.Vulnerabilities != nil {
			c.add(pointer("/vulnerabilities"), "not allowed in %s documents", profile)
		}
	}
	for i := range d.Vulnerabilities {
		at := pointer("/vulnerabilities").idx(i)
		switch profile {
		case categorySecurity:
			if d.Vulnerabilities[i].ProductStatus == nil {
				c.add(at.key("product_status"), "required for %s documents", profile)
			}
		case categoryVEX:
			c.checkVEX(at, &d.Vulnerabilities[i])
		}
	}
}

// checkVEX holds tests 6.1.27.7 to 6.1.27.10: a VEX statement needs an id,
// a status, an impact statement for "not affected" and an action statement
// for "affected".
func (c *checker) checkVEX(at pointer, v *vulnerability) {
	if v.CVE == "" && len(v.IDs) == 0 {
		c.add(at.key("cve"), "a csaf_vex vulnerability needs a cve or ids")
	}
	s := v.ProductStatus
	if s == nil || len(s.Fixed)+len(s.KnownAffected)+len(s.KnownNotAffected)+len(s.UnderInvestigation) == 0 {
		c.add(at.key("product_status"), "a csaf_vex vulnerability needs fixed, known_affected, known_not_affected or under_investigation")
		return
	}
	if c.overExpanded {
		return // expanding the groups again would cost what the budget forbids
	}
	impact := c.covered(func(add func([]string, []string)) {
		for _, t := range v.Threats {
			if t.Category == "impact" {
				add(t.ProductIDs, t.GroupIDs)
			}
		}
		for _, f := range v.Flags {
			add(f.ProductIDs, f.GroupIDs)
		}
	})
	for i, id := range s.KnownNotAffected {
		if !impact[id] {
			c.add(at.key("product_status").key("known_not_affected").idx(i), "no impact statement (threat of category impact or flag) for %q", id)
		}
	}
	action := c.covered(func(add func([]string, []string)) {
		for _, r := range v.Remediations {
			add(r.ProductIDs, r.GroupIDs)
		}
	})
	for i, id := range s.KnownAffected {
		if !action[id] {
			c.add(at.key("product_status").key("known_affected").idx(i), "no action statement (remediation) for %q", id)
		}
	}
}

// covered collects the product ids that the statements visited by each name,
// directly or through a group.
func (c *checker) covered(each func(add func(ids, groups []string))) map[string]bool {
	out := map[string]bool{}
	each(func(ids, groups []string) {
		for _, id := range ids {
			out[id] = true
		}
		for _, g := range groups {
			for _, id := range c.groups[g] {
				out[id] = true
			}
		}
	})
	return out
}
