package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/changeboard/changeboard/internal/app"
	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/store"
)

const auditUsage = `changeboard audit verify [--public-key FILE] | checkpoint | public-key | export [flags] | verify-export --public-key FILE EXPORT | verify-evidence --public-key FILE PACK.zip`

// fileLast moves a leading file argument behind the flags, so that both
// "verify-export FILE --public-key K" and "verify-export --public-key K FILE"
// parse (package flag stops at the first non-flag).
func fileLast(args []string) []string {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return append(args[1:len(args):len(args)], args[0])
	}
	return args
}

func auditCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, auditUsage)
	}
	switch args[0] {
	case "verify":
		return auditVerify(ctx, args[1:], getenv, stdout, stderr)
	case "checkpoint":
		return auditCheckpoint(ctx, getenv, stdout, stderr)
	case "public-key":
		return auditPublicKey(getenv, stdout)
	case "export":
		return auditExport(ctx, args[1:], getenv, stdout, stderr)
	case "verify-evidence":
		return auditVerifyEvidence(fileLast(args[1:]), stdout, stderr)
	case "verify-export":
		return auditVerifyExport(fileLast(args[1:]), stdout, stderr)
	}
	return fmt.Errorf("%w: %s", errUsage, auditUsage)
}

// openAudit opens the database and the audit service with the configured
// key, generated as serve would when it is missing: a key deleted to hide
// a deleted tail is thereby replaced by one that the existing checkpoints
// do not verify under, which verify reports.
func openAudit(ctx context.Context, getenv func(string) string, stderr io.Writer) (*store.DB, *audit.Service, audit.Options, error) {
	db, cfg, err := openDB(ctx, getenv)
	if err != nil {
		return nil, nil, audit.Options{}, err
	}
	opt, err := app.AuditOptions(cfg, slog.New(slog.NewTextHandler(stderr, nil)), true)
	if err != nil {
		_ = db.Close()
		return nil, nil, opt, err
	}
	return db, audit.NewServiceWith(db, db.Now, opt), opt, nil
}

// auditVerify checks the chain first and only then seals what is waiting,
// so that sealing never covers up an edit; the report says what it sealed.
func auditVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pinned := fs.String("public-key", "", "PEM public key the audit key must match (kept apart from the server)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, svc, opt, err := openAudit(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if *pinned != "" {
		b, err := os.ReadFile(*pinned)
		if err != nil {
			return err
		}
		want, err := audit.ParsePublicKeyPEM(b)
		if err != nil {
			return fmt.Errorf("%s: %w", *pinned, err)
		}
		if want.KeyID() != opt.Keys.KeyID() {
			return fmt.Errorf("the audit key file holds key %s, not the pinned key %s: it was replaced", opt.Keys.KeyID(), want.KeyID())
		}
	}
	r, err := svc.VerifyNow(ctx)
	if err != nil {
		return err
	}
	if r.OK {
		if r.Sealed, err = audit.NewSealer(db, 0, slog.New(slog.DiscardHandler)).WithKeys(opt.Keys).SealNow(ctx); err != nil {
			return err
		}
	}
	b, _ := json.Marshal(r)
	fmt.Fprintln(stdout, string(b))
	if !r.OK {
		return fmt.Errorf("audit chain broken at sequence %d: %s", r.FirstBroken, r.Reason)
	}
	return nil
}

// auditCheckpoint seals, then signs and publishes the head on demand.
func auditCheckpoint(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	db, svc, opt, err := openAudit(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := audit.NewSealer(db, 0, slog.New(slog.DiscardHandler)).WithKeys(opt.Keys).SealNow(ctx); err != nil {
		return err
	}
	c, err := svc.WriteCheckpoint(ctx)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(c)
	fmt.Fprintln(stdout, string(b))
	return nil
}

// auditPublicKey prints the public key, to keep apart from the server.
func auditPublicKey(getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(nil, getenv)
	if err != nil {
		return err
	}
	k, err := audit.LoadKeyFile(cfg.Audit.KeyFile)
	if err != nil {
		return err
	}
	_, err = stdout.Write(k.PublicKeyPEM())
	return err
}
