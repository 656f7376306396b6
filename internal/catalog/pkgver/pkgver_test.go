package pkgver

import (
	"os/exec"
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
)

// debLadder lists Debian versions in ascending order; versions in one rung
// are equal. Every pair is checked, so the table also proves transitivity.
var debLadder = [][]string{
	{"1.0~~"},
	{"1.0~~a"},
	{"1.0~"},
	{"1.0", "0:1.0", "1.0-0", "1.00"},
	{"1.0-0.1"},
	{"1.0-1~bpo11+1"},
	{"1.0-1"},
	{"1.0-1ubuntu0.1"},
	{"1.0-1ubuntu2"},
	{"1.0-1ubuntu10"},
	{"1.0-1+b1"},
	{"1.0-2"},
	{"1.0a"},
	{"1.0+dfsg"},
	{"1.0.1"},
	{"1.2~rc1"},
	{"1.2"},
	{"1.10"},
	{"2.0-0ubuntu1", "2.0-0ubuntu01"},
	{"7.68.0-1ubuntu2.7"},
	{"7.68.0-1ubuntu2.18"},
	{"1:0.1"},
	{"1:0.1-1"},
	{"1:1.2-3-4"},
	{"2:0"},
}

// rpmLadder lists RPM versions, all with a release, in ascending order.
var rpmLadder = [][]string{
	{"1.0~rc1-1"},
	{"1.0~rc1^git1-1"},
	{"1.0~rc2-1"},
	{"1.0-1", "0:1.0-1", "1.00-1", "1_0-1"},
	{"1.0-1.el8"},
	{"1.0-1.el8_1"},
	{"1.0-2"},
	{"1.0-10"},
	{"1.0^git1~pre-1"},
	{"1.0^git1-1"},
	{"1.0^git2-1"},
	{"1.0a-1"},
	{"1.0.1-1"},
	{"1.1-1"},
	{"1.10-1"},
	{"2.0-1"},
	{"1:0.1-1"},
	{"2:0-1"},
}

func TestCompareLadders(t *testing.T) {
	for _, tc := range []struct {
		kind   Kind
		ladder [][]string
	}{{Deb, debLadder}, {RPM, rpmLadder}} {
		t.Run(string(tc.kind), func(t *testing.T) {
			checkLadder(t, tc.kind, tc.ladder)
		})
	}
}

func checkLadder(t *testing.T, kind Kind, ladder [][]string) {
	t.Helper()
	for i, rung := range ladder {
		for j, other := range ladder {
			want := sign(i - j)
			for _, a := range rung {
				for _, b := range other {
					got, err := Compare(kind, a, b)
					if err != nil || got != want {
						t.Errorf("Compare(%s, %q, %q) = %d, %v; want %d", kind, a, b, got, err, want)
					}
				}
			}
		}
	}
}

// TestDebAgreesWithDpkg checks the ladder against the real dpkg where one is
// installed, so that the table itself cannot be wrong in the library's favour.
func TestDebAgreesWithDpkg(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("dpkg not installed")
	}
	for i := 0; i+1 < len(debLadder); i++ {
		a, b := debLadder[i][0], debLadder[i+1][0]
		if err := exec.Command(dpkg, "--compare-versions", a, "lt", b).Run(); err != nil {
			t.Errorf("dpkg disagrees: %q lt %q: %v", a, b, err)
		}
		for _, eq := range debLadder[i][1:] {
			if err := exec.Command(dpkg, "--compare-versions", debLadder[i][0], "eq", eq).Run(); err != nil {
				t.Errorf("dpkg disagrees: %q eq %q: %v", debLadder[i][0], eq, err)
			}
		}
	}
}

