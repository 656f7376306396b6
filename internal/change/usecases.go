package change

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

// auditView is what the audit trail keeps of an RFC: every field, under
// the API's names, so that before/after show each field change.
func (r RFC) auditView() map[string]any {
	return map[string]any{
		"id": r.ID, "number": r.Number, "title": r.Title, "description": r.Description, "reason": r.Reason,
		"category": r.Category, "priority": r.Priority, "state": r.State, "requester_id": r.RequesterID,
		"change_manager_id": r.ChangeManagerID, "affected_cis": r.AffectedCIs, "linked_updates": r.LinkedUpdates,
		"release_id": r.ReleaseID, "window": r.Window, "implementation_plan": r.ImplementationPlan,
		"backout_plan": r.BackoutPlan, "test_plan": r.TestPlan, "test_evidence": r.TestEvidence,
		"risk_score": r.Risk.Score, "risk_level": r.Risk.Level, "template_id": r.TemplateID,
		"close_code": r.CloseCode, "review_notes": r.ReviewNotes, "approval_round": r.ApprovalRound,
		"approval_stage": r.ApprovalStage, "approved_window": r.ApprovedWindow,
		"retro_review_due": r.RetroReviewDue, "retro_reviewed_at": r.RetroReviewedAt,
		"retro_reviewed_by": r.RetroReviewedBy, "schedule_override": r.ScheduleOverride, "version": r.Version,
	}
}

// CreateRFC files a draft RFC.
func (s *Service) CreateRFC(ctx context.Context, actor identity.Actor, in RFC) (RFC, error) {
	now := s.now()
	in.ID = uuid.NewString()
	r, err := NewRFC(actor, in, now)
	if err != nil {
		return RFC{}, s.guard.Refuse(ctx, actor, "rfc.create", "rfc", "", err)
	}
	err = s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if r.Number, err = tx.NextRFCNumber(ctx); err != nil {
			return err
		}
		if err := s.rescore(ctx, tx, &r); err != nil {
			return err
		}
		r.Version = 1
		if err := tx.CreateRFC(ctx, &r); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(creators...),
			Action: "rfc.create", EntityType: "rfc", EntityID: r.ID, After: r.auditView()})
	})
	return r, err
}

// rescore refreshes the risk inputs from the CMDB (the affected CIs, which
// must exist, their criticality and what depends on them) and the record of
// earlier changes of the same category, and the score.
func (s *Service) rescore(ctx context.Context, tx Tx, r *RFC) error {
	r.RiskInputs.Category, r.RiskInputs.Priority = r.Category, r.Priority
	r.RiskInputs.AffectedCICount = len(r.AffectedCIs)
	facts, err := s.cis.AffectedCIFacts(ctx, r.AffectedCIs, riskImpactDepth)
	if err != nil {
		return err
	}
	if len(facts.Missing) > 0 {
		return errs.Field("affected_cis", "names no configuration item: "+strings.Join(facts.Missing, ", "))
	}
	r.RiskInputs.CriticalityCounts, r.RiskInputs.ImpactGraphSize = facts.Criticality, facts.ImpactSize
	r.RiskInputs.OutsideMaintenanceWindow = false
	if s.conflicts != nil && r.Window != nil {
		// The window factor is the calendar's answer for the planned window.
		found, err := s.conflicts.WindowConflicts(ctx, *r, *r.Window)
		if err != nil {
			return err
		}
		r.RiskInputs.OutsideMaintenanceWindow = outsideMaintenance(found)
	}
	if r.Category != "" {
		closed, failed, err := tx.ChangeRecord(ctx, r.Category)
		if err != nil {
			return err
		}
		r.RiskInputs.PriorChanges, r.RiskInputs.PriorFailures = closed, failed
	}
	r.Risk = Assess(r.RiskInputs)
	return nil
}

// GetRFC returns one RFC by id or reference.
func (s *Service) GetRFC(ctx context.Context, actor identity.Actor, idOrRef string) (RFC, error) {
	if err := s.requireReader(ctx, actor, "rfc.read", "rfc", idOrRef); err != nil {
		return RFC{}, err
	}
	var r RFC
	err := s.store.Read(ctx, func(ctx context.Context, tx Tx) (err error) {
		r, err = tx.FindRFC(ctx, idOrRef)
		return err
	})
	return r, err
}

// RFCBaseline compares the baseline taken when the RFC was approved with
// its CIs now, in one transaction with the RFC's read (empty before
// approval).
func (s *Service) RFCBaseline(ctx context.Context, actor identity.Actor, idOrRef string) (RFC, []cmdb.BaselineItem, error) {
	if err := s.requireReader(ctx, actor, "rfc.read", "rfc", idOrRef); err != nil {
		return RFC{}, nil, err
	}
	var r RFC
	var items []cmdb.BaselineItem
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		if r, err = tx.FindRFC(ctx, idOrRef); err != nil {
			return err
		}
		items, err = s.cis.CompareBaseline(ctx, actor, r.ID)
		return err
	})
	return r, items, err
}

