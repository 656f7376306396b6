package csaf

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
)

const rhsa0011, icsa004, va201 = "rhsa-2022_0011.json", "icsa-24-004-01.json", "va-24-201-01.json"

// invalidCases each break one real document in one way and name the JSON
// Pointer and part of the reason the error must carry.
var invalidCases = []struct {
	name, file, field, reason string
	change                    func(d map[string]any)
}{
	{"MissingTrackingID", rhsa0011, "/document/tracking/id", "required",
		func(d map[string]any) { delete(obj(d, "document", "tracking"), "id") }},
	{"WrongCSAFVersion", rhsa0011, "/document/csaf_version", `"2.0"`,
		func(d map[string]any) { obj(d, "document")["csaf_version"] = "1.2" }},
	{"UnknownTrackingStatus", rhsa0011, "/document/tracking/status", "one of",
		func(d map[string]any) { obj(d, "document", "tracking")["status"] = "released" }},
	{"BadVersion", rhsa0011, "/document/tracking/version", "integer or a semantic version",
		func(d map[string]any) { obj(d, "document", "tracking")["version"] = "v1" }},
	{"BadDate", rhsa0011, "/document/tracking/initial_release_date", "RFC 3339",
		func(d map[string]any) { obj(d, "document", "tracking")["initial_release_date"] = "yesterday" }},
	{"DateBefore1970", rhsa0011, "/document/tracking/initial_release_date", "before 1970",
		func(d map[string]any) {
			obj(d, "document", "tracking")["initial_release_date"] = "0001-01-01T00:00:00Z"
		}},
	{"NoRevisionHistory", rhsa0011, "/document/tracking/revision_history", "at least one",
		func(d map[string]any) { obj(d, "document", "tracking")["revision_history"] = []any{} }},
	{"MissingPublisher", rhsa0011, "/document/publisher", "required",
		func(d map[string]any) { delete(obj(d, "document"), "publisher") }},
	{"PublisherCategory", rhsa0011, "/document/publisher/category", "one of",
		func(d map[string]any) { obj(d, "document", "publisher")["category"] = "bank" }},
	{"PublisherNamespace", rhsa0011, "/document/publisher/namespace", "absolute URI",
		func(d map[string]any) { obj(d, "document", "publisher")["namespace"] = "redhat" }},
	{"MissingTitle", rhsa0011, "/document/title", "required",
		func(d map[string]any) { obj(d, "document")["title"] = "  " }},
	{"MissingDocument", rhsa0011, "/document", "required",
		func(d map[string]any) { delete(d, "document") }},
	{"ProhibitedCategory", rhsa0011, "/document/category", "profile",
		func(d map[string]any) { obj(d, "document")["category"] = "Security Advisory" }},
	{"ReservedPrefix", rhsa0011, "/document/category", "reserved",
		func(d map[string]any) { obj(d, "document")["category"] = "csaf_patch" }},
	{"VersionNotLatestRevision", va201, "/document/tracking/version", "latest revision (1.0.1)",
		func(d map[string]any) { obj(d, "document", "tracking")["version"] = "1.0.0" }},
	{"DuplicateRevision", va201, "/document/tracking/revision_history/1/number", "twice",
		func(d map[string]any) { obj(d, "document", "tracking", "revision_history", 1)["number"] = "1.0.0" }},
	{"MixedVersioning", va201, "/document/tracking/revision_history/0/number", "mixes",
		func(d map[string]any) { obj(d, "document", "tracking", "revision_history", 0)["number"] = "1" }},
	{"UnknownFixedProduct", rhsa0011, "/vulnerabilities/0/product_status/fixed/0", "unknown product id",
		func(d map[string]any) {
			node(d, "vulnerabilities", 0, "product_status", "fixed").([]any)[0] = "7Server-9:nope"
		}},
	{"UnknownRemediationProduct", icsa004, "/vulnerabilities/0/remediations/1/product_ids/0", `unknown product id "CSAFPID-9999"`,
		func(d map[string]any) {
			obj(d, "vulnerabilities", 0, "remediations", 1)["product_ids"] = []any{"CSAFPID-9999"}
		}},
	{"RemediationIDNotString", icsa004, "/vulnerabilities/0/remediations/1/product_ids/0", "must be a string, not number",
		func(d map[string]any) { obj(d, "vulnerabilities", 0, "remediations", 1)["product_ids"] = []any{5} }},
	{"RemediationIDsNotArray", icsa004, "/vulnerabilities/1/remediations/3/product_ids", "must be an array, not string",
		func(d map[string]any) {
			obj(d, "vulnerabilities", 1, "remediations", 3)["product_ids"] = "CSAFPID-0001"
		}},
	{"TrackingIDNotString", rhsa0011, "/document/tracking/id", "must be a string, not number",
		func(d map[string]any) { obj(d, "document", "tracking")["id"] = 42 }},
	{"ScoreOutOfFloat", icsa004, "/vulnerabilities/1/scores/0/cvss_v3/baseScore", "number out of range",
		func(d map[string]any) {
			obj(d, "vulnerabilities", 1, "scores", 0, "cvss_v3")["baseScore"] = json.Number("1e400")
		}},
	{"RemediationCategory", icsa004, "/vulnerabilities/0/remediations/0/category", "one of",
		func(d map[string]any) { obj(d, "vulnerabilities", 0, "remediations", 0)["category"] = "patch" }},
	{"RemediationWithoutProducts", icsa004, "/vulnerabilities/0/remediations/0", "product_ids or group_ids",
		func(d map[string]any) { delete(obj(d, "vulnerabilities", 0, "remediations", 0), "product_ids") }},
	{"ContradictingStatus", va201, "/vulnerabilities/0/product_status/known_affected/0", `also fixed`,
		func(d map[string]any) {
			node(d, "vulnerabilities", 0, "product_status", "known_affected").([]any)[0] = "CSAFPID-0009"
		}},
	{"BadCVE", icsa004, "/vulnerabilities/0/cve", "CVE id",
		func(d map[string]any) { obj(d, "vulnerabilities", 0)["cve"] = "CVE-23-1" }},
	{"DuplicateCVE", icsa004, "/vulnerabilities/1/cve", "already the subject of /vulnerabilities/0",
		func(d map[string]any) { obj(d, "vulnerabilities", 1)["cve"] = "CVE-2023-38545" }},
	{"ScoreOutOfRange", icsa004, "/vulnerabilities/0/scores/0/cvss_v3/baseScore", "between 0 and 10",
		func(d map[string]any) { obj(d, "vulnerabilities", 0, "scores", 0, "cvss_v3")["baseScore"] = 11 }},
	{"ScoreWithoutCVSS", icsa004, "/vulnerabilities/0/scores/0", "cvss_v3 or cvss_v2",
		func(d map[string]any) { delete(obj(d, "vulnerabilities", 0, "scores", 0), "cvss_v3") }},
	{"DuplicateProductID", va201, "/product_tree/branches/1/branches/0/branches/1/product/product_id", "already defined at /product_tree/branches/1/branches/0/branches/0/product",
		func(d map[string]any) {
			obj(d, "product_tree", "branches", 1, "branches", 0, "branches", 1, "product")["product_id"] = "CSAFPID-0077"
		}},
	{"BranchCategory", va201, "/product_tree/branches/0/category", "one of",
		func(d map[string]any) { obj(d, "product_tree", "branches", 0)["category"] = "maker" }},
	{"BranchWithoutProduct", va201, "/product_tree/branches/0/branches/0/branches/1", "a product or at least one branch",
		func(d map[string]any) {
			delete(obj(d, "product_tree", "branches", 0, "branches", 0, "branches", 1), "product")
		}},
	{"UnknownRelationshipReference", rhsa0011, "/product_tree/relationships/0/relates_to_product_reference", "unknown product id",
		func(d map[string]any) {
			obj(d, "product_tree", "relationships", 0)["relates_to_product_reference"] = "8Server"
		}},
	{"SelfReferencingRelationship", va201, "/product_tree/relationships/0/full_product_name/product_id", "in terms of itself",
		func(d map[string]any) {
			obj(d, "product_tree", "relationships", 0)["product_reference"] = "CSAFPID-0005"
		}},
	{"BadPURL", rhsa0011, "/product_tree/branches/0/branches/0/branches/0/product/product_identification_helper/purl", "package URL",
		func(d map[string]any) {
			obj(d, "product_tree", "branches", 0, "branches", 0, "branches", 0, "product", "product_identification_helper")["purl"] = "rpm:telnet"
		}},
	{"AdvisoryWithoutProductTree", rhsa0011, "/product_tree", "required for csaf_security_advisory",
		func(d map[string]any) { delete(d, "product_tree") }},
	{"AdvisoryWithoutProductStatus", rhsa0011, "/vulnerabilities/0/product_status", "required for csaf_security_advisory",
		func(d map[string]any) { delete(obj(d, "vulnerabilities", 0), "product_status") }},
	{"VEXWithoutImpactStatement", "2022-evd-uc-01-na-001.json", "/vulnerabilities/0/product_status/known_not_affected/0", "impact statement",
		func(d map[string]any) { delete(obj(d, "vulnerabilities", 0), "threats") }},
	{"VEXWithoutActionStatement", "2022-evd-uc-03-ms-001.json", "/vulnerabilities/2/product_status/known_affected/0", "action statement",
		func(d map[string]any) { delete(obj(d, "vulnerabilities", 2), "remediations") }},
	{"VEXWithoutStatus", "2022-evd-uc-01-f-001.json", "/vulnerabilities/0/product_status", "csaf_vex",
		func(d map[string]any) { obj(d, "vulnerabilities", 0)["product_status"] = map[string]any{} }},
	{"UnknownGroup", icsa004, "/vulnerabilities/0/remediations/0/group_ids/0", `unknown group id "g1"`,
		func(d map[string]any) { obj(d, "vulnerabilities", 0, "remediations", 0)["group_ids"] = []any{"g1"} }},
	{"SmallGroup", icsa004, "/product_tree/product_groups/0/product_ids", "at least two",
		func(d map[string]any) {
			obj(d, "product_tree")["product_groups"] = []any{map[string]any{"group_id": "g1", "product_ids": []any{"CSAFPID-0001"}}}
		}},
}

