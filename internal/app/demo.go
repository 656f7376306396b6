package app

import (
	"context"
	"fmt"
	"io"

	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// DemoPassword is the password of every demo user; demo data is for a
// laptop, never for production.
const DemoPassword = "changeboard-demo"

// demoUsers are one user per role, and a board's worth of CAB members.
var demoUsers = []struct {
	name  string
	roles []identity.Role
}{
	{"rita.requester", []identity.Role{identity.Requester}},
	{"carl.changemanager", []identity.Role{identity.ChangeManager}},
	{"cab.alice", []identity.Role{identity.CABMember}},
	{"cab.bob", []identity.Role{identity.CABMember}},
	{"cab.carol", []identity.Role{identity.CABMember}},
	{"remy.release", []identity.Role{identity.ReleaseManager}},
	{"agent.web01", []identity.Role{identity.Agent}},
	{"audrey.auditor", []identity.Role{identity.Auditor}},
	{"ada.admin", []identity.Role{identity.Admin}},
}

// LoadDemo adds the demo users that are missing and, on a database
// without boards, the demo estate (demo_estate.go); it is safe to run twice.
func LoadDemo(ctx context.Context, a *App, out io.Writer) error {
	created := 0
	for _, u := range demoUsers {
		roles := make([]string, len(u.roles))
		for i, r := range u.roles {
			roles[i] = string(r)
		}
		_, err := a.Auth.CreateUser(ctx, identity.System, auth.NewUser{
			Username: u.name, DisplayName: u.name, Roles: roles, Password: DemoPassword,
		})
		if errs.Is(err, errs.Conflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("demo user %s: %w", u.name, err)
		}
		created++
	}
	if created > 0 {
		fmt.Fprintf(out, "  Demo data: %d users, one per role, each with the password %q\n", created, DemoPassword)
	}
	return loadDemoEstate(ctx, a, out)
}
