package cmdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// The outcomes of an imported row.
const (
	ImportCreated   = "created"
	ImportUpdated   = "updated"
	ImportUnchanged = "unchanged"
)

// ImportItem is what happened to one row.
type ImportItem struct {
	Row     int
	ID      string
	Name    string
	Outcome string
}

// ImportResult is what an import did, row by row.
type ImportResult struct {
	Created, Updated, Unchanged int
	Items                       []ImportItem
}

// importPlan is one row resolved against the CMDB: the CI as it is (nil
// for a new one) and as the row wants it.
type importPlan struct {
	row  ImportRow
	cur  *CI
	next CI
}

// ImportCIs upserts CIs by name (change managers and admins): a row whose
// name is new creates a planned CI, one whose name exists changes the
// fields the row sets. All or nothing: every row is checked first, and if
// any is bad the answer names every bad row and field and nothing is
// written. Each CI changed gets its version and audit event.
func (s *Service) ImportCIs(ctx context.Context, actor identity.Actor, rows []ImportRow) (ImportResult, error) {
	if err := s.requireWriter(ctx, actor, "ci.import", "ci", ""); err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		plans, err := s.planImport(ctx, tx, rows)
		if err != nil {
			return err
		}
		res, err = s.applyImport(ctx, tx, actor, plans)
		return err
	})
	return res, err
}

// checkImportNames requires a name on every row, once; it returns the
// problems and the rows that have them.
func checkImportNames(rows []ImportRow) (errs.Fields, map[int]bool) {
	var f errs.Fields
	bad := map[int]bool{}
	first := map[string]int{}
	for _, r := range rows {
		if r.Name == "" {
			f.Add(RowField(r.Row, "name"), "is required")
			bad[r.Row] = true
		} else if j, dup := first[r.Name]; dup {
			f.Add(RowField(r.Row, "name"), fmt.Sprintf("repeats rows[%d]", j))
			bad[r.Row] = true
		} else {
			first[r.Name] = r.Row
		}
	}
	return f, bad
}

func capFields(f errs.Fields) errs.Fields {
	if len(f) > maxImportErrors {
		return f[:maxImportErrors]
	}
	return f
}

// planImport resolves every row and checks it, collecting the errors of
// all rows before anything is written.
func (s *Service) planImport(ctx context.Context, tx Tx, rows []ImportRow) ([]importPlan, error) {
	f, badName := checkImportNames(rows)
	plans := make([]importPlan, 0, len(rows))
	agents := map[string]agentRef{}
	now := s.stamp()
	for _, r := range rows {
		if len(f) >= maxImportErrors {
			break
		}
		if badName[r.Row] {
			continue
		}
		p, err := s.planRow(ctx, tx, r, now, agents)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				return nil, err
			}
			for _, fe := range fieldsOf(err) {
				f.Add(RowField(r.Row, fe.Field), fe.Reason)
			}
			continue
		}
		plans = append(plans, p)
	}
	return plans, capFields(f).Err()
}

// agentRef is an agent_id of the import resolved once: the user's id.
type agentRef struct {
	id  string
	err error
}

func (s *Service) planRow(ctx context.Context, tx Tx, r ImportRow, now time.Time, agents map[string]agentRef) (importPlan, error) {
	p := importPlan{row: r}
	cur, err := tx.FindCI(ctx, r.Name)
	switch {
	case errs.Is(err, errs.NotFound):
		p.next = newCI(CI{Name: r.Name}, now)
	case err != nil:
		return p, err
	case cur.State == StateRetired:
		return p, errs.Field("name", "CI "+cur.Name+" is retired: its record is kept as it was")
	default:
		p.cur, p.next = &cur, cur.clone()
	}
	r.Patch.apply(&p.next)
	if err := p.next.Validate(); err != nil {
		return p, err
	}
	if p.next.AgentID != "" && (p.cur == nil || p.cur.AgentID != p.next.AgentID) {
		ref := p.next.AgentID
		a, done := agents[ref]
		if !done {
			a.id, a.err = s.resolveAgent(ctx, tx, ref)
			agents[ref] = a
		}
		p.next.AgentID = a.id
		return p, a.err
	}
	return p, nil
}

// applyImport writes the planned rows.
func (s *Service) applyImport(ctx context.Context, tx Tx, actor identity.Actor, plans []importPlan) (ImportResult, error) {
	res := ImportResult{Items: make([]ImportItem, 0, len(plans))}
	for _, p := range plans {
		item := ImportItem{Row: p.row.Row, Name: p.next.Name}
		switch {
		case p.cur == nil:
			if err := s.create(ctx, tx, actor, &p.next); err != nil {
				return res, rowError(p.row.Row, err)
			}
			item.ID, item.Outcome = p.next.ID, ImportCreated
			res.Created++
		case len(Diff(*p.cur, p.next)) == 0:
			item.ID, item.Outcome = p.cur.ID, ImportUnchanged
			res.Unchanged++
		default:
			c, err := s.update(ctx, tx, actor, *p.cur, p.next, "ci.update", "bulk import")
			if err != nil {
				return res, rowError(p.row.Row, err)
			}
			item.ID, item.Outcome = c.ID, ImportUpdated
			res.Updated++
		}
		res.Items = append(res.Items, item)
	}
	return res, nil
}

// rowError names the row of an error met while writing: an invalid field,
// or another writer's conflicting change.
func rowError(row int, err error) error {
	if errs.Is(err, errs.Invalid) {
		var f errs.Fields
		for _, fe := range fieldsOf(err) {
			f.Add(RowField(row, fe.Field), fe.Reason)
		}
		if len(f) > 0 {
			return f.Err()
		}
	}
	if errs.Is(err, errs.Conflict) {
		var e *errs.Error
		errors.As(err, &e)
		return errs.Wrap(errs.Conflict, err, fmt.Sprintf("rows[%d]: %s; nothing was imported", row, e.Message))
	}
	return err
}