// TestRPMVerCmp holds cases from rpm's own test suite (tests/rpmvercmp.at).
func TestRPMVerCmp(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0}, {"1.0", "2.0", -1}, {"2.0.1", "2.0", 1},
		{"2.0.1a", "2.0.1", 1}, {"5.5p1", "5.5p2", -1}, {"5.5p10", "5.5p1", 1},
		{"10xyz", "10.1xyz", -1}, {"xyz10", "xyz10.1", -1}, {"xyz.4", "8", -1},
		{"xyz.4", "2", -1}, {"5.5p2", "5.6p1", -1}, {"6.0.rc1", "6.0", 1},
		{"10b2", "10a1", 1}, {"1.0a", "1.0aa", -1}, {"10.0001", "10.1", 0},
		{"10.0001", "10.0039", -1}, {"4.999.9", "5.0", -1}, {"20101121", "20101122", -1},
		{"2_0", "2.0", 0}, {"a+", "a_", 0}, {"+a", "_a", 0}, {"_+", "_", 0},
		{"1.0~rc1", "1.0", -1}, {"1.0~rc1", "1.0~rc2", -1}, {"1.0~rc1~git123", "1.0~rc1", -1},
		{"1.0^", "1.0", 1}, {"1.0^git1", "1.0", 1}, {"1.0^git1", "1.0^git2", -1},
		{"1.0^git1", "1.01", -1}, {"1.0^20160101", "1.0.1", -1},
		{"1.0^20160102", "1.0^20160101^git1", 1}, {"1.0~rc1^git1", "1.0~rc1", 1},
		{"1.0^git1~pre", "1.0^git1", -1}, {"1b.fc17", "1.fc17", -1}, {"1g.fc17", "1.fc17", 1},
	}
	for _, c := range cases {
		for _, pair := range [][2]string{{c.a, c.b}, {c.b, c.a}} {
			want := c.want
			if pair[0] != c.a {
				want = -c.want
			}
			if got, err := Compare(RPM, pair[0], pair[1]); err != nil || got != want {
				t.Errorf("Compare(rpm, %q, %q) = %d, %v; want %d", pair[0], pair[1], got, err, want)
			}
		}
	}
}

// TestRPMMissingRelease: like rpm's rpmverCmp, a side without a release
// matches every release of the same epoch and version.
func TestRPMMissingRelease(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0-5", 0}, {"1.0-5", "1.0", 0}, {"1.0", "1.0.1-1", -1},
		{"1:1.0", "1.0-5", 1}, {"0.17", "1:0.17-65.el7_6", -1},
	} {
		if got, err := Compare(RPM, c.a, c.b); err != nil || got != c.want {
			t.Errorf("Compare(rpm, %q, %q) = %d, %v; want %d", c.a, c.b, got, err, c.want)
		}
	}
}

func TestCompareWindows(t *testing.T) {
	for _, c := range []struct {
		kind Kind
		a, b string
		want int
	}{
		{MSI, "1.2.3", "1.2.3.4", 0}, {MSI, "1.2", "1.2.0", 0}, {MSI, "1.2.10", "1.2.9", 1},
		{MSI, "255.255.65535", "1.0.0", 1}, {MSI, "10.0.19041", "10.0.22621.1", -1},
		{KB, "KB5034441", "kb5034439", 1}, {KB, "5034441", "KB5034441", 0}, {KB, "KB890830", "KB5034441", -1},
	} {
		if got, err := Compare(c.kind, c.a, c.b); err != nil || got != c.want {
			t.Errorf("Compare(%s, %q, %q) = %d, %v; want %d", c.kind, c.a, c.b, got, err, c.want)
		}
	}
}

func TestCompareErrInvalid(t *testing.T) {
	for _, c := range []struct {
		kind Kind
		v    string
	}{
		{Deb, ""}, {Deb, "a1.0"}, {Deb, "1.0-"}, {Deb, "x:1.0"}, {Deb, ":1.0"}, {Deb, "1.0 1"},
		{Deb, "1.0_1"}, {Deb, "1.0-1:2"}, {Deb, "1.é"}, {Deb, "99999999999:1"},
		{Deb, "1.1234567890123456789"}, {Deb, "-1"},
		{RPM, ""}, {RPM, "1.0-"}, {RPM, "-1"}, {RPM, "a:1.0"}, {RPM, "1.0-1-2"}, {RPM, "1.0 -1"},
		{RPM, "1.%{dist}"}, {RPM, "1:"},
		{MSI, ""}, {MSI, "1.2.3.4.5"}, {MSI, "256.0.0"}, {MSI, "1.0.65536"}, {MSI, "1..2"}, {MSI, "v1"},
		{KB, ""}, {KB, "KB"}, {KB, "KBx1"}, {KB, "12345678901"},
		{Kind("apk"), "1.0"},
	} {
		_, err := Compare(c.kind, c.v, "1")
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("Compare(%s, %q, ...) error = %v; want invalid", c.kind, c.v, err)
		}
		if err := Validate(c.kind, c.v); err == nil {
			t.Errorf("Validate(%s, %q) = nil; want error", c.kind, c.v)
		}
	}
}

func TestParseKind(t *testing.T) {
	for in, want := range map[string]Kind{"deb": Deb, " RPM ": RPM, "Msi": MSI, "kb": KB} {
		if got, err := ParseKind(in); err != nil || got != want {
			t.Errorf("ParseKind(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseKind("apk"); !errs.Is(err, errs.Invalid) {
		t.Errorf("ParseKind(apk) error = %v; want invalid", err)
	}
}