func TestParseErrInvalid(t *testing.T) {
	for _, c := range invalidCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(mustMutate(t, c.file, c.change))
			fields := fieldsOf(t, err)
			reason, ok := fields[c.field]
			if !ok || !strings.Contains(reason, c.reason) {
				t.Errorf("field %s = %q (present %v); want reason containing %q; all:\n%s", c.field, reason, ok, c.reason, describe(err))
			}
		})
	}
}

func TestParseErrMalformed(t *testing.T) {
	for _, c := range []struct {
		name, doc, reason string
	}{
		{"Empty", ``, "malformed JSON at byte 0: unexpected end"},
		{"Truncated", `{"document": {"category": "csaf_base"`, "unexpected end of JSON input"},
		{"Syntax", `{"document": {,}}`, "malformed JSON at byte 15: invalid character ','"},
		{"Trailing", `{} {}`, "malformed JSON"},
		{"RootArray", `[]`, "must be an object, not array"},
		{"TooDeep", `{"document": {"notes": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}}`, "nested deeper than 64"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc))
			reason := fieldsOf(t, err)["/"]
			if !strings.Contains(reason, c.reason) {
				t.Errorf("reason = %q; want %q (%s)", reason, c.reason, describe(err))
			}
		})
	}
}

func TestParseErrTooLarge(t *testing.T) {
	data := MustReadTestdata(t, "cisco-sa-20180328-smi2.json")
	if _, err := (Limits{MaxBytes: len(data) - 1, MaxDepth: 64}).Parse(data); !errs.Is(err, errs.TooLarge) {
		t.Errorf("error = %v; want too_large", err)
	}
	if _, err := (Limits{MaxBytes: len(data), MaxDepth: 64}).Parse(data); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

// TestParseErrCapped: a generator that repeats one mistake gets a readable
// list, not one entry per occurrence.
func TestParseErrCapped(t *testing.T) {
	data := mustMutate(t, "cisco-sa-20180328-smi2.json", func(d map[string]any) {
		ids := node(d, "vulnerabilities", 0, "product_status", "known_affected").([]any)
		for i := range ids {
			ids[i] = "nope"
		}
	})
	_, err := Parse(data)
	fields := fieldsOf(t, err)
	if len(fields) > maxProblems+1 || !strings.Contains(fields["/"], "more problems not listed") {
		t.Errorf("got %d fields, root %q", len(fields), fields["/"])
	}
}

// TestParseDepthIgnoresStrings: brackets inside strings are text, not nesting.
func TestParseDepthIgnoresStrings(t *testing.T) {
	data := mustMutate(t, rhsa0011, func(d map[string]any) {
		obj(d, "document", "notes", 0)["text"] = strings.Repeat(`[{"\`, 200)
	})
	if _, err := Parse(data); err != nil {
		t.Fatal(describe(err))
	}
}
