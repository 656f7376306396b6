package catalog

import (
	"strings"
	"testing"
	"time"
)

func host(pkgs ...InstalledPackage) Host {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	h := Host{ID: "ci", OS: "Windows Server 2022", OSVersion: "21H2", InventoryAt: &at, Packages: pkgs}
	for _, p := range pkgs {
		h.HasKB = h.HasKB || p.Kind == "kb"
	}
	return h
}

func inst(kind, name, arch, version string) InstalledPackage {
	return InstalledPackage{Kind: kind, Name: name, Architecture: arch, Version: version}
}

func fixed(kind, name, arch, version, platform string) FixedPackage {
	return FixedPackage{Kind: kind, Name: name, Architecture: arch, Version: version, Platform: platform}
}

func TestEvaluate(t *testing.T) {
	rhel := []FixedPackage{
		fixed("rpm", "telnet", "src", "1:0.17-65.el7_6", "AUS"),
		fixed("rpm", "telnet", "x86_64", "1:0.17-66.el7", "EUS"),
		fixed("rpm", "telnet", "x86_64", "1:0.17-65.el7_6", "AUS"),
		fixed("rpm", "telnet", "ppc64le", "1:0.17-60.el7", "E4S"),
	}
	for _, c := range []struct {
		name   string
		fixed  []FixedPackage
		super  []SupersedingKB
		h      Host
		want   Status
		reason string
	}{
		{"DebRequired", []FixedPackage{fixed("deb", "openssl", "", "3.0.13-1~deb12u1", "")}, nil,
			host(inst("deb", "openssl", "amd64", "3.0.11-1~deb12u2")), StatusRequired, "older than the fixed 3.0.13-1~deb12u1"},
		{"DebTildeSortsBefore", []FixedPackage{fixed("deb", "openssl", "", "3.0.13-1", "")}, nil,
			host(inst("deb", "openssl", "amd64", "3.0.13-1~bpo1")), StatusRequired, ""},
		{"DebEpochWins", []FixedPackage{fixed("deb", "vim", "", "9.0-1", "")}, nil,
			host(inst("deb", "vim", "amd64", "1:8.2-1")), StatusInstalled, "at or above"},
		{"RPMLowestStreamOfTheArch", rhel, nil, host(inst("rpm", "telnet", "x86_64", "1:0.17-65.el7_6")), StatusInstalled, ""},
		{"RPMEpochMissing", rhel, nil, host(inst("rpm", "telnet", "x86_64", "0.17-70.el7")), StatusRequired, ""},
		{"RPMOtherArchOnly", rhel[:1], nil, host(inst("rpm", "telnet", "x86_64", "1:0.17-1.el7")), StatusNotApplicable, ""},
		{"NotInstalled", rhel, nil, host(inst("rpm", "bash", "x86_64", "4.2")), StatusNotApplicable, ""},
		{"KindMatters", []FixedPackage{fixed("deb", "telnet", "", "1.0", "")}, nil,
			host(inst("rpm", "telnet", "x86_64", "0.1-1")), StatusNotApplicable, ""},
		{"UnknownBadVersion", []FixedPackage{fixed("deb", "openssl", "", "3.0.13-1", "")}, nil,
			host(inst("deb", "openssl", "amd64", "not a version")), StatusUnknown, "cannot be compared"},
		{"MSI", []FixedPackage{fixed("msi", "7-Zip", "", "23.1.0", "")}, nil,
			host(inst("msi", "7-Zip", "x64", "22.1.0")), StatusRequired, ""},
		{"KBInstalled", []FixedPackage{fixed("kb", "KB5034441", "", "", "")}, nil,
			host(inst("kb", "5034441", "", "")), StatusInstalled, "KB5034441 installed"},
		{"KBSuperseded", []FixedPackage{fixed("kb", "KB5034441", "", "", "")}, []SupersedingKB{{KB: "KB5035845", VendorID: "KB5035845"}},
			host(inst("kb", "KB5035845", "", "")), StatusInstalled, "superseded by KB5035845"},
		{"KBRequired", []FixedPackage{fixed("kb", "KB5034441", "", "", "windows server 2022")}, nil,
			host(inst("kb", "KB1", "", "")), StatusRequired, "not installed"},
		{"KBOtherPlatform", []FixedPackage{fixed("kb", "KB5034441", "", "", "Windows 11")}, nil,
			host(inst("kb", "KB1", "", "")), StatusNotApplicable, ""},
		{"KBNotWindows", []FixedPackage{fixed("kb", "KB5034441", "", "", "")}, nil,
			host(inst("deb", "bash", "amd64", "5.2")), StatusNotApplicable, ""},
		{"RequiredWinsOverInstalled", []FixedPackage{fixed("deb", "a", "", "2", ""), fixed("deb", "b", "", "2", "")}, nil,
			host(inst("deb", "a", "amd64", "3"), inst("deb", "b", "amd64", "1")), StatusRequired, "deb b 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := Evaluate(Target{UpdateID: "u", Packages: c.fixed, SupersedingKBs: c.super}, c.h)
			if v.Status != c.want || !strings.Contains(v.Reason, c.reason) {
				t.Fatalf("Evaluate = %s (%s); want %s (%s)", v.Status, v.Reason, c.want, c.reason)
			}
		})
	}
}

