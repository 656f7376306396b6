package cmdb

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func deb(name, version string) Package {
	return Package{Kind: KindDeb, Name: name, Version: version, Architecture: "amd64"}
}

func TestDiffPackages(t *testing.T) {
	before := []Package{deb("openssl", "3.0.11"), deb("bash", "5.2"), deb("curl", "7.88"), {Kind: KindKB, Name: "KB1"}}
	after := []Package{deb("bash", "5.2"), deb("openssl", "3.0.13"), deb("zlib", "1.2"), deb("apt", "2.6"),
		{Kind: KindKB, Name: "KB1"}, {Kind: KindDeb, Name: "curl", Version: "7.88", Architecture: "i386"}}
	d := DiffPackages(before, after)
	want := PackageDiff{
		Added: []Package{deb("apt", "2.6"), {Kind: KindDeb, Name: "curl", Version: "7.88", Architecture: "i386"},
			deb("zlib", "1.2")},
		Removed: []Package{deb("curl", "7.88")},
		Changed: []PackageChange{{Kind: KindDeb, Name: "openssl", Architecture: "amd64", From: "3.0.11", To: "3.0.13"}},
	}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("diff:\n got %+v\nwant %+v", d, want)
	}
	if !DiffPackages(after, after).Empty() || d.Empty() {
		t.Fatal("Empty is wrong")
	}
	first := DiffPackages(nil, after)
	if len(first.Added) != len(after) || len(first.Removed)+len(first.Changed) != 0 {
		t.Fatalf("first report: %+v", first)
	}
}

func TestReportValidate(t *testing.T) {
	ok := Report{ReportedAt: now, Packages: []Package{deb("bash", "5.2"), {Kind: KindKB, Name: "KB5034441"}}}
	if err := ok.Validate(now); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		r     Report
		field string
	}{
		"ErrNoTime":      {Report{}, "reported_at"},
		"ErrFutureTime":  {Report{ReportedAt: now.Add(time.Hour)}, "reported_at"},
		"ErrBadKind":     {Report{ReportedAt: now, Packages: []Package{{Kind: "apk", Name: "x", Version: "1"}}}, "packages[0].kind"},
		"ErrNoName":      {Report{ReportedAt: now, Packages: []Package{{Kind: KindDeb, Version: "1"}}}, "packages[0].name"},
		"ErrNoVersion":   {Report{ReportedAt: now, Packages: []Package{deb("a", "1"), {Kind: KindRPM, Name: "x"}}}, "packages[1].version"},
		"ErrRepeat":      {Report{ReportedAt: now, Packages: []Package{deb("a", "1"), deb("a", "2")}}, "packages[1]"},
		"ErrControlName": {Report{ReportedAt: now, Packages: []Package{deb("a\n", "1")}}, "packages[0].name"},
		"ErrTooMany":     {Report{ReportedAt: now, Packages: make([]Package, MaxPackages+1)}, "packages"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) { wantFields(t, tc.r.Validate(now), tc.field) })
	}
	t.Run("ErrCapped", func(t *testing.T) {
		r := Report{ReportedAt: now}
		for i := range 500 {
			r.Packages = append(r.Packages, Package{Kind: "bad", Name: fmt.Sprint(i), Version: "1"})
		}
		if n := len(fieldsOf(r.Validate(now))); n > maxFieldErrors+2 {
			t.Fatalf("%d field errors", n)
		}
	})
}
