package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
)

const catalogUsage = `usage: changeboard catalog import [--actor USERNAME] FILE|DIR...

Imports CSAF 2.0 advisories (*.json; a directory is walked) into the patch
catalog through the same use case as POST /api/v1/updates/import, against the
configured database. A FILE.sha512 or FILE.sha256 beside a document is checked
first. Progress goes to standard error, the summary to standard output; the
command fails when any document was refused.

Every import is audited with its source "cli:OSUSER@HOST" (the operating
system's user running the command). With --actor the events name that user
of Changeboard as the actor, and the import needs one of that user's roles
to allow it (change_manager, release_manager, admin); without, the actor
is "system".`

// catalogCmd is "changeboard catalog import FILE|DIR...".
func catalogCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	usage := func() error {
		fmt.Fprintln(stderr, catalogUsage)
		return fmt.Errorf("%w: changeboard catalog import [--actor USERNAME] FILE|DIR", errUsage)
	}
	if len(args) < 1 || args[0] != "import" {
		return usage()
	}
	fset := flag.NewFlagSet("catalog import", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	actorName := fset.String("actor", "", "the Changeboard user the import is done as")
	if err := fset.Parse(args[1:]); err != nil || fset.NArg() == 0 {
		return usage()
	}
	files, err := csafFiles(fset.Args())
	if err != nil {
		return err
	}
	db, cfg, err := openDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	actor, err := cliActor(ctx, db, *actorName)
	if err != nil {
		return err
	}
	ctx = cliRequest(ctx)
	auditSvc := audit.NewService(db, db.Now)
	changes := change.NewService(store.Runner[change.Tx]{DB: db}, auditSvc, db,
		cmdb.NewService(store.Runner[cmdb.Tx]{DB: db}, auditSvc, db.Now), db.Now, change.Policy{RetroReviewWindow: cfg.RetroReviewWindow})
	svc := catalog.NewService(store.Runner[catalog.Tx]{DB: db}, auditSvc, changes, db.Now,
		catalog.Options{InventoryMaxAge: cfg.InventoryMaxAge})
	var s importSummary
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := importFile(ctx, svc, actor, f)
		s.add(f, res, err)
		fmt.Fprintf(stderr, "[%d/%d] %s: %s\n", i+1, len(files), f, s.last)
	}
	s.write(stdout)
	if len(s.refused) > 0 {
		return fmt.Errorf("%d of %d documents refused", len(s.refused), len(files))
	}
	return nil
}

// csafFiles expands the arguments: files as given, directories walked for
// *.json, in a stable order.
func csafFiles(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, arg)
			continue
		}
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(d.Name(), ".json") {
				out = append(out, path)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no CSAF document (*.json) found")
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// importFile imports one document with its sibling hash file, if any, as
// actor.
func importFile(ctx context.Context, svc *catalog.Service, actor identity.Actor, path string) (catalog.ImportResult, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return catalog.ImportResult{}, err
	}
	in := catalog.ImportInput{Document: doc, Name: filepath.Base(path)}
	for _, ext := range []string{".sha512", ".sha256"} {
		if hash, err := os.ReadFile(path + ext); err == nil {
			in.HashFile = hash
			break
		}
	}
	return svc.Import(ctx, actor, in)
}

// importSummary counts the outcomes and keeps the refusals' reasons.
type importSummary struct {
	counts  map[catalog.ImportOutcome]int
	refused []string
	last    string
}

func (s *importSummary) add(path string, res catalog.ImportResult, err error) {
	if s.counts == nil {
		s.counts = map[catalog.ImportOutcome]int{}
	}
	if err != nil {
		s.last = "refused: " + catalog.Describe(err)
		s.refused = append(s.refused, path+": "+catalog.Describe(err))
		return
	}
	s.counts[res.Outcome]++
	s.last = fmt.Sprintf("%s %s (%s)", res.Outcome, res.Update.VendorID, res.Detail)
	if len(res.Changes) > 0 {
		s.last += ": " + strings.Join(res.Changes, "; ")
	}
}

func (s *importSummary) write(w io.Writer) {
	fmt.Fprintf(w, "imported %d, updated %d, unchanged %d, refused %d\n", s.counts[catalog.OutcomeImported],
		s.counts[catalog.OutcomeUpdated], s.counts[catalog.OutcomeUnchanged], len(s.refused))
	for _, r := range s.refused {
		fmt.Fprintln(w, "refused", r)
	}
}