// MaxListSize caps one page of a list.
const MaxListSize = 200

// ListRFCs pages through RFCs, newest first.
func (s *Service) ListRFCs(ctx context.Context, actor identity.Actor, f RFCFilter) (page.Page[RFC], error) {
	if err := s.requireReader(ctx, actor, "rfc.list", "rfc", ""); err != nil {
		return page.Page[RFC]{}, err
	}
	limit := f.Limit
	f.Limit = page.Fetch(limit)
	var out []RFC
	err := s.store.Read(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = tx.FindRFCs(ctx, f)
		return err
	})
	return page.Cut(out, limit, func(v RFC) string { return strconv.FormatInt(v.Number, 10) }), err
}

// RFCPatch is a partial update: Fields names (in the API's names) what the
// caller sent; the pointer fields carry the values.
type RFCPatch struct {
	Fields             []string
	Title              *string
	Description        *string
	Reason             *string
	AffectedCIs        *[]string
	LinkedUpdates      *[]string
	ReleaseID          *string
	Window             *Window
	ImplementationPlan *string
	BackoutPlan        *string
	TestPlan           *string
	TestEvidence       *string
	ReviewNotes        *string
	CloseCode          *CloseCode
	// IfVersion, when set, must equal the stored version (If-Match).
	IfVersion *int64
}

// UpdateRFC applies a PATCH: only the fields the RFC's state lets this
// actor edit (CheckEdit), with the version check.
func (s *Service) UpdateRFC(ctx context.Context, actor identity.Actor, idOrRef string, p RFCPatch) (RFC, error) {
	var r RFC
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if r, err = tx.FindRFC(ctx, idOrRef); err != nil {
			return err
		}
		if len(p.Fields) == 0 {
			return errs.Field("body", "names no field to change")
		}
		// Who may edit first: a caller who may not learns nothing of versions.
		if err := CheckEdit(r, actor, p.Fields); err != nil {
			return err
		}
		if err := checkVersion(r, p.IfVersion); err != nil {
			return err
		}
		before, version := r.auditView(), r.Version
		p.apply(&r)
		if err := r.Validate(); err != nil {
			return err
		}
		// A well-formed edit that does not say which version it edits.
		if err := errs.NeedVersion(p.IfVersion, r.Ref()); err != nil {
			return err
		}
		if err := s.rescore(ctx, tx, &r); err != nil {
			return err
		}
		r.UpdatedAt = s.now()
		if err := tx.UpdateRFC(ctx, &r, version); err != nil {
			return err
		}
		if slices.Contains(p.Fields, "affected_cis") {
			if err := tx.SetRFCCIs(ctx, r.ID, r.AffectedCIs); err != nil {
				return err
			}
		}
		b, a := audit.Diff(before, r.auditView())
		return s.record(ctx, tx, audit.Record{Actor: actor, Action: "rfc.update", EntityType: "rfc",
			EntityID: r.ID, Before: b, After: a})
	})
	return r, s.guard.Refuse(ctx, actor, "rfc.update", "rfc", resolved(r, idOrRef), err)
}

func checkVersion(r RFC, want *int64) error {
	if want != nil && *want != r.Version {
		return errs.E(errs.PreconditionFailed, "%s is at version %d, not %d", r.Ref(), r.Version, *want)
	}
	return nil
}

func (p RFCPatch) apply(r *RFC) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&r.Title, p.Title)
	set(&r.Description, p.Description)
	set(&r.Reason, p.Reason)
	set(&r.ReleaseID, p.ReleaseID)
	set(&r.ImplementationPlan, p.ImplementationPlan)
	set(&r.BackoutPlan, p.BackoutPlan)
	set(&r.TestPlan, p.TestPlan)
	set(&r.TestEvidence, p.TestEvidence)
	set(&r.ReviewNotes, p.ReviewNotes)
	if p.AffectedCIs != nil {
		r.AffectedCIs = slices.Clone(*p.AffectedCIs)
	}
	if p.LinkedUpdates != nil {
		r.LinkedUpdates = slices.Clone(*p.LinkedUpdates)
	}
	if slices.Contains(p.Fields, "window") {
		r.Window = cloneWindow(p.Window)
	}
	if p.CloseCode != nil {
		r.CloseCode = *p.CloseCode
	}
}

