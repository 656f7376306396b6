package cmdb

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/workflow"
)

// The package kinds an inventory holds: the packaging systems whose
// version rules the catalog knows.
const (
	KindDeb = "deb"
	KindRPM = "rpm"
	KindMSI = "msi"
	// KindKB is an installed Windows update: its name is the KB number and
	// its version may be empty.
	KindKB = "kb"
)

// PackageKinds lists the package kinds.
func PackageKinds() []string { return []string{KindDeb, KindRPM, KindMSI, KindKB} }

// Package is one installed package (or Windows update) on a CI.
type Package struct {
	Name         string
	Version      string
	Architecture string
	Kind         string
}

// packageKey identifies a package within one inventory.
type packageKey struct{ kind, name, arch string }

func (p Package) key() packageKey { return packageKey{p.Kind, p.Name, p.Architecture} }

func comparePackages(a, b Package) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Architecture, b.Architecture))
}

// Inventory is the last full report of what is installed on a CI.
type Inventory struct {
	CIID string
	// ReportedAt is when the agent read the package database; ReceivedAt
	// when the server stored the report.
	ReportedAt time.Time
	ReceivedAt time.Time
	// Packages are sorted by kind, name and architecture.
	Packages []Package
	// Version counts the reports stored for the CI.
	Version int64
}

// Age is how old the inventory's evidence is at now.
func (i Inventory) Age(now time.Time) time.Duration { return now.Sub(i.ReportedAt) }

// PackageChange is a package whose version changed between two reports.
type PackageChange struct {
	Kind, Name, Architecture string
	From, To                 string
}

// PackageDiff is what changed between two reports, each list sorted.
type PackageDiff struct {
	Added   []Package
	Removed []Package
	Changed []PackageChange
}

// Empty reports whether nothing changed.
func (d PackageDiff) Empty() bool { return len(d.Added)+len(d.Removed)+len(d.Changed) == 0 }

// DiffPackages compares the packages of two reports.
func DiffPackages(before, after []Package) PackageDiff {
	old := make(map[packageKey]Package, len(before))
	for _, p := range before {
		old[p.key()] = p
	}
	d := PackageDiff{Added: []Package{}, Removed: []Package{}, Changed: []PackageChange{}}
	seen := make(map[packageKey]bool, len(after))
	for _, p := range after {
		seen[p.key()] = true
		o, ok := old[p.key()]
		switch {
		case !ok:
			d.Added = append(d.Added, p)
		case o.Version != p.Version:
			d.Changed = append(d.Changed, PackageChange{Kind: p.Kind, Name: p.Name, Architecture: p.Architecture,
				From: o.Version, To: p.Version})
		}
	}
	for _, p := range before {
		if !seen[p.key()] {
			d.Removed = append(d.Removed, p)
		}
	}
	slices.SortFunc(d.Added, comparePackages)
	slices.SortFunc(d.Removed, comparePackages)
	slices.SortFunc(d.Changed, func(a, b PackageChange) int {
		return comparePackages(Package{Kind: a.Kind, Name: a.Name, Architecture: a.Architecture},
			Package{Kind: b.Kind, Name: b.Name, Architecture: b.Architecture})
	})
	return d
}

// Report is an agent's full inventory report as sent.
type Report struct {
	ReportedAt time.Time
	Packages   []Package
}

// Limits on a report.
const (
	MaxPackages = 20000
	// MaxClockSkew is how far in the future a report's time may be.
	MaxClockSkew = 5 * time.Minute
	// maxFieldErrors caps the field errors one report answers with.
	maxFieldErrors = 50
)

// Validate checks a report at now: its time, and every package (kind,
// name, version, no repeats), naming each bad one as packages[i].field.
func (r Report) Validate(now time.Time) error {
	var f errs.Fields
	switch {
	case r.ReportedAt.IsZero():
		f.Add("reported_at", "is required")
	case r.ReportedAt.After(now.Add(MaxClockSkew)):
		f.Add("reported_at", "is in the future; check the agent's clock")
	}
	if len(r.Packages) > MaxPackages {
		f.Add("packages", fmt.Sprintf("at most %d packages", MaxPackages))
		return f.Err()
	}
	first := make(map[packageKey]int, len(r.Packages))
	for i, p := range r.Packages {
		if len(f) >= maxFieldErrors {
			break
		}
		checkPackage(&f, fmt.Sprintf("packages[%d]", i), p)
		if j, dup := first[p.key()]; dup {
			f.Add(fmt.Sprintf("packages[%d]", i), fmt.Sprintf("repeats packages[%d] (same kind, name and architecture)", j))
		} else {
			first[p.key()] = i
		}
	}
	return f.Err()
}

func checkPackage(f *errs.Fields, at string, p Package) {
	if !slices.Contains(PackageKinds(), p.Kind) {
		f.Add(at+".kind", "must be one of "+workflow.JoinEnum(PackageKinds()))
	}
	if p.Name == "" {
		f.Add(at+".name", "is required")
	} else {
		checkText(f, at+".name", p.Name, MaxFieldLength)
	}
	if p.Version == "" && p.Kind != KindKB {
		f.Add(at+".version", "is required")
	} else {
		checkText(f, at+".version", p.Version, MaxFieldLength)
	}
	checkText(f, at+".architecture", p.Architecture, 50)
}
