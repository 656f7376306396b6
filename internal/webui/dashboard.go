package webui

import (
	"net/http"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/identity"
)

type dashboardView struct {
	Approvals []change.RFC
	Mine      []change.RFC
	Waiting   []change.RFC // submitted RFCs for a change manager to classify
	Approved  []change.RFC // approved RFCs for a change manager to schedule
	Scheduled []change.RFC
	Overdue   []change.RFC
}

// dashboard shows each role what it has to do: a CAB member's approvals,
// a requester's RFCs, a change manager's queue, the scheduled changes and
// overdue retrospective reviews.
func (u *UI) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), from(r.Context()).actor
	var v dashboardView
	var err error
	if actor.Has(identity.CABMember) {
		if v.Approvals, err = u.Change.MyApprovals(ctx, actor); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	lists := []struct {
		when bool
		f    change.RFCFilter
		dst  *[]change.RFC
	}{
		{actor.Has(identity.Requester, identity.ChangeManager, identity.ReleaseManager), change.RFCFilter{RequesterID: actor.UserID, Limit: 10}, &v.Mine},
		{actor.Has(identity.ChangeManager), change.RFCFilter{State: change.StateSubmitted, Limit: 10}, &v.Waiting},
		{actor.Has(identity.ChangeManager), change.RFCFilter{State: change.StateApproved, Limit: 10}, &v.Approved},
		{true, change.RFCFilter{State: change.StateScheduled, Limit: 10}, &v.Scheduled},
		{actor.Has(identity.ChangeManager, identity.CABMember, identity.Auditor), change.RFCFilter{RetroOverdueAt: ptr(u.Change.Now()), Limit: 10}, &v.Overdue},
	}
	for _, l := range lists {
		if !l.when {
			continue
		}
		p, err := u.Change.ListRFCs(ctx, actor, l.f)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		*l.dst = p.Items
	}
	u.render(w, r, http.StatusOK, "dashboard", v)
}

func ptr[T any](v T) *T { return &v }
