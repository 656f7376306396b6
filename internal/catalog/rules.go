package catalog

import (
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/workflow"
)

// The role groups of the catalog.
var (
	// readers see the catalog and compliance: everyone but agents.
	readers = []identity.Role{identity.Requester, identity.ChangeManager, identity.CABMember,
		identity.ReleaseManager, identity.Auditor, identity.Admin}
	// editors import advisories and enter updates by hand.
	editors = []identity.Role{identity.ChangeManager, identity.ReleaseManager, identity.Admin}
	// managers decide on updates: approve, decline, supersede, expire.
	managers = []identity.Role{identity.ChangeManager, identity.Admin}
	// drafters may turn required updates into a draft RFC.
	drafters = []identity.Role{identity.Requester, identity.ChangeManager, identity.ReleaseManager, identity.Admin}
)

// TransitionInput is what the caller sends with an event.
type TransitionInput struct {
	// Comment says why; decline and expire need one.
	Comment string
	// SupersededBy names the successor (id or vendor id); supersede needs it.
	SupersededBy string
}

// CheckTransition says whether actor may fire ev on u with in: Conflict when
// the state machine forbids it, Forbidden for the wrong role, Invalid naming
// the fields the event needs.
func CheckTransition(u Update, a identity.Actor, ev Event, in TransitionInput) error {
	if _, err := Next(u.State, ev); err != nil {
		return err
	}
	if !a.Has(managers...) {
		return errs.E(errs.Forbidden, "%s needs one of the roles %s", ev, workflow.JoinEnum(managers))
	}
	var fs errs.Fields
	switch ev {
	case EventDecline, EventExpire:
		if strings.TrimSpace(in.Comment) == "" {
			fs.Add("comment", "is required")
		}
	case EventSupersede:
		switch strings.TrimSpace(in.SupersededBy) {
		case "":
			fs.Add("superseded_by", "is required")
		case u.ID, u.VendorID:
			fs.Add("superseded_by", "an update cannot supersede itself")
		}
	}
	if len(in.Comment) > MaxTextLen {
		fs.Add("comment", "is too long")
	}
	return fs.Err()
}

// Actions lists the events actor may fire on u now, sorted; an event whose
// only obstacle is input still to send is offered.
func Actions(u Update, a identity.Actor) []Event {
	var out []Event
	for _, ev := range Available(u.State) {
		err := CheckTransition(u, a, ev, TransitionInput{})
		if err == nil || errs.Is(err, errs.Invalid) {
			out = append(out, ev)
		}
	}
	return out
}

// apply moves u by ev, recording who decided and why.
func apply(u Update, a identity.Actor, ev Event, in TransitionInput, now time.Time) (Update, error) {
	next, err := Next(u.State, ev)
	if err != nil {
		return u, err
	}
	u.State, u.UpdatedAt = next, now
	switch ev {
	case EventApprove, EventDecline:
		at := now
		u.DecidedBy, u.DecidedAt, u.StateReason = a.UserID, &at, in.Comment
	default:
		u.StateReason = in.Comment
	}
	return u, nil
}
