package change

import (
	"context"
	"fmt"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// ConflictReason says why a planned span collides with the calendar.
type ConflictReason string

// The conflict reasons.
const (
	// ConflictBlackout: a blackout window covers the CI in the span.
	ConflictBlackout ConflictReason = "blackout"
	// ConflictOutsideMaintenance: the CI has maintenance windows and none
	// covers the whole span.
	ConflictOutsideMaintenance ConflictReason = "outside_maintenance"
	// ConflictOverlap: another approved, scheduled or implementing RFC (or
	// a deployment wave) touches the CI in an overlapping span.
	ConflictOverlap ConflictReason = "overlap"
)

// Conflict is one collision of a planned span with the calendar: which CI,
// why, which other record, when.
type Conflict struct {
	CIID   string
	CIName string
	// Via is the affected CI through which this one was reached in the
	// impact graph (it depends on Via); empty for an affected CI.
	Via    string
	Depth  int
	Reason ConflictReason
	// Blocking conflicts refuse schedule and reschedule unless overridden.
	Blocking bool
	// OtherType is "window", "rfc" or "wave"; empty when the conflict is
	// an absence (outside every maintenance window).
	OtherType string
	OtherID   string
	OtherName string
	// Start and End are the span of the collision.
	Start, End time.Time
}

// String says the conflict in one line, for a refusal.
func (c Conflict) String() string {
	s := fmt.Sprintf("%s on %s", c.Reason, c.CIName)
	if c.OtherName != "" {
		s += fmt.Sprintf(" (%s %s)", c.OtherType, c.OtherName)
	}
	return s + fmt.Sprintf(" %s – %s", c.Start.UTC().Format(time.RFC3339), c.End.UTC().Format(time.RFC3339))
}

// ConflictChecker is what change management asks of the calendar:
// schedule.Service implements it. Called with a use case's ctx, it runs
// inside that use case's transaction.
type ConflictChecker interface {
	// WindowConflicts checks window w of RFC r: its affected CIs and the CIs
	// that depend on them, against the windows and the other RFCs.
	WindowConflicts(ctx context.Context, r RFC, w Window) ([]Conflict, error)
}

// Override records that a change manager scheduled an RFC despite blocking
// conflicts, and why.
type Override struct {
	Reason    string
	By        string
	At        time.Time
	Conflicts []string
}

// UseConflictChecker lets the calendar check the windows of schedule and
// reschedule and feed the risk score's maintenance-window factor; without
// one, windows are not checked (the CLI's catalog commands, some tests).
func (s *Service) UseConflictChecker(c ConflictChecker) { s.conflicts = c }

// overriders may schedule over blocking conflicts, with a reason.
var overriders = []identity.Role{identity.ChangeManager, identity.Admin}

// MaxOverrideReason caps the override's reason.
const MaxOverrideReason = 2000

// checkScheduleConflicts refuses next's window when it has blocking
// conflicts, unless next is an authorised emergency or actor, a change
// manager, overrides them with a reason (recorded on next).
func (s *Service) checkScheduleConflicts(ctx context.Context, actor identity.Actor, next *RFC, overrideReason string) error {
	if s.conflicts == nil || next.Window == nil {
		return nil
	}
	found, err := s.conflicts.WindowConflicts(ctx, *next, *next.Window)
	if err != nil {
		return err
	}
	next.RiskInputs.OutsideMaintenanceWindow = outsideMaintenance(found)
	next.Risk = Assess(next.RiskInputs)
	var blocking []string
	for _, c := range found {
		if c.Blocking {
			blocking = append(blocking, c.String())
		}
	}
	next.ScheduleOverride = nil
	if len(blocking) == 0 || next.Emergency() {
		return nil
	}
	if overrideReason == "" {
		e := errs.E(errs.Conflict, "%s: the window has %d blocking conflicts; move it, or a change manager may override them with override_reason", next.Ref(), len(blocking))
		for i, b := range blocking {
			e.Fields = append(e.Fields, errs.FieldError{Field: fmt.Sprintf("conflicts[%d]", i), Reason: b})
		}
		return e
	}
	if !actor.Has(overriders...) {
		return errs.E(errs.Forbidden, "only a change manager may override schedule conflicts")
	}
	if len(overrideReason) > MaxOverrideReason {
		return errs.Field("override_reason", fmt.Sprintf("at most %d bytes", MaxOverrideReason))
	}
	next.ScheduleOverride = &Override{Reason: overrideReason, By: actor.UserID, At: next.UpdatedAt, Conflicts: blocking}
	return nil
}

func outsideMaintenance(cs []Conflict) bool {
	for _, c := range cs {
		if c.Via == "" && (c.Reason == ConflictOutsideMaintenance || c.Reason == ConflictBlackout) {
			return true
		}
	}
	return false
}