func TestJudged(t *testing.T) {
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	old, fresh := now.Add(-49*time.Hour), now.Add(-47*time.Hour)
	if st, _ := Judged(StatusRequired, "r", &fresh, now, 48*time.Hour); st != StatusRequired {
		t.Errorf("fresh: %s", st)
	}
	if st, why := Judged(StatusRequired, "r", &old, now, 48*time.Hour); st != StatusUnknown || !strings.Contains(why, "older than 48h0m0s") {
		t.Errorf("stale: %s %s", st, why)
	}
	if st, why := Judged(StatusInstalled, "r", nil, now, time.Hour); st != StatusUnknown || why != "no inventory reported" {
		t.Errorf("none: %s %s", st, why)
	}
}

func TestValidateManual(t *testing.T) {
	ok := Update{VendorID: "KB5034441", Title: "Cumulative update",
		Vulnerabilities: []Vulnerability{{CVE: "CVE-2024-21412", CVSS: &CVSS{Score: 8.1, Version: "3.1"}}},
		Packages:        []FixedPackage{{Kind: "kb", Name: "KB5034441"}, {Kind: "deb", Name: "openssl", Version: "3.0.13-1"}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid entry refused: %v", err)
	}
	for field, edit := range map[string]func(*Update){
		"vendor_id":                 func(u *Update) { u.VendorID = "a/b" },
		"title":                     func(u *Update) { u.Title = " " },
		"cves[0].id":                func(u *Update) { u.Vulnerabilities[0].CVE = "CVE-24-1" },
		"cves[0].cvss_score":        func(u *Update) { u.Vulnerabilities[0].CVSS = &CVSS{Score: 11} },
		"fixed_packages[0].name":    func(u *Update) { u.Packages[0].Name = "5034441x" },
		"fixed_packages[1].version": func(u *Update) { u.Packages[1].Version = "-1" },
		"fixed_packages[1].kind":    func(u *Update) { u.Packages[1].Kind = "npm" },
		"supersedes":                func(u *Update) { u.Supersedes = []string{"KB5034441"} },
		"url":                       func(u *Update) { u.URL = "javascript:alert(1)" },
		"severity":                  func(u *Update) { u.Severity = "urgent" },
	} {
		u := ok
		u.Vulnerabilities = append([]Vulnerability(nil), ok.Vulnerabilities...)
		u.Packages = append([]FixedPackage(nil), ok.Packages...)
		edit(&u)
		err := u.Validate()
		if !strings.Contains(describeFields(err), field+":") {
			t.Errorf("%s: %v", field, describeFields(err))
		}
	}
}

func describeFields(err error) string {
	if err == nil {
		return "<nil>"
	}
	return Describe(err)
}
