package catalog

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/catalog/pkgver"
	"github.com/changeboard/changeboard/internal/workflow"
)

// Status is the compliance of one CI with one update.
type Status string

// The statuses (DESIGN §2).
const (
	StatusInstalled     Status = "installed"
	StatusRequired      Status = "required"
	StatusNotApplicable Status = "not_applicable"
	StatusUnknown       Status = "unknown"
)

// Statuses lists the statuses.
func Statuses() []Status {
	return []Status{StatusInstalled, StatusRequired, StatusNotApplicable, StatusUnknown}
}

// ParseStatus reads a status.
func ParseStatus(s string) (Status, error) { return workflow.ParseEnum("status", s, Statuses()) }

// InstalledPackage is one package of a CI's inventory.
type InstalledPackage struct {
	Kind         string
	Name         string
	Architecture string
	Version      string
}

// Host is what compliance knows about a CI: its OS and the packages of its
// last inventory that matter to the updates being evaluated.
type Host struct {
	ID        string
	Name      string
	OS        string
	OSVersion string
	Retired   bool
	// InventoryAt is when the agent took the inventory; nil when none.
	InventoryAt *time.Time
	// HasKB says the inventory lists KBs (Windows): KB updates apply.
	HasKB    bool
	Packages []InstalledPackage
	// index finds Packages by kind and name (KBs by normalised number).
	index map[string][]InstalledPackage
}

func packageKey(kind, name string) string {
	if kind == string(pkgver.KB) {
		name = NormalizeKB(name)
	}
	return kind + "\x00" + name
}

// indexPackages builds the lookup Evaluate uses: evaluating hundreds of
// updates against thousands of packages must not compare every pair.
func (h *Host) indexPackages() {
	h.index = make(map[string][]InstalledPackage, len(h.Packages))
	for _, p := range h.Packages {
		k := packageKey(p.Kind, p.Name)
		h.index[k] = append(h.index[k], p)
	}
}

// installed returns the installed packages of kind and name.
func (h *Host) installed(kind, name string) []InstalledPackage {
	if h.index == nil {
		h.indexPackages()
	}
	return h.index[packageKey(kind, name)]
}

// Target is what compliance knows about an update: its fixed packages and,
// for KB updates, the KBs that supersede it.
type Target struct {
	UpdateID string
	VendorID string
	State    State
	Packages []FixedPackage
	// SupersedingKBs are the KB numbers of the updates that supersede this
	// one, directly or through others, each with its update's vendor id.
	SupersedingKBs []SupersedingKB
}

// SupersedingKB is a KB that makes another one unnecessary.
type SupersedingKB struct {
	KB       string
	VendorID string
}

// Evidence is one fact a verdict rests on: which package at which version,
// against which fixed version, or which KB.
type Evidence struct {
	Kind         string
	Name         string
	Architecture string
	// Installed is the installed version, or the KB found installed.
	Installed string
	// Fixed is the fixed version, or the KB required.
	Fixed  string
	Status Status
	Note   string
}

// Verdict is the compliance of one CI with one update and why.
type Verdict struct {
	Status   Status
	Reason   string
	Evidence []Evidence
}

// Evaluate decides whether update t is installed on, required by, not
// applicable to, or of unknown status on host h, from h's inventory alone
// (freshness is judged when the verdict is read, see Fresh). Versions are
// compared by each packaging system's rules (pkgver); a package fixed in
// several platform streams counts as fixed from the lowest fixed version.
func Evaluate(t Target, h Host) Verdict {
	if h.index == nil {
		h.indexPackages()
	}
	var ev []Evidence
	for _, group := range fixedByPackage(t.Packages) {
		ev = append(ev, evaluatePackage(group, h)...)
	}
	for _, p := range t.Packages {
		if p.Kind == string(pkgver.KB) {
			if e, ok := evaluateKB(p, t.SupersedingKBs, h); ok {
				ev = append(ev, e)
			}
		}
	}
	return verdictOf(ev)
}

// fixedByPackage groups the compared, versioned fixed packages by kind and
// name, keeping the order of first appearance.
func fixedByPackage(pkgs []FixedPackage) [][]FixedPackage {
	var out [][]FixedPackage
	at := map[string]int{}
	for _, p := range pkgs {
		if !p.Compared() || p.Kind == string(pkgver.KB) {
			continue
		}
		k := p.Kind + "\x00" + p.Name
		i, ok := at[k]
		if !ok {
			i, at[k] = len(out), len(out)
			out = append(out, nil)
		}
		out[i] = append(out[i], p)
	}
	return out
}

// archMatches reports whether a fixed package built for fixed applies to
// an installed package of arch installed; an empty or arch-independent
// side matches anything.
func archMatches(fixed, installed string) bool {
	neutral := func(a string) bool { return a == "" || a == "noarch" || a == "all" }
	return neutral(fixed) || neutral(installed) || strings.EqualFold(fixed, installed)
}

func evaluatePackage(fixed []FixedPackage, h Host) []Evidence {
	var out []Evidence
	kind := pkgver.Kind(fixed[0].Kind)
	for _, inst := range h.installed(string(kind), fixed[0].Name) {
		e := Evidence{Kind: inst.Kind, Name: inst.Name, Architecture: inst.Architecture, Installed: inst.Version}
		lowest, err := lowestFixed(kind, fixed, inst.Architecture)
		if lowest == "" && err == nil {
			continue // no build for this architecture
		}
		e.Fixed = lowest
		e.Status, e.Note = compareInstalled(kind, inst.Version, lowest, err)
		out = append(out, e)
	}
	return out
}

