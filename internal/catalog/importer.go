package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/catalog/csaf"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// ImportInput is one CSAF document to import.
type ImportInput struct {
	Document []byte
	// Name is the document's file name: it picks the line of a hash file
	// that lists several documents, and names the document in messages.
	Name string
	// HashFile is the content of the .sha512 or .sha256 file published
	// beside the document; nil when there is none.
	HashFile []byte
}

// ImportOutcome says what an import did.
type ImportOutcome string

// The outcomes of an import that was not refused.
const (
	// OutcomeImported: a new update.
	OutcomeImported ImportOutcome = "imported"
	// OutcomeUpdated: a newer revision revised the update.
	OutcomeUpdated ImportOutcome = "updated"
	// OutcomeUnchanged: the same (or an older) revision; nothing written.
	OutcomeUnchanged ImportOutcome = "unchanged"
)

// ImportResult is what an import did and to which update.
type ImportResult struct {
	Outcome ImportOutcome
	Update  Update
	// Changes lists what a revision changed (OutcomeUpdated).
	Changes []string
	Detail  string
}

// Import checks a CSAF 2.0 document (its hash first, when a hash file came
// with it; then its structure, refused with the JSON Pointer of each
// problem) and imports it as one update, all or nothing: a new update, a
// revision of the update it already is, or nothing when that revision is
// already there. Every attempt, refusals included, is audited.
func (s *Service) Import(ctx context.Context, actor identity.Actor, in ImportInput) (ImportResult, error) {
	if err := s.requireEditor(ctx, actor, "update.import"); err != nil {
		return ImportResult{}, err
	}
	res, err := s.importDocument(ctx, actor, in)
	if err != nil {
		if aerr := s.audit.Record(ctx, audit.Record{Actor: actor, Role: actor.PrimaryRole(editors...),
			Action: "update.import", Outcome: audit.Failure, EntityType: "update", EntityID: "",
			Reason: in.Name + ": " + Describe(err)}); aerr != nil {
			return ImportResult{}, aerr
		}
	}
	return res, err
}

func (s *Service) importDocument(ctx context.Context, actor identity.Actor, in ImportInput) (ImportResult, error) {
	verified := ""
	if in.HashFile != nil {
		d, err := csaf.ParseDigest(in.HashFile, in.Name)
		if err == nil {
			err = d.Verify(in.Document)
		}
		if err != nil {
			return ImportResult{}, err
		}
		verified = d.Algorithm
	}
	adv, err := csaf.Parse(in.Document)
	if err != nil {
		return ImportResult{}, err
	}
	sum := sha256.Sum256(in.Document)
	u := FromAdvisory(adv, hex.EncodeToString(sum[:]), verified)
	var res ImportResult
	err = s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		res, err = s.importUpdate(ctx, tx, actor, u)
		return err
	})
	return res, err
}

func (s *Service) importUpdate(ctx context.Context, tx Tx, actor identity.Actor, u Update) (ImportResult, error) {
	stored, err := tx.FindUpdate(ctx, u.VendorID)
	if errs.Is(err, errs.NotFound) {
		now := s.now()
		u.ID, u.State, u.CreatedAt, u.UpdatedAt = uuid.NewString(), StateNew, now, now
		err := s.insert(ctx, tx, actor, &u, "update.import", "revision "+u.Document.Version)
		return ImportResult{Outcome: OutcomeImported, Update: u, Detail: "new update " + u.VendorID}, err
	}
	if err != nil {
		return ImportResult{}, err
	}
	if err := checkSameSource(stored, u); err != nil {
		return ImportResult{}, err
	}
	switch c := CompareRevisions(u.Document.Version, stored.Document.Version); {
	case c > 0:
		return s.revise(ctx, tx, actor, stored, u)
	case c < 0:
		return s.unchanged(ctx, tx, actor, stored, fmt.Sprintf("revision %s is older than the stored revision %s; kept the stored one",
			u.Document.Version, stored.Document.Version))
	}
	if changes := Changes(stored, u); len(changes) > 0 {
		return ImportResult{}, errs.E(errs.Conflict, "revision %s of %s is already imported with other content (%s): a revised document must raise /document/tracking/version",
			u.Document.Version, u.VendorID, summarise(changes))
	}
	return s.unchanged(ctx, tx, actor, stored, "revision "+stored.Document.Version+" is already imported")
}

// checkSameSource refuses a document for an update that was entered by
// hand or published by someone else under the same tracking id.
func checkSameSource(stored, u Update) error {
	if stored.Document == nil {
		return errs.E(errs.Conflict, "update %s was entered by hand; an advisory cannot replace it", stored.VendorID)
	}
	if stored.Document.PublisherNamespace != u.Document.PublisherNamespace {
		return errs.E(errs.Conflict, "update %s was published by %s (%s), not %s",
			stored.VendorID, stored.Publisher, stored.Document.PublisherNamespace, u.Document.PublisherNamespace)
	}
	return nil
}

// revise replaces the content of stored with the newer revision u, keeping
// what the process owns: the state, the decisions and the supersedence.
func (s *Service) revise(ctx context.Context, tx Tx, actor identity.Actor, stored, u Update) (ImportResult, error) {
	changes := Changes(stored, u)
	next := stored
	next.Title, next.Summary, next.Publisher = u.Title, u.Summary, u.Publisher
	next.Severity, next.SeverityText, next.URL = u.Severity, u.SeverityText, u.URL
	next.Vulnerabilities, next.Products, next.Remediations = u.Vulnerabilities, u.Products, u.Remediations
	next.Packages, next.RebootRequired, next.Document = u.Packages, u.RebootRequired, u.Document
	next.ReleasedAt, next.RevisedAt, next.UpdatedAt = u.ReleasedAt, u.RevisedAt, s.now()
	if err := tx.UpdateUpdate(ctx, &next, stored.Version); err != nil {
		return ImportResult{}, err
	}
	why := fmt.Sprintf("revision %s → %s", stored.Document.Version, u.Document.Version)
	if len(changes) > 0 {
		why += ": " + strings.Join(changes, "; ")
	}
	if err := s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(editors...), Action: "update.revise",
		EntityType: "update", EntityID: next.ID, Before: stored.auditView(), After: next.auditView(), Reason: why}); err != nil {
		return ImportResult{}, err
	}
	if err := s.recomputeUpdate(ctx, tx, next); err != nil {
		return ImportResult{}, err
	}
	return ImportResult{Outcome: OutcomeUpdated, Update: next, Changes: changes, Detail: why}, nil
}

// unchanged writes nothing but the audit event of the attempt.
func (s *Service) unchanged(ctx context.Context, tx Tx, actor identity.Actor, stored Update, detail string) (ImportResult, error) {
	err := s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(editors...), Action: "update.reimport",
		EntityType: "update", EntityID: stored.ID, Reason: "unchanged: " + detail})
	return ImportResult{Outcome: OutcomeUnchanged, Update: stored, Detail: detail}, err
}

// Describe spells out an error with its field reasons, which Error()
// leaves out, for the audit trail and the command line.
func Describe(err error) string {
	var e *errs.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	out := e.Message
	for i, f := range e.Fields {
		if i == 5 {
			out += fmt.Sprintf("; and %d more", len(e.Fields)-5)
			break
		}
		out += "; " + f.Field + ": " + f.Reason
	}
	return out
}
