package pkgver

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// randomVersion builds a version from alphabet that starts with start (when
// not empty); a fixed seed keeps failures reproducible.
func randomVersion(r *rand.Rand, start, alphabet string, maxLen int) string {
	var b strings.Builder
	if start != "" {
		b.WriteByte(start[r.IntN(len(start))])
	}
	for n := r.IntN(maxLen + 1); n > 0; n-- {
		b.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

func randomDeb(r *rand.Rand) string {
	v := randomVersion(r, "0129", "019.+~az", 6)
	if r.IntN(3) == 0 {
		v = fmt.Sprintf("%d:%s", r.IntN(3), v)
	}
	if r.IntN(2) == 0 {
		v += "-" + randomVersion(r, "", "019.+~az", 4) + "1"
	}
	return v
}

// TestDebRandomAgainstDpkg compares random Debian versions with the real dpkg
// where one is installed: the library must agree on every pair.
func TestDebRandomAgainstDpkg(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("dpkg not installed")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 150 {
		a, b := randomDeb(r), randomDeb(r)
		got, err := Compare(Deb, a, b)
		if err != nil {
			t.Fatalf("Compare(deb, %q, %q): %v", a, b, err)
		}
		op := map[int]string{-1: "lt", 0: "eq", 1: "gt"}[got]
		if err := exec.Command(dpkg, "--compare-versions", a, op, b).Run(); err != nil {
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatal(err)
			}
			t.Errorf("Compare(deb, %q, %q) = %d; dpkg disagrees", a, b, got)
		}
	}
}

// TestRPMRandomAgainstRPM compares random version strings with rpm's own
// rpmvercmp (through its Lua binding) where rpm is installed, in one process.
func TestRPMRandomAgainstRPM(t *testing.T) {
	rpm, err := exec.LookPath("rpm")
	if err != nil {
		t.Skip("rpm not installed")
	}
	r := rand.New(rand.NewPCG(3, 4))
	type pair struct{ a, b string }
	var pairs []pair
	var script strings.Builder
	for range 400 {
		p := pair{randomVersion(r, "01a~^", "0129.+_~^az", 6), randomVersion(r, "01a~^", "0129.+_~^az", 6)}
		pairs = append(pairs, p)
		fmt.Fprintf(&script, "r[#r+1] = rpm.vercmp(%q, %q) ", p.a, p.b)
	}
	// rpm's Lua print does not separate lines, hence one joined print.
	lua := "%{lua: local r = {} " + script.String() + ` print(table.concat(r, " "))}`
	out, err := exec.Command(rpm, "--eval", lua).Output()
	if err != nil {
		t.Fatalf("rpm --eval: %v", err)
	}
	want := strings.Fields(string(out))
	if len(want) != len(pairs) {
		t.Fatalf("rpm printed %d results for %d pairs", len(want), len(pairs))
	}
	for i, p := range pairs {
		got, err := Compare(RPM, p.a, p.b)
		if err != nil || fmt.Sprint(got) != want[i] {
			t.Errorf("Compare(rpm, %q, %q) = %d, %v; rpm says %s", p.a, p.b, got, err, want[i])
		}
	}
}
