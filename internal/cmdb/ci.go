// Package cmdb is the MOF Configuration Management process: configuration
// items (CIs), their versions, relationships and impact, groups, and the
// inventory agents report. Like change, it is domain code without I/O: the
// use cases run in one transaction of the Tx this package declares.
package cmdb

import (
	"maps"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/workflow"
)

// CI is a configuration item: a server, workstation, application, service…
// with the attributes configuration management keeps about it.
type CI struct {
	ID          string
	Name        string
	Type        Type
	Environment string
	Location    string
	Role        string
	Owner       string
	Criticality Criticality
	OS          string
	OSVersion   string
	// Attributes are the free attributes: string values under keys of
	// letters, digits, '_', '-' and '.'.
	Attributes map[string]string
	// AgentID names the user with the agent role whose tokens may report
	// this CI's inventory; empty for none.
	AgentID string
	State   State
	// Version is the optimistic concurrency token; the store bumps it.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Type is what kind of thing a CI is.
type Type string

// The built-in types; Types lists them. The set is extensible: any
// lower-case identifier is a type (a "load_balancer", say).
const (
	TypeServer        Type = "server"
	TypeWorkstation   Type = "workstation"
	TypeNetworkDevice Type = "network_device"
	TypeApplication   Type = "application"
	TypeDatabase      Type = "database"
	TypeService       Type = "service"
)

// Types lists the built-in types.
func Types() []Type {
	return []Type{TypeServer, TypeWorkstation, TypeNetworkDevice, TypeApplication, TypeDatabase, TypeService}
}

var typePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// ParseType checks a type: a built-in one or another lower-case identifier.
func ParseType(s string) (Type, error) {
	if s == "" {
		return "", errs.Field("type", "is required")
	}
	if !typePattern.MatchString(s) {
		return "", errs.Field("type", "must be a lower-case identifier (letters, digits, _) such as "+workflow.JoinEnum(Types()))
	}
	return Type(s), nil
}

// Criticality is how much the business suffers when the CI fails.
type Criticality string

// The criticalities, least first.
const (
	CriticalityLow      Criticality = "low"
	CriticalityMedium   Criticality = "medium"
	CriticalityHigh     Criticality = "high"
	CriticalityCritical Criticality = "critical"
)

// Criticalities lists the criticalities, least first.
func Criticalities() []Criticality {
	return []Criticality{CriticalityLow, CriticalityMedium, CriticalityHigh, CriticalityCritical}
}

// ParseCriticality reads a criticality.
func ParseCriticality(s string) (Criticality, error) {
	return workflow.ParseEnum("criticality", s, Criticalities())
}

// Rank orders criticalities: 1 for low up to 4 for critical, 0 if unknown.
func (c Criticality) Rank() int {
	for i, v := range Criticalities() {
		if v == c {
			return i + 1
		}
	}
	return 0
}

// Limits on a CI's fields.
const (
	MaxNameLength  = 200
	MaxFieldLength = 200
	MaxAttributes  = 100
	// MaxAttributeFilters bounds the attribute criteria of one list or
	// dynamic group: each is a lookup of its own.
	MaxAttributeFilters = 10
	MaxAttributeKey     = 64
	MaxAttributeLength  = 1000
)

var attributeKey = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// Validate checks every field of a CI, naming each bad one.
func (c CI) Validate() error {
	var f errs.Fields
	checkName(&f, "name", c.Name)
	if _, err := ParseType(string(c.Type)); err != nil {
		f = append(f, fieldsOf(err)...)
	}
	if _, err := ParseCriticality(string(c.Criticality)); err != nil {
		f = append(f, fieldsOf(err)...)
	}
	for field, v := range map[string]string{"environment": c.Environment, "location": c.Location,
		"role": c.Role, "owner": c.Owner, "os": c.OS, "os_version": c.OSVersion, "agent_id": c.AgentID} {
		checkText(&f, field, v, MaxFieldLength)
	}
	checkAttributes(&f, "attributes", c.Attributes)
	return f.Err()
}

// checkName accepts a CI or group name: printable, trimmed, not a UUID (so
// that a URL naming a CI by id or by name is never ambiguous).
func checkName(f *errs.Fields, field, name string) {
	switch {
	case name == "":
		f.Add(field, "is required")
	case utf8.RuneCountInString(name) > MaxNameLength:
		f.Add(field, "must be at most 200 characters")
	case strings.TrimSpace(name) != name || strings.ContainsFunc(name, unicode.IsControl) || !utf8.ValidString(name):
		f.Add(field, "must be printable, without leading or trailing spaces")
	case strings.ContainsAny(name, "/?#%"):
		f.Add(field, "must not contain /, ?, # or %")
	case isUUID(name):
		f.Add(field, "must not be a UUID: names and ids share the URLs")
	}
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

func checkText(f *errs.Fields, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		f.Add(field, "must be at most "+itoa(max)+" characters")
	} else if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
		f.Add(field, "must be printable text")
	}
}

func checkAttributes(f *errs.Fields, field string, attrs map[string]string) {
	if len(attrs) > MaxAttributes {
		f.Add(field, "at most "+itoa(MaxAttributes)+" attributes")
		return
	}
	for k, v := range attrs {
		if len(k) > MaxAttributeKey || !attributeKey.MatchString(k) {
			f.Add(field+"."+k, "keys are 1 to 64 letters, digits, '_', '-' or '.'")
			continue
		}
		checkText(f, field+"."+k, v, MaxAttributeLength)
	}
}

// auditView is what the audit trail and the version history keep of a CI:
// every field under the API's names.
func (c CI) auditView() map[string]any {
	return map[string]any{
		"id": c.ID, "name": c.Name, "type": c.Type, "environment": c.Environment, "location": c.Location,
		"role": c.Role, "owner": c.Owner, "criticality": c.Criticality, "os": c.OS, "os_version": c.OSVersion,
		"attributes": nonNilMap(c.Attributes), "agent_id": c.AgentID, "state": c.State, "version": c.Version,
	}
}

// clone returns a copy of c that shares nothing with it.
func (c CI) clone() CI {
	c.Attributes = maps.Clone(nonNilMap(c.Attributes))
	return c
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
