package csaf

import "testing"

func TestPackageOf(t *testing.T) {
	for _, c := range []struct {
		name string
		p    Product
		want *Package
	}{
		{"NEVRAWithEpoch", Product{Name: "telnet-1:0.17-65.el7_6.x86_64"},
			&Package{Type: "rpm", Name: "telnet", Version: "1:0.17-65.el7_6", Arch: "x86_64"}},
		{"NEVRAInID", Product{Name: "kernel for RHEL 9", ID: "kernel-rt-debug-devel-5.14.0-70.13.1.rt21.83.el9_0.x86_64"},
			&Package{Type: "rpm", Name: "kernel-rt-debug-devel", Version: "5.14.0-70.13.1.rt21.83.el9_0", Arch: "x86_64"}},
		{"NEVRASource", Product{Name: "openssl-3.0.1-43.el9_0.src"},
			&Package{Type: "rpm", Name: "openssl", Version: "3.0.1-43.el9_0", Arch: "src"}},
		{"RPMPurlEpoch", Product{PURL: "pkg:rpm/redhat/telnet@0.17-65.el7_6?arch=x86_64&epoch=1"},
			&Package{Type: "rpm", Namespace: "redhat", Name: "telnet", Version: "1:0.17-65.el7_6", Arch: "x86_64"}},
		{"DebPurl", Product{PURL: "pkg:deb/debian/curl@7.74.0-1.3%2Bdeb11u7?arch=amd64&distro=debian-11"},
			&Package{Type: "deb", Namespace: "debian", Name: "curl", Version: "7.74.0-1.3+deb11u7", Arch: "amd64"}},
		{"NPMPurl", Product{PURL: "pkg:npm/%40angular/core@16.2.12"},
			&Package{Type: "npm", Namespace: "@angular", Name: "core", Version: "16.2.12"}},
		{"PurlWithoutVersion", Product{PURL: "pkg:rpm/redhat/telnet?arch=src"},
			&Package{Type: "rpm", Namespace: "redhat", Name: "telnet", Arch: "src"}},
		{"ProductName", Product{Name: "AdminerEvo 4.8.4", ID: "CSAFPID-0009"}, nil},
		{"ArchOnly", Product{Name: "telnet.x86_64"}, nil},
		{"NoRelease", Product{Name: "telnet-0.17.x86_64"}, nil},
		{"SpaceInName", Product{Name: "Red Hat Enterprise Linux-7-6.x86_64"}, nil},
		{"BadVersion", Product{Name: "telnet-0.17 beta-1.noarch"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := packageOf(c.p)
			if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
				t.Errorf("packageOf(%+v) = %+v; want %+v", c.p, got, c.want)
			}
		})
	}
}

func TestRatings(t *testing.T) {
	for text, want := range map[string]Rating{"Important": RatingHigh, " moderate ": RatingMedium, "CRITICAL": RatingCritical, "Severe": RatingUnknown} {
		if got := ParseRating(text); got != want {
			t.Errorf("ParseRating(%q) = %q; want %q", text, got, want)
		}
	}
	for score, want := range map[float64]Rating{0: RatingNone, 0.1: RatingLow, 4: RatingMedium, 6.9: RatingMedium, 7: RatingHigh, 9: RatingCritical} {
		if got := RatingOfScore(score); got != want {
			t.Errorf("RatingOfScore(%v) = %q; want %q", score, got, want)
		}
	}
	vulns := []Vulnerability{{CVSS: []CVSS{{BaseScore: 5.3}, {BaseScore: 9.1}}}}
	if s, r := severityOf("Severe", vulns); s != "Severe" || r != RatingCritical {
		t.Errorf("unknown word: %q, %q", s, r)
	}
	if s, r := severityOf("", nil); s != "" || r != RatingUnknown {
		t.Errorf("nothing: %q, %q", s, r)
	}
}
