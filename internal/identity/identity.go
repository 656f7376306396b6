// Package identity names who acts: the authenticated actor and the roles of
// the product. It is a leaf package that every capability may import.
package identity

import (
	"slices"

	"github.com/changeboard/changeboard/internal/errs"
)

// Role is one of the product's roles.
type Role string

// The roles.
const (
	Requester      Role = "requester"
	ChangeManager  Role = "change_manager"
	CABMember      Role = "cab_member"
	ReleaseManager Role = "release_manager"
	Agent          Role = "agent"
	Auditor        Role = "auditor"
	Admin          Role = "admin"
)

// AllRoles lists every role in a stable order.
var AllRoles = []Role{Requester, ChangeManager, CABMember, ReleaseManager, Agent, Auditor, Admin}

// ParseRole checks that s names a role.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, slices.Contains(AllRoles, r)
}

// Actor is the authenticated caller of a use case.
type Actor struct {
	UserID   string
	Username string
	Roles    []Role
	// TokenID is the API token's id when the caller used one.
	TokenID string
}

// Has reports whether the actor holds any of roles.
func (a Actor) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(a.Roles, r) {
			return true
		}
	}
	return false
}

// PrimaryRole is the role recorded in audit events: the first of the actor's
// roles that allowed the action, else the first role it holds.
func (a Actor) PrimaryRole(allowed ...Role) Role {
	for _, r := range allowed {
		if slices.Contains(a.Roles, r) {
			return r
		}
	}
	if len(a.Roles) > 0 {
		return a.Roles[0]
	}
	return ""
}

// System is the actor for work the service does by itself (migrations,
// bootstrap, background jobs).
var System = Actor{UserID: "system", Username: "system"}

// Require returns a Forbidden error unless the actor holds one of roles.
// Callers that must audit refusals use audit.Gate instead.
func Require(a Actor, roles ...Role) error {
	if a.Has(roles...) {
		return nil
	}
	return errs.E(errs.Forbidden, "this action needs one of the roles %v", roles)
}
