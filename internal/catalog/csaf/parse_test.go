package csaf

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/catalog/pkgver"
	"github.com/changeboard/changeboard/internal/errs"
)

func TestParseTestdataOK(t *testing.T) {
	for _, f := range MustTestdataFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			a := MustParse(t, filepath.Base(f))
			if err := a.Validate(); err != nil {
				t.Fatalf("Validate: %s", describe(err))
			}
			if a.TrackingID == "" || len(a.Vulnerabilities) == 0 || len(a.Products) == 0 {
				t.Errorf("empty mapping: %+v", a)
			}
		})
	}
}

func TestParseRHSA20215217(t *testing.T) {
	a := MustParse(t, "rhsa-2021_5217.json")
	if a.TrackingID != "RHSA-2021:5217" || a.Version != "1" || a.Status != "final" {
		t.Errorf("identity = %q %q %q", a.TrackingID, a.Version, a.Status)
	}
	if a.Title != "Red Hat Security Advisory: Red Hat Single Sign-On 7.5.0 security update" {
		t.Errorf("Title = %q", a.Title)
	}
	if a.Publisher != (Publisher{Category: "vendor", Name: "Red Hat Product Security", Namespace: "https://www.redhat.com"}) {
		t.Errorf("Publisher = %+v", a.Publisher)
	}
	if a.Severity != "Important" || a.Rating != RatingHigh {
		t.Errorf("Severity = %q, %q", a.Severity, a.Rating)
	}
	want := mustTime(t, "2021-12-20T16:16:00Z")
	if !a.InitialRelease.Equal(want) || !a.CurrentRelease.Equal(want) {
		t.Errorf("release = %v, %v", a.InitialRelease, a.CurrentRelease)
	}
	if a.SelfURL != "https://access.redhat.com/errata/RHSA-2021:5217" || !strings.HasPrefix(a.Summary, "A security update is now available") {
		t.Errorf("SelfURL = %q, Summary = %q", a.SelfURL, a.Summary)
	}
	if got := a.CVEs(); !equalStrings(got, []string{"CVE-2021-4133"}) {
		t.Errorf("CVEs = %v", got)
	}
	if len(a.Products) != 1 || a.Products[0].ID != "Red Hat Single Sign-On" || a.Products[0].Vendor != "Red Hat" ||
		a.Products[0].Family != "Red Hat Single Sign-On" {
		t.Errorf("Products = %+v", a.Products)
	}
	v := a.Vulnerabilities[0]
	if v.CWE != "CWE-863" || len(v.CVSS) != 0 || !equalStrings(v.ProductStatus[StatusFixed], []string{"Red Hat Single Sign-On"}) {
		t.Errorf("vulnerability = %+v", v)
	}
	if len(v.Remediations) != 1 {
		t.Fatalf("Remediations = %+v", v.Remediations)
	}
	r := v.Remediations[0]
	if r.Category != RemediationVendorFix || r.URL != "https://access.redhat.com/errata/RHSA-2021:5217" ||
		!equalStrings(r.ProductIDs, []string{"Red Hat Single Sign-On"}) {
		t.Errorf("Remediation = %+v", r)
	}
}

func TestParseRHSA20220011FixedPackages(t *testing.T) {
	a := MustParse(t, "rhsa-2022_0011.json")
	if len(a.Products) != 3+7+15 {
		t.Errorf("len(Products) = %d; want 3 platforms, 7 packages, 15 relationships", len(a.Products))
	}
	fixed := a.FixedPackages()
	if len(fixed) != 15 {
		t.Fatalf("len(FixedPackages) = %d; want 15", len(fixed))
	}
	var got FixedPackage
	for _, f := range fixed {
		if f.ProductID == "7Server-7.6.AUS:telnet-server-1:0.17-65.el7_6.x86_64" {
			got = f
		}
	}
	want := Package{Type: "rpm", Name: "telnet-server", Version: "1:0.17-65.el7_6", Arch: "x86_64"}
	if got.Package != want || got.Platform != "7Server-7.6.AUS" || got.PlatformCPE != "cpe:/o:redhat:rhel_aus:7.6::server" ||
		!equalStrings(got.CVEs, []string{"CVE-2020-10188"}) {
		t.Errorf("fixed telnet-server = %+v", got)
	}
	// What compliance will do with it: an older installed build is behind.
	if c, err := pkgver.Compare(pkgver.Kind(got.Package.Type), "1:0.17-64.el7", got.Package.Version); err != nil || c != -1 {
		t.Errorf("installed vs fixed = %d, %v", c, err)
	}
	p, _ := a.Product("7Server-7.6.E4S:telnet-1:0.17-65.el7_6.src")
	if p.Relationship == nil || p.Relationship.Category != "default_component_of" || p.Relationship.Component != "telnet-1:0.17-65.el7_6.src" {
		t.Errorf("relationship product = %+v", p)
	}
}

