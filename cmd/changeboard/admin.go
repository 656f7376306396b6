package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
)

// openDB opens the configured database without serving.
func openDB(ctx context.Context, getenv func(string) string) (*store.DB, config.Config, error) {
	cfg, err := config.Load(nil, getenv)
	if err != nil {
		return nil, cfg, err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, store.Options{})
	return db, cfg, err
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 || (args[0] != "up" && args[0] != "status") {
		return fmt.Errorf("%w: changeboard migrate up|status", errUsage)
	}
	db, cfg, err := openDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "up" {
		applied, err := db.Migrate(ctx)
		for _, a := range applied {
			fmt.Fprintln(stdout, "applied", a)
		}
		if err == nil && len(applied) == 0 {
			fmt.Fprintln(stdout, "up to date")
		}
		if err == nil && cfg.Audit.AppRole != "" {
			// The service's own role: everything but rewriting the trail.
			if err = db.GrantAppRole(ctx, cfg.Audit.AppRole); err == nil {
				fmt.Fprintln(stdout, "granted", cfg.Audit.AppRole, "(no UPDATE, DELETE or TRUNCATE on the audit tables)")
			}
		}
		return err
	}
	st, err := db.MigrationStatus(ctx)
	for _, s := range st {
		state := "pending"
		if s.Applied {
			state = "applied"
		}
		fmt.Fprintf(stdout, "%05d  %-8s %s\n", s.Version, state, s.Name)
	}
	return err
}

func userCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("%w: changeboard user create --username NAME --roles r1,r2", errUsage)
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	username := fs.String("username", "", "login name")
	roles := fs.String("roles", "", "comma-separated roles: "+fmt.Sprint(identity.AllRoles))
	display := fs.String("display-name", "", "display name")
	email := fs.String("email", "", "e-mail address")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	password := getenv("CHANGEBOARD_USER_PASSWORD")
	if password == "" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		password = strings.TrimRight(line, "\r\n")
	}
	db, cfg, err := openDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	svc := auth.NewService(store.Runner[auth.Tx]{DB: db}, audit.NewService(db, db.Now), auth.NewSigner(cfg.SigningKey, cfg.Issuer, cfg.Audience), db.Now, auth.Options{})
	u, err := svc.CreateUser(ctx, identity.System, auth.NewUser{
		Username: *username, DisplayName: *display, Email: *email, Roles: splitList(*roles), Password: password,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %s (%s) with roles %v\n", u.Username, u.ID, u.Roles)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
