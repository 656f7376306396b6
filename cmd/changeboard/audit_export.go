package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/identity"
)

// cliAuditor is who the command line exports as: the trail records the
// export as a read by "system" in the auditor role.
var cliAuditor = identity.Actor{UserID: identity.System.UserID, Username: identity.System.Username, Roles: []identity.Role{identity.Auditor}}

// auditExport streams an export to --out (or standard output) through the
// same use case as GET /api/v1/audit/export.
func auditExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f audit.ExportFilter
	from := fs.String("from", "", "first instant, RFC 3339 (inclusive)")
	to := fs.String("to", "", "last instant, RFC 3339 (exclusive)")
	fs.StringVar(&f.EntityType, "entity-type", "", "only events of this entity type")
	fs.StringVar(&f.EntityID, "entity-id", "", "only events of this entity id")
	fs.StringVar(&f.Actor, "actor", "", "only events of this actor id")
	fs.StringVar(&f.Action, "action", "", "only events of this action")
	fs.Int64Var(&f.AfterSeq, "after-seq", 0, "resume after this sequence")
	fs.StringVar(&f.Format, "format", audit.FormatNDJSON, "csv or ndjson")
	out := fs.String("out", "", "file to write (standard output if empty)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, t := range []struct {
		name string
		v    string
		dst  **time.Time
	}{{"from", *from, &f.From}, {"to", *to, &f.To}} {
		if t.v == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.v)
		if err != nil {
			return fmt.Errorf("%w: --%s: want an RFC 3339 time", errUsage, t.name)
		}
		*t.dst = &v
	}
	db, svc, _, err := openAudit(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	w := stdout
	var file *os.File
	if *out != "" {
		if file, err = os.Create(*out); err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	m, err := svc.Export(ctx, cliAuditor, f, bw)
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if file != nil {
		if err := file.Sync(); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "exported %d events (sequences %d to %d)\n", m.Rows, m.FirstSeq, m.LastSeq)
	return nil
}

// readPublicKey reads a PEM public key file.
func readPublicKey(path string) (*audit.Keys, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: --public-key FILE is required (from changeboard audit public-key)", errUsage)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := audit.ParsePublicKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// auditVerifyExport checks an export offline: no database, no server.
func auditVerifyExport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit verify-export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pub := fs.String("public-key", "", "PEM public key of the audit key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: changeboard audit verify-export --public-key FILE EXPORT", errUsage)
	}
	keys, err := readPublicKey(*pub)
	if err != nil {
		return err
	}
	in, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer in.Close()
	r, err := audit.VerifyExport(in, keys)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(r)
	fmt.Fprintln(stdout, string(b))
	if !r.OK {
		return fmt.Errorf("export does not verify: %s", r.Reason)
	}
	return nil
}