func TestParseICSA24004VersionRange(t *testing.T) {
	a := MustParse(t, "icsa-24-004-01.json")
	if len(a.Products) != 1 {
		t.Fatalf("Products = %+v", a.Products)
	}
	p := a.Products[0]
	if p.ID != "CSAFPID-0001" || p.VersionRange != "<V4.00_Utilizes_Wibu-Systems_CodeMeter_7.60c" ||
		p.Vendor != "Rockwell Automation" || p.ProductName != "Factory Talk Activation Manager" || p.Version != "" || p.Package != nil {
		t.Errorf("product = %+v", p)
	}
	if a.Severity != "Critical" || a.Rating != RatingCritical {
		t.Errorf("derived severity = %q, %q", a.Severity, a.Rating)
	}
	if !equalStrings(a.CVEs(), []string{"CVE-2023-38545", "CVE-2023-3935"}) {
		t.Errorf("CVEs = %v", a.CVEs())
	}
	v := a.Vulnerabilities[0]
	want := CVSS{Version: "3.1", BaseScore: 9.8, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		Severity: "CRITICAL", ProductIDs: []string{"CSAFPID-0001"}}
	if len(v.CVSS) != 1 || !reflect.DeepEqual(v.CVSS[0], want) {
		t.Errorf("CVSS = %+v", v.CVSS)
	}
	if len(v.Remediations) != 5 || v.Remediations[2].Category != RemediationMitigation ||
		!strings.HasPrefix(v.Remediations[2].URL, "https://rockwellautomation.custhelp.com/") {
		t.Errorf("Remediations = %+v", v.Remediations)
	}
	if s, _ := a.Vulnerabilities[1].MaxCVSS(); s.BaseScore != 7.5 {
		t.Errorf("second CVSS = %+v", s)
	}
}

func TestParseVEXStatuses(t *testing.T) {
	a := MustParse(t, "2022-evd-uc-03-ms-001.json")
	if a.Category != "csaf_vex" || a.Severity != "" || a.Rating != RatingUnknown {
		t.Errorf("Category = %q, Severity = %q", a.Category, a.Severity)
	}
	count := map[Status][]string{}
	for _, v := range a.Vulnerabilities {
		if len(v.ProductStatus) != 1 {
			t.Errorf("%s: statuses %v", v.CVE, v.ProductStatus)
		}
		for s, ids := range v.ProductStatus {
			if !equalStrings(ids, []string{"CSAFPID-0001"}) {
				t.Errorf("%s %s = %v", v.CVE, s, ids)
			}
			count[s] = append(count[s], v.CVE)
		}
	}
	want := map[Status][]string{
		StatusFixed:              {"CVE-2020-11901", "CVE-2020-11912", "CVE-2020-11914"},
		StatusKnownAffected:      {"CVE-2020-11898", "CVE-2020-11907", "CVE-2020-11909", "CVE-2020-11910", "CVE-2020-11911"},
		StatusKnownNotAffected:   {"CVE-2020-11897", "CVE-2020-11899", "CVE-2020-11902", "CVE-2020-11905", "CVE-2020-11906", "CVE-2020-11913"},
		StatusUnderInvestigation: {"CVE-2020-11896", "CVE-2020-11900", "CVE-2020-11903", "CVE-2020-11904", "CVE-2020-11908"},
	}
	for s, cves := range want {
		if !equalStrings(count[s], cves) {
			t.Errorf("%s = %v; want %v", s, count[s], cves)
		}
	}
	if r := a.Vulnerabilities[2].Remediations; len(r) != 1 || r[0].Category != RemediationNoneAvailable {
		t.Errorf("CVE-2020-11898 remediations = %+v", r)
	}
	p := a.Products[0]
	if p.Version != "17.4" || p.ProductName != "GHI" || p.Vendor != "Example Company" || p.Name != "Example Company GHI 17.4" {
		t.Errorf("product = %+v", p)
	}
}

func TestParseVA24201Relationship(t *testing.T) {
	a := MustParse(t, "va-24-201-01.json")
	if a.Version != "1.0.1" || len(a.Revisions) != 2 || a.Revisions[1].Number != "1.0.1" {
		t.Errorf("Version = %q, Revisions = %+v", a.Version, a.Revisions)
	}
	p, ok := a.Product("CSAFPID-0005")
	if !ok || p.Name != "Adminer contained in AdminerEvo" ||
		*p.Relationship != (Relationship{Category: "external_component_of", Component: "CSAFPID-0013", Platform: "CSAFPID-0004"}) {
		t.Errorf("relationship product = %+v", p)
	}
	v := a.Vulnerabilities[0]
	if !equalStrings(v.ProductStatus[StatusFixed], []string{"CSAFPID-0009"}) ||
		!equalStrings(v.ProductStatus[StatusKnownAffected], []string{"CSAFPID-0077", "CSAFPID-0007", "CSAFPID-0006"}) {
		t.Errorf("ProductStatus = %v", v.ProductStatus)
	}
	if fix := v.Remediations[1]; fix.Category != RemediationVendorFix || fix.Date.IsZero() ||
		!equalStrings(fix.ProductIDs, []string{"CSAFPID-0077", "CSAFPID-0007"}) {
		t.Errorf("vendor fix = %+v", fix)
	}
}

