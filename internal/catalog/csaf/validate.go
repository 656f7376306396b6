package csaf

import (
	"fmt"
	"math"

	"github.com/changeboard/changeboard/internal/errs"
)

// Validate checks the invariants that every Advisory returned by Parse holds:
// identity and dates present, product ids unique, and every product id a
// vulnerability names defined. Code that builds or edits an Advisory by hand
// calls it before storing one.
func (a *Advisory) Validate() error {
	var f errs.Fields
	for field, v := range map[string]string{
		"/tracking_id": a.TrackingID, "/version": a.Version, "/status": a.Status,
		"/category": a.Category, "/title": a.Title, "/publisher/name": a.Publisher.Name,
	} {
		if v == "" {
			f.Add(field, "required")
		}
	}
	if a.InitialRelease.IsZero() || a.CurrentRelease.IsZero() {
		f.Add("/initial_release", "release dates required")
	}
	known := make(map[string]bool, len(a.Products))
	for i, p := range a.Products {
		switch {
		case p.ID == "":
			f.Add(fmt.Sprintf("/products/%d/id", i), "required")
		case known[p.ID]:
			f.Add(fmt.Sprintf("/products/%d/id", i), "duplicate product id")
		}
		known[p.ID] = true
	}
	for i := range a.Vulnerabilities {
		a.Vulnerabilities[i].validate(fmt.Sprintf("/vulnerabilities/%d", i), known, &f)
	}
	return f.Err()
}

func (v *Vulnerability) validate(at string, known map[string]bool, f *errs.Fields) {
	refs := func(field string, ids []string) {
		for _, id := range ids {
			if !known[id] {
				f.Add(field, fmt.Sprintf("unknown product id %q", id))
			}
		}
	}
	for s, ids := range v.ProductStatus {
		if statusGroup(s) == "" && s != StatusRecommended {
			f.Add(at+"/product_status", fmt.Sprintf("unknown status %q", s))
		}
		refs(at+"/product_status/"+string(s), ids)
	}
	for j, r := range v.Remediations {
		rat := fmt.Sprintf("%s/remediations/%d", at, j)
		switch r.Category {
		case RemediationMitigation, RemediationNoFixPlanned, RemediationNoneAvailable, RemediationVendorFix, RemediationWorkaround:
		default:
			f.Add(rat+"/category", fmt.Sprintf("unknown category %q", r.Category))
		}
		if len(r.ProductIDs) == 0 {
			f.Add(rat+"/product_ids", "required")
		}
		refs(rat+"/product_ids", r.ProductIDs)
	}
	for j, s := range v.CVSS {
		if s.BaseScore < 0 || s.BaseScore > 10 || math.IsNaN(s.BaseScore) {
			f.Add(fmt.Sprintf("%s/cvss/%d/base_score", at, j), "must be between 0 and 10")
		}
		refs(fmt.Sprintf("%s/cvss/%d/product_ids", at, j), s.ProductIDs)
	}
}