func lowestFixed(kind pkgver.Kind, fixed []FixedPackage, arch string) (string, error) {
	lowest := ""
	for _, f := range fixed {
		if !archMatches(f.Architecture, arch) {
			continue
		}
		if lowest == "" {
			lowest = f.Version
			continue
		}
		c, err := pkgver.Compare(kind, f.Version, lowest)
		if err != nil {
			return f.Version, err
		}
		if c < 0 {
			lowest = f.Version
		}
	}
	return lowest, nil
}

func compareInstalled(kind pkgver.Kind, installed, fixed string, err error) (Status, string) {
	c := 0
	if err == nil {
		c, err = pkgver.Compare(kind, installed, fixed)
	}
	switch {
	case err != nil:
		return StatusUnknown, err.Error()
	case c < 0:
		return StatusRequired, "older than the fixed version"
	}
	return StatusInstalled, "at or above the fixed version"
}

// NormalizeKB writes a KB number as "KB" and its digits, so that "kb123"
// and "123" name the same article.
func NormalizeKB(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && strings.EqualFold(s[:2], "KB") {
		s = s[2:]
	}
	return "KB" + s
}

func evaluateKB(p FixedPackage, superseding []SupersedingKB, h Host) (Evidence, bool) {
	if !h.HasKB || !platformMatches(p.Platform, h) {
		return Evidence{}, false
	}
	want := NormalizeKB(p.Name)
	e := Evidence{Kind: p.Kind, Name: want, Fixed: want}
	installed := func(kb string) bool { return len(h.installed(string(pkgver.KB), kb)) > 0 }
	switch {
	case installed(want):
		e.Installed, e.Status, e.Note = want, StatusInstalled, "installed"
	default:
		e.Status, e.Note = StatusRequired, "not installed, nor any KB that supersedes it"
		for _, s := range superseding {
			if kb := NormalizeKB(s.KB); installed(kb) {
				e.Installed, e.Status = kb, StatusInstalled
				e.Note = fmt.Sprintf("superseded by %s (%s), which is installed", kb, s.VendorID)
				break
			}
		}
	}
	return e, true
}

// platformMatches reports whether a KB built for platform applies to h: an
// empty platform applies to every CI that reports KBs, otherwise it must
// name the CI's OS, with or without its version.
func platformMatches(platform string, h Host) bool {
	p := strings.ToLower(strings.TrimSpace(platform))
	if p == "" {
		return true
	}
	os := strings.ToLower(strings.TrimSpace(h.OS))
	return p == os || p == strings.TrimSpace(os+" "+strings.ToLower(h.OSVersion))
}

// verdictOf combines the evidence: any required package makes the update
// required; otherwise any package that could not be compared makes it
// unknown; no evidence at all means not applicable.
func verdictOf(ev []Evidence) Verdict {
	if len(ev) == 0 {
		return Verdict{Status: StatusNotApplicable, Reason: "none of the update's packages is installed"}
	}
	v := Verdict{Status: StatusInstalled, Evidence: ev}
	for _, e := range ev {
		if e.Status == StatusRequired || (e.Status == StatusUnknown && v.Status == StatusInstalled) {
			v.Status = e.Status
		}
	}
	var lines []string
	for _, e := range ev {
		if e.Status == v.Status {
			lines = append(lines, e.sentence())
		}
	}
	v.Reason = summariseReasons(lines)
	return v
}

func (e Evidence) sentence() string {
	if e.Kind == string(pkgver.KB) {
		return e.Fixed + " " + e.Note
	}
	what := fmt.Sprintf("%s %s %s", e.Kind, e.Name, e.Installed)
	if e.Architecture != "" {
		what += " (" + e.Architecture + ")"
	}
	switch e.Status {
	case StatusRequired:
		return what + " is older than the fixed " + e.Fixed
	case StatusInstalled:
		return what + " is at or above the fixed " + e.Fixed
	}
	return what + " cannot be compared with the fixed " + e.Fixed + ": " + e.Note
}

// Judged is a stored verdict as it stands now: unknown when the inventory
// it was computed from is missing or older than maxAge.
func Judged(stored Status, reason string, inventoryAt *time.Time, now time.Time, maxAge time.Duration) (Status, string) {
	switch {
	case inventoryAt == nil:
		return StatusUnknown, "no inventory reported"
	case !Fresh(*inventoryAt, now, maxAge):
		return StatusUnknown, fmt.Sprintf("the inventory of %s is older than %s (it said %s: %s)",
			inventoryAt.UTC().Format(time.RFC3339), maxAge, stored, reason)
	}
	return stored, reason
}

// Fresh reports whether an inventory taken at is recent enough at now.
func Fresh(at, now time.Time, maxAge time.Duration) bool { return !at.Before(now.Add(-maxAge)) }

func summariseReasons(lines []string) string {
	const shown = 3
	slices.Sort(lines)
	lines = slices.Compact(lines)
	if len(lines) <= shown {
		return strings.Join(lines, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(lines[:shown], "; "), len(lines)-shown)
}
