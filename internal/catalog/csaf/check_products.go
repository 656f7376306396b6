package csaf

import (
	"strings"

	packageurl "github.com/package-url/packageurl-go"
)

var branchCategories = []string{
	"architecture", "host_name", "language", "legacy", "patch_level", "product_family",
	"product_name", "product_version", "product_version_range", "service_pack", "specification", "vendor",
}

var relationshipCategories = []string{
	"default_component_of", "external_component_of", "installed_on", "installed_with", "optional_component_of",
}

// maxExpanded bounds how many product ids group references may expand to:
// a small document naming a huge group from every remediation would
// otherwise multiply into gigabytes when mapped.
const maxExpanded = 1 << 20

// checkProductTree records every product id the tree defines (test 6.1.2:
// once only) and then checks that relationships and groups reference
// defined ids (6.1.1), whatever the order of definitions.
func (c *checker) checkProductTree(t *productTree) {
	if t == nil {
		return
	}
	at := pointer("/product_tree")
	c.notEmptyList(at.key("branches"), t.Branches != nil, len(t.Branches))
	for i := range t.Branches {
		c.checkBranch(at.key("branches").idx(i), &t.Branches[i])
	}
	c.notEmptyList(at.key("full_product_names"), t.FullProductNames != nil, len(t.FullProductNames))
	for i := range t.FullProductNames {
		c.define(at.key("full_product_names").idx(i), &t.FullProductNames[i])
	}
	c.notEmptyList(at.key("relationships"), t.Relationships != nil, len(t.Relationships))
	for i, r := range t.Relationships {
		c.defineRelationship(at.key("relationships").idx(i), r)
	}
	c.notEmptyList(at.key("product_groups"), t.ProductGroups != nil, len(t.ProductGroups))
	for i, g := range t.ProductGroups {
		c.defineGroup(at.key("product_groups").idx(i), g)
	}
	for i, r := range t.Relationships {
		c.ref(at.key("relationships").idx(i).key("product_reference"), r.ProductReference)
		c.ref(at.key("relationships").idx(i).key("relates_to_product_reference"), r.RelatesToProductReference)
	}
	for i, g := range t.ProductGroups {
		c.refs(at.key("product_groups").idx(i).key("product_ids"), g.ProductIDs)
	}
}

// checkBranch checks one branch and its subtree; checkDepth already bounds
// the recursion.
func (c *checker) checkBranch(at pointer, b *branch) {
	c.oneOf(at.key("category"), b.Category, branchCategories...)
	c.required(at.key("name"), b.Name)
	switch {
	case b.Product != nil && b.Branches != nil:
		c.add(at, "must have either product or branches, not both")
	case b.Product == nil && len(b.Branches) == 0:
		c.add(at, "must have a product or at least one branch")
	}
	if b.Product != nil {
		c.define(at.key("product"), b.Product)
	}
	for i := range b.Branches {
		c.checkBranch(at.key("branches").idx(i), &b.Branches[i])
	}
}

func (c *checker) define(at pointer, p *fullProductName) {
	c.required(at.key("name"), p.Name)
	id := p.ProductID
	if c.required(at.key("product_id"), id) {
		if first, dup := c.products[id]; dup {
			c.add(at.key("product_id"), "product id %q is already defined at %s", id, first)
		} else {
			c.products[id] = at
		}
	}
	if p.Helper == nil {
		return
	}
	h := at.key("product_identification_helper")
	if p.Helper.CPE != "" && !strings.HasPrefix(p.Helper.CPE, "cpe:2.3:") && !strings.HasPrefix(strings.ToLower(p.Helper.CPE), "cpe:/") {
		c.add(h.key("cpe"), "must be a CPE 2.2 or 2.3 name")
	}
	if p.Helper.PURL != "" {
		if _, err := packageurl.FromString(p.Helper.PURL); err != nil || !strings.HasPrefix(p.Helper.PURL, "pkg:") {
			c.add(h.key("purl"), "must be a package URL")
		}
	}
}

func (c *checker) defineRelationship(at pointer, r relationship) {
	c.oneOf(at.key("category"), r.Category, relationshipCategories...)
	c.required(at.key("product_reference"), r.ProductReference)
	c.required(at.key("relates_to_product_reference"), r.RelatesToProductReference)
	if r.FullProductName == nil {
		c.add(at.key("full_product_name"), "required")
		return
	}
	c.define(at.key("full_product_name"), r.FullProductName)
	if id := r.FullProductName.ProductID; id != "" && (id == r.ProductReference || id == r.RelatesToProductReference) {
		c.add(at.key("full_product_name").key("product_id"), "product id %q is defined in terms of itself", id)
	}
}

func (c *checker) defineGroup(at pointer, g productGroup) {
	if c.required(at.key("group_id"), g.GroupID) {
		if _, dup := c.groups[g.GroupID]; dup {
			c.add(at.key("group_id"), "group id %q is already defined", g.GroupID)
		} else {
			c.groups[g.GroupID] = g.ProductIDs
		}
	}
	if len(g.ProductIDs) < 2 {
		c.add(at.key("product_ids"), "must have at least two items")
	}
}

// ref reports a reference to a product id the tree does not define.
func (c *checker) ref(at pointer, id string) {
	if id == "" {
		return
	}
	if _, ok := c.products[id]; !ok {
		c.add(at, "unknown product id %q", id)
	}
}

func (c *checker) refs(at pointer, ids []string) {
	for i, id := range ids {
		if c.required(at.idx(i), id) {
			c.ref(at.idx(i), id)
		}
	}
}

// groupRefs reports references to undefined groups (6.1.4) and charges the
// size of each referenced group to the expansion budget.
func (c *checker) groupRefs(at pointer, ids []string) {
	for i, id := range ids {
		members, ok := c.groups[id]
		if !ok {
			c.add(at.idx(i), "unknown group id %q", id)
			continue
		}
		c.expanded += len(members)
		if c.expanded > maxExpanded && !c.overExpanded {
			c.add(at.idx(i), "group references expand to more than %d product ids", maxExpanded)
			c.overExpanded = true
		}
	}
}
