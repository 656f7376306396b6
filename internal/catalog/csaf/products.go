package csaf

// branchPath carries the names of the enclosing branches down the tree.
type branchPath struct {
	vendor, family, name, version, versionRange, arch string
}

func (bp branchPath) with(b *branch) branchPath {
	switch b.Category {
	case "vendor":
		bp.vendor = b.Name
	case "product_family":
		bp.family = b.Name
	case "product_name":
		bp.name = b.Name
	case "product_version":
		bp.version = b.Name
	case "product_version_range":
		bp.versionRange = b.Name
	case "architecture":
		bp.arch = b.Name
	}
	return bp
}

// productsOf lists every product the tree defines, in document order:
// branch leaves, full product names, then relationships.
func productsOf(t *productTree) []Product {
	if t == nil {
		return nil
	}
	var out []Product
	var walk func(bs []branch, bp branchPath)
	walk = func(bs []branch, bp branchPath) {
		for i := range bs {
			here := bp.with(&bs[i])
			if bs[i].Product != nil {
				out = append(out, newProduct(bs[i].Product, here))
			}
			walk(bs[i].Branches, here)
		}
	}
	walk(t.Branches, branchPath{})
	for i := range t.FullProductNames {
		out = append(out, newProduct(&t.FullProductNames[i], branchPath{}))
	}
	for _, r := range t.Relationships {
		p := newProduct(r.FullProductName, branchPath{})
		p.Relationship = &Relationship{Category: r.Category, Component: r.ProductReference, Platform: r.RelatesToProductReference}
		out = append(out, p)
	}
	inheritPackages(out)
	return out
}

func newProduct(f *fullProductName, bp branchPath) Product {
	p := Product{
		ID:           f.ProductID,
		Name:         f.Name,
		Vendor:       bp.vendor,
		Family:       bp.family,
		ProductName:  bp.name,
		Version:      bp.version,
		VersionRange: bp.versionRange,
		Arch:         bp.arch,
	}
	if f.Helper != nil {
		p.CPE, p.PURL = f.Helper.CPE, f.Helper.PURL
	}
	p.Package = packageOf(p)
	return p
}

// maxRelationshipHops bounds the walk from a relationship to the component
// that carries the package; relationships may chain, and a malicious chain
// may loop.
const maxRelationshipHops = 8

// inheritPackages gives a relationship product without a package of its own
// the package of its component: "telnet as a component of RHEL 7.6 AUS" is
// the telnet package, installed on that platform.
func inheritPackages(products []Product) {
	byID := make(map[string]int, len(products))
	for i, p := range products {
		byID[p.ID] = i
	}
	for i := range products {
		if products[i].Relationship == nil || products[i].Package != nil {
			continue
		}
		cur := products[i]
		for hop := 0; hop < maxRelationshipHops && cur.Relationship != nil && cur.Package == nil; hop++ {
			j, ok := byID[cur.Relationship.Component]
			if !ok {
				break
			}
			cur = products[j]
		}
		if cur.Package != nil {
			pkg := *cur.Package
			products[i].Package = &pkg
		}
	}
}