// Transition fires ev on an RFC: the guards, the state machine, the
// version check and the audit event in one transaction.
func (s *Service) Transition(ctx context.Context, actor identity.Actor, idOrRef string, ev Event, in TransitionInput, ifVersion *int64) (RFC, error) {
	var r RFC
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if r, err = tx.FindRFC(ctx, idOrRef); err != nil {
			return err
		}
		if err := checkVersion(r, ifVersion); err != nil {
			return err
		}
		facts, err := s.facts(ctx, tx, r, ev, in)
		if err != nil {
			return err
		}
		next, err := Fire(r, actor, ev, in, s.now(), facts)
		if err != nil {
			return err
		}
		if ev == EventClassify {
			if err := s.rescore(ctx, tx, &next); err != nil {
				return err
			}
		}
		if ev == EventSchedule || ev == EventReschedule {
			if err := s.checkScheduleConflicts(ctx, actor, &next, in.OverrideReason); err != nil {
				return err
			}
		}
		if err := s.save(ctx, tx, actor, r, &next, "rfc."+string(ev), in.Comment); err != nil {
			return err
		}
		r = next
		return nil
	})
	return r, s.guard.Refuse(ctx, actor, "rfc."+string(ev), "rfc", resolved(r, idOrRef), err)
}

// facts loads what a guard needs beyond the RFC: the policy, the
// standard-change template named, and the boards missing on the route.
func (s *Service) facts(ctx context.Context, tx Tx, r RFC, ev Event, in TransitionInput) (Facts, error) {
	f := Facts{Policy: s.policy}
	if (ev == EventComplete || ev == EventClose) && len(r.LinkedUpdates) > 0 && s.patches != nil {
		var err error
		if f.Outstanding, err = s.patches.Outstanding(ctx, r.AffectedCIs, r.LinkedUpdates); err != nil {
			return f, err
		}
	}
	if ev == EventRequestApproval {
		for _, k := range Route(r.Category, r.Priority) {
			_, err := tx.FindBoardByKind(ctx, k)
			if errs.Is(err, errs.NotFound) {
				f.MissingBoards = append(f.MissingBoards, k)
			} else if err != nil {
				return f, err
			}
		}
	}
	if ev == EventApprove && in.TemplateID != "" {
		t, err := tx.FindTemplate(ctx, in.TemplateID)
		if errs.Is(err, errs.NotFound) {
			return f, nil // the guard names template_id
		}
		if err != nil {
			return f, err
		}
		f.Template = &t
	}
	return f, nil
}

// save writes next over before with the version check and its audit event.
func (s *Service) save(ctx context.Context, tx Tx, actor identity.Actor, before RFC, next *RFC, action, reason string) error {
	if err := tx.UpdateRFC(ctx, next, before.Version); err != nil {
		return err
	}
	if next.State == StateApproved && before.State != StateApproved {
		// MOF: baseline the configuration the approval was given for.
		if err := s.cis.TakeBaseline(ctx, next.ID, next.AffectedCIs, next.UpdatedAt); err != nil {
			return err
		}
	}
	b, a := audit.Diff(before.auditView(), next.auditView())
	return s.record(ctx, tx, audit.Record{Actor: actor, Action: action, EntityType: "rfc", EntityID: next.ID,
		Before: b, After: a, Reason: reason})
}

// RecordRetroReview records the retrospective CAB review of an emergency.
func (s *Service) RecordRetroReview(ctx context.Context, actor identity.Actor, idOrRef, notes string, ifVersion *int64) (RFC, error) {
	var r RFC
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if r, err = tx.FindRFC(ctx, idOrRef); err != nil {
			return err
		}
		if err := checkVersion(r, ifVersion); err != nil {
			return err
		}
		next, err := RecordRetroReview(r, actor, notes, s.now())
		if err != nil {
			return err
		}
		if err := s.save(ctx, tx, actor, r, &next, "rfc.retro_review", notes); err != nil {
			return err
		}
		r = next
		return nil
	})
	return r, s.guard.Refuse(ctx, actor, "rfc.retro_review", "rfc", resolved(r, idOrRef), err)
}

// History returns the audit events of one RFC in order: its changes,
// transitions, votes and refusals.
func (s *Service) History(ctx context.Context, actor identity.Actor, idOrRef string, afterID int64, limit int) (page.Page[audit.Event], error) {
	r, err := s.GetRFC(ctx, actor, idOrRef)
	if err != nil {
		return page.Page[audit.Event]{}, err
	}
	events, err := s.history.FindAuditEvents(ctx, audit.Filter{EntityType: "rfc", EntityID: r.ID, AfterID: afterID, Limit: page.Fetch(limit)})
	if !actor.Has(identity.Auditor, identity.Admin) {
		// Who called from where is for auditors; the rest see what
		// happened and who did it.
		for i := range events {
			events[i].SourceIP, events[i].RequestID = "", ""
		}
	}
	return page.Cut(events, limit, func(e audit.Event) string { return audit.EncodeCursor(e.ID) }), err
}

// resolved is the id a refusal is recorded under: the RFC's id once it was
// found, so that GET /changes/{id}/history shows refusals addressed by
// reference (RFC-1001) too; what the caller gave when it was not found.
func resolved(r RFC, idOrRef string) string {
	return cmp.Or(r.ID, idOrRef)
}