func TestParseBSIAndCisco(t *testing.T) {
	b := MustParse(t, "bsi-2022-0001.json")
	v := b.Vulnerabilities[0]
	if b.Severity != "Moderate" || b.Rating != RatingMedium || v.CVSS[0].BaseScore != 6.1 ||
		!equalStrings(v.ProductStatus[StatusFirstFixed], []string{"CSAFPID-0006"}) || b.Products[5].CPE != "cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0-rc2" {
		t.Errorf("bsi = %+v", b)
	}
	c := MustParse(t, "cisco-sa-20180328-smi2.json")
	if c.Category != "Cisco Security Advisory" || c.Version != "3.0.0" || len(c.Revisions) != 7 ||
		len(c.Vulnerabilities[0].ProductStatus[StatusKnownAffected]) != 259 || c.Vulnerabilities[0].Remediations[0].Category != RemediationWorkaround {
		t.Errorf("cisco = %+v", c)
	}
}

func TestParseReader(t *testing.T) {
	data := MustReadTestdata(t, "rhsa-2021_5217.json")
	if a, err := ParseReader(bytes.NewReader(data)); err != nil || a.TrackingID != "RHSA-2021:5217" {
		t.Errorf("ParseReader = %v, %v", a, err)
	}
	small := Limits{MaxBytes: 1000, MaxDepth: 64}
	if _, err := small.ParseReader(bytes.NewReader(data)); !errs.Is(err, errs.TooLarge) {
		t.Errorf("ParseReader over the limit: %v; want too_large", err)
	}
}

// TestParseGroupsAndPURLs covers what the real corpus lacks: product groups,
// purls, CVSS v2, flags, restart_required and a vulnerability without a CVE.
func TestParseGroupsAndPURLs(t *testing.T) {
	data, err := os.ReadFile("testdata/example-groups.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(data)
	if err != nil {
		t.Fatal(describe(err))
	}
	if a.Severity != "Severe" || a.Rating != RatingCritical || !a.RebootRequired() ||
		!a.CurrentRelease.Equal(mustTime(t, "2024-02-01T08:00:00Z")) || a.CurrentRelease.Location() != time.UTC {
		t.Errorf("advisory = %q %q reboot=%v %v", a.Severity, a.Rating, a.RebootRequired(), a.CurrentRelease)
	}
	v := a.Vulnerabilities[0]
	if r := v.Remediations[0]; !equalStrings(r.ProductIDs, []string{"curl-old", "libcurl-old"}) || r.RestartRequired != "system" {
		t.Errorf("group remediation = %+v", r)
	}
	if len(v.CVSS) != 2 || v.CVSS[0].Version != "2.0" || v.CVSS[0].Severity != "HIGH" || v.CVSS[1].BaseScore != 9.8 {
		t.Errorf("CVSS = %+v", v.CVSS)
	}
	if w := a.Vulnerabilities[1]; w.CVE != "" || len(w.IDs) != 1 || w.IDs[0] != (VulnerabilityID{System: "Example tracker", Text: "EX-42"}) {
		t.Errorf("second vulnerability = %+v", w)
	}
	fixed := a.FixedPackages()
	want := FixedPackage{ProductID: "debian-12:curl-fixed", Platform: "debian-12",
		PlatformCPE: "cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*", CVEs: []string{"CVE-2024-0001"},
		Package: Package{Type: "deb", Namespace: "debian", Name: "curl", Version: "7.88.1-10+deb12u5", Arch: "amd64"}}
	if len(fixed) != 1 || !reflect.DeepEqual(fixed[0], want) {
		t.Fatalf("FixedPackages = %+v", fixed)
	}
	old, _ := a.Product("curl-old")
	if c, err := pkgver.Compare(pkgver.Deb, old.Package.Version, fixed[0].Package.Version); err != nil || c != -1 {
		t.Errorf("old vs fixed = %d, %v", c, err)
	}
}

func BenchmarkParse(b *testing.B) {
	var docs [][]byte
	for _, f := range MustTestdataFiles(b) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, data)
	}
	for b.Loop() {
		for _, d := range docs {
			if _, err := Parse(d); err != nil {
				b.Fatal(err)
			}
		}
	}
}
