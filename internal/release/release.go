// Package release is MOF Release Management: the release package and its
// state machine, the readiness and deployment complete reviews as gate
// records, deployments in ordered waves with per-CI targets and their own
// state machine, the work agents pull and the results they report, and the
// orchestration that opens, closes and halts waves. It is domain code and
// use cases: storage, HTTP and the job runner are adapters around it.
package release

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/workflow"
)

// Release is a release package: what ships (updates from the catalog
// and software items), how it is installed and backed out per platform,
// the evidence it was tested and piloted, and the RFCs it implements.
type Release struct {
	ID          string
	Number      int64
	Name        string
	Description string
	// OwnerID is the release manager who owns the package.
	OwnerID string
	// RFCIDs are the RFCs the release implements; at least one (DESIGN §2).
	RFCIDs []string
	// UpdateIDs are approved catalog updates.
	UpdateIDs []string
	Items     []Item
	// Commands are the install and backout templates per platform.
	Commands     []Commands
	BackoutPlan  string
	TestEvidence string
	PilotResults string
	State        State
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Ref is the human form of the release's number, such as "REL-7".
func (r Release) Ref() string { return "REL-" + strconv.FormatInt(r.Number, 10) }

// ItemKind is the packaging system of a software item.
type ItemKind string

// The item kinds.
const (
	ItemDeb   ItemKind = "deb"
	ItemRPM   ItemKind = "rpm"
	ItemMSI   ItemKind = "msi"
	ItemKB    ItemKind = "kb"
	ItemOther ItemKind = "other"
)

// ItemKinds lists the item kinds.
func ItemKinds() []ItemKind { return []ItemKind{ItemDeb, ItemRPM, ItemMSI, ItemKB, ItemOther} }

// Item is one software version the release installs.
type Item struct {
	Kind    ItemKind
	Name    string
	Version string
}

// Commands are the command templates of one platform. Platform matches a
// CI's os (case-insensitively), or "default" any CI without its own.
// PackageKind, when set, limits {packages} to packages of that kind.
type Commands struct {
	Platform    string
	PackageKind ItemKind
	Install     string
	Backout     string
}

// DefaultPlatform is the platform of CIs no other template names.
const DefaultPlatform = "default"

// Limits of a release's fields.
const (
	maxName     = 200
	maxText     = 64 << 10
	maxItems    = 500
	maxCommands = 20
)

var platformName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Validate checks the fields a release manager sets, naming each wrong one.
func (r Release) Validate() error {
	var f errs.Fields
	switch name := strings.TrimSpace(r.Name); {
	case name == "":
		f.Add("name", "is required")
	case len(name) > maxName:
		f.Add("name", "must be at most 200 characters")
	}
	if len(r.RFCIDs) == 0 {
		f.Add("rfc_ids", "must name at least one RFC the release implements")
	}
	for i, id := range r.RFCIDs {
		if strings.TrimSpace(id) == "" {
			f.Add(indexed("rfc_ids", i), "is empty")
		}
	}
	for i, id := range r.UpdateIDs {
		if strings.TrimSpace(id) == "" {
			f.Add(indexed("update_ids", i), "is empty")
		}
	}
	if len(r.Items) > maxItems {
		f.Add("items", "must hold at most 500 items")
	}
	for i, it := range r.Items {
		p := indexed("items", i)
		if _, err := workflow.ParseEnum(p+".kind", string(it.Kind), ItemKinds()); err != nil {
			f.Add(p+".kind", "must be one of "+workflow.JoinEnum(ItemKinds()))
		}
		if !packageName.MatchString(it.Name) {
			f.Add(p+".name", "must be a package name (letters, digits and .+-_:~)")
		}
		if it.Version != "" && !packageName.MatchString(it.Version) {
			f.Add(p+".version", "must be a version (letters, digits and .+-_:~)")
		}
	}
	r.addCommandProblems(&f)
	for field, v := range map[string]string{"description": r.Description, "backout_plan": r.BackoutPlan,
		"test_evidence": r.TestEvidence, "pilot_results": r.PilotResults} {
		if len(v) > maxText {
			f.Add(field, "must be at most 64 KiB")
		}
	}
	return f.Err()
}

func (r Release) addCommandProblems(f *errs.Fields) {
	if len(r.Commands) > maxCommands {
		f.Add("commands", "must hold at most 20 platforms")
	}
	seen := map[string]bool{}
	for i, c := range r.Commands {
		p := indexed("commands", i)
		switch {
		case !platformName.MatchString(c.Platform):
			f.Add(p+".platform", `must be a lower-case platform name such as "debian" or "default"`)
		case seen[c.Platform]:
			f.Add(p+".platform", "is named twice")
		}
		seen[c.Platform] = true
		if c.PackageKind != "" {
			if _, err := workflow.ParseEnum("kind", string(c.PackageKind), ItemKinds()); err != nil {
				f.Add(p+".package_kind", "must be one of "+workflow.JoinEnum(ItemKinds()))
			}
		}
		if strings.TrimSpace(c.Install) == "" {
			f.Add(p+".install", "is required")
		} else if err := checkTemplate(c.Install); err != nil {
			f.Add(p+".install", err.Error())
		}
		if c.Backout != "" {
			if err := checkTemplate(c.Backout); err != nil {
				f.Add(p+".backout", err.Error())
			}
		}
	}
}

// CommandsFor returns the templates for a CI whose os is os.
func (r Release) CommandsFor(os string) (Commands, bool) {
	return commandsFor(r.Commands, os)
}

func commandsFor(all []Commands, os string) (Commands, bool) {
	var def *Commands
	for i, c := range all {
		if strings.EqualFold(c.Platform, os) && os != "" {
			return c, true
		}
		if c.Platform == DefaultPlatform {
			def = &all[i]
		}
	}
	if def != nil {
		return *def, true
	}
	return Commands{}, false
}

func indexed(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
