package change

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

var boardAdmins = []identity.Role{identity.Admin}

func boardView(b Board) map[string]any {
	return map[string]any{"id": b.ID, "name": b.Name, "kind": b.Kind, "members": b.Members,
		"quorum": b.Quorum, "rule": b.Rule, "version": b.Version}
}

// CreateBoard configures a board; admins only, one board per kind.
func (s *Service) CreateBoard(ctx context.Context, actor identity.Actor, b Board) (Board, error) {
	if err := s.guard.Require(ctx, actor, "board.create", "board", "", boardAdmins...); err != nil {
		return Board{}, err
	}
	if err := b.Validate(); err != nil {
		return Board{}, err
	}
	now := s.now()
	b.ID, b.Version, b.CreatedAt, b.UpdatedAt = uuid.NewString(), 1, now, now
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := tx.CreateBoard(ctx, &b); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: identity.Admin, Action: "board.create",
			EntityType: "board", EntityID: b.ID, After: boardView(b)})
	})
	return b, err
}

// BoardPatch changes the fields that are set.
type BoardPatch struct {
	Name      *string
	Members   *[]string
	Quorum    *int
	Rule      *Rule
	IfVersion *int64
}

// UpdateBoard changes a board's name, members, quorum or rule; admins only.
// Votes already cast stay; the new membership counts from the next vote.
func (s *Service) UpdateBoard(ctx context.Context, actor identity.Actor, id string, p BoardPatch) (Board, error) {
	if err := s.guard.Require(ctx, actor, "board.update", "board", id, boardAdmins...); err != nil {
		return Board{}, err
	}
	var b Board
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if b, err = tx.FindBoard(ctx, id); err != nil {
			return err
		}
		if p.IfVersion != nil && *p.IfVersion != b.Version {
			return errs.E(errs.PreconditionFailed, "board %s is at version %d, not %d", id, b.Version, *p.IfVersion)
		}
		before, version := boardView(b), b.Version
		if p.Name != nil {
			b.Name = *p.Name
		}
		if p.Members != nil {
			b.Members = slices.Clone(*p.Members)
		}
		if p.Quorum != nil {
			b.Quorum = *p.Quorum
		}
		if p.Rule != nil {
			b.Rule = *p.Rule
		}
		if err := b.Validate(); err != nil {
			return err
		}
		// A well-formed edit that does not say which version it edits.
		if err := errs.NeedVersion(p.IfVersion, "board "+b.Name); err != nil {
			return err
		}
		b.UpdatedAt = s.now()
		if err := tx.UpdateBoard(ctx, &b, version); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: identity.Admin, Action: "board.update",
			EntityType: "board", EntityID: b.ID, Before: before, After: boardView(b)})
	})
	return b, err
}

// GetBoard returns one board.
func (s *Service) GetBoard(ctx context.Context, actor identity.Actor, id string) (Board, error) {
	if err := s.requireReader(ctx, actor, "board.read", "board", id); err != nil {
		return Board{}, err
	}
	var b Board
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		b, err = tx.FindBoard(ctx, id)
		return err
	})
	return b, err
}

// ListBoards returns every board.
func (s *Service) ListBoards(ctx context.Context, actor identity.Actor) ([]Board, error) {
	if err := s.requireReader(ctx, actor, "board.list", "board", ""); err != nil {
		return nil, err
	}
	var out []Board
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindBoards(ctx)
		return err
	})
	return out, err
}

func templateView(t Template) map[string]any {
	return map[string]any{"id": t.ID, "title": t.Title, "description": t.Description,
		"implementation_plan": t.ImplementationPlan, "backout_plan": t.BackoutPlan,
		"approved": t.Approved, "approved_by": t.ApprovedBy, "version": t.Version}
}

// CreateTemplate proposes a standard-change template; change managers.
func (s *Service) CreateTemplate(ctx context.Context, actor identity.Actor, t Template) (Template, error) {
	if err := s.guard.Require(ctx, actor, "template.create", "change_template", "", managers...); err != nil {
		return Template{}, err
	}
	var fs errs.Fields
	addRequired(&fs, "title", t.Title)
	addRequired(&fs, "implementation_plan", t.ImplementationPlan)
	addRequired(&fs, "backout_plan", t.BackoutPlan)
	if len(t.Title) > MaxTitleLen {
		fs.Add("title", "is too long")
	}
	for f, v := range map[string]string{"description": t.Description, "implementation_plan": t.ImplementationPlan, "backout_plan": t.BackoutPlan} {
		if len(v) > MaxTextLen {
			fs.Add(f, "is too long")
		}
	}
	if err := fs.Err(); err != nil {
		return Template{}, err
	}
	now := s.now()
	t = Template{ID: uuid.NewString(), Title: strings.TrimSpace(t.Title), Description: t.Description,
		ImplementationPlan: t.ImplementationPlan, BackoutPlan: t.BackoutPlan, CreatedBy: actor.UserID,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := tx.CreateTemplate(ctx, &t); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(managers...), Action: "template.create",
			EntityType: "change_template", EntityID: t.ID, After: templateView(t)})
	})
	return t, err
}

// ApproveTemplate records the CAB's approval of a template: a CAB member
// who did not write it. From then on, standard changes naming it need no
// board.
func (s *Service) ApproveTemplate(ctx context.Context, actor identity.Actor, id string, ifVersion *int64) (Template, error) {
	var t Template
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if t, err = tx.FindTemplate(ctx, id); err != nil {
			return err
		}
		switch {
		case !actor.Has(identity.CABMember):
			return errs.E(errs.Forbidden, "approving a standard-change template needs the role %s", identity.CABMember)
		case actor.UserID == t.CreatedBy:
			return errs.E(errs.Forbidden, "the author of a template never approves it")
		case ifVersion != nil && *ifVersion != t.Version:
			return errs.E(errs.PreconditionFailed, "template %s is at version %d, not %d", id, t.Version, *ifVersion)
		case t.Approved:
			return errs.E(errs.Conflict, "template %s is approved already", id)
		}
		before, version, now := templateView(t), t.Version, s.now()
		t.Approved, t.ApprovedBy, t.ApprovedAt, t.UpdatedAt = true, actor.UserID, &now, now
		if err := tx.UpdateTemplate(ctx, &t, version); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: identity.CABMember, Action: "template.approve",
			EntityType: "change_template", EntityID: t.ID, Before: before, After: templateView(t)})
	})
	return t, s.guard.Refuse(ctx, actor, "template.approve", "change_template", id, err)
}

// GetTemplate returns one template.
func (s *Service) GetTemplate(ctx context.Context, actor identity.Actor, id string) (Template, error) {
	if err := s.requireReader(ctx, actor, "template.read", "change_template", id); err != nil {
		return Template{}, err
	}
	var t Template
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		t, err = tx.FindTemplate(ctx, id)
		return err
	})
	return t, err
}

// ListTemplates returns every template.
func (s *Service) ListTemplates(ctx context.Context, actor identity.Actor) ([]Template, error) {
	if err := s.requireReader(ctx, actor, "template.list", "change_template", ""); err != nil {
		return nil, err
	}
	var out []Template
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindTemplates(ctx)
		return err
	})
	return out, err
}
