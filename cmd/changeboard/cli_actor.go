package main

import (
	"context"
	"fmt"
	"os"
	"os/user"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
)

// cliActor is who a command acts as: the Changeboard user named (who must
// exist and be enabled; the use case checks the roles), or the system.
func cliActor(ctx context.Context, db *store.DB, username string) (identity.Actor, error) {
	if username == "" {
		return identity.System, nil
	}
	var u auth.User
	err := db.InTx(ctx, func(ctx context.Context, tx *store.Tx) (err error) {
		u, err = tx.FindUserByUsername(ctx, username)
		return err
	})
	switch {
	case errs.Is(err, errs.NotFound):
		return identity.Actor{}, fmt.Errorf("--actor: no user %q", username)
	case err != nil:
		return identity.Actor{}, err
	case u.Disabled:
		return identity.Actor{}, fmt.Errorf("--actor: user %q is disabled", username)
	}
	return identity.Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles}, nil
}

// cliRequest marks the events a command records: a request id of its own
// and, as their source, the operating system's user and host that ran it,
// so that an auditor can tell who imported what even as "system".
func cliRequest(ctx context.Context) context.Context {
	return audit.WithRequest(ctx, audit.RequestInfo{ID: "cli-" + uuid.NewString(), SourceIP: cliSource()})
}

func cliSource() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("cli:%s@%s", name, host)
}
