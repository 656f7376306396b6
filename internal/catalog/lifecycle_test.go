package catalog_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/store"
)

func kbUpdate(id, platform string, supersedes ...string) catalog.Update {
	return catalog.Update{VendorID: id, Title: "Cumulative update " + id, Severity: catalog.SeverityCritical,
		Supersedes: supersedes, RebootRequired: true,
		Packages: []catalog.FixedPackage{{Kind: "kb", Name: id, Platform: platform}}}
}

func TestComplianceKBSupersedence(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.mustCI(t, "win-old", "Windows Server 2022", "21H2")
		e.mustCI(t, "win-new", "Windows Server 2022", "21H2")
		e.mustCI(t, "win-2019", "Windows Server 2019", "1809")
		e.mustCI(t, "linux", "Debian", "12")
		e.mustInventory(t, "win-old", e.now, kb("KB5000001"))
		e.mustInventory(t, "win-new", e.now, kb("5000003"))
		e.mustInventory(t, "win-2019", e.now, kb("KB4000001"))
		e.mustInventory(t, "linux", e.now, deb("bash", "5.2-1"))
		e.mustCreate(t, kbUpdate("KB5000001", "Windows Server 2022"))
		e.mustCreate(t, kbUpdate("KB5000002", "windows server 2022 21h2", "KB5000001"))
		// The newest arrives before the one it supersedes is linked.
		e.mustCreate(t, kbUpdate("KB5000003", "Windows Server 2022", "KB5000002"))

		old := e.verdicts(t, "win-old")
		if v := old["KB5000001"]; v.Status != catalog.StatusInstalled || v.Reason != "KB5000001 installed" {
			t.Errorf("win-old KB5000001: %+v", v)
		}
		if v := old["KB5000003"]; v.Status != catalog.StatusRequired {
			t.Errorf("win-old KB5000003: %+v", v)
		}
		neu := e.verdicts(t, "win-new")
		if v := neu["KB5000001"]; v.Status != catalog.StatusInstalled || !strings.Contains(v.Reason, "superseded by KB5000003") {
			t.Errorf("win-new KB5000001 through supersedence: %+v", v)
		}
		if len(e.verdicts(t, "win-2019"))+len(e.verdicts(t, "linux")) != 0 {
			t.Error("KBs of another platform apply")
		}
		if u := e.get(t, "KB5000001"); u.State != catalog.StateSuperseded || !slices.Equal(u.SupersededBy, []string{"KB5000002"}) {
			t.Errorf("KB5000001: %s by %v", u.State, u.SupersededBy)
		}
		t.Run("LateArrival", func(t *testing.T) {
			// KB4999999 arrives after KB5000001 named it as superseded.
			e.mustCreate(t, catalog.Update{VendorID: "KB5000009", Title: "names a missing one", Supersedes: []string{"KB4999999"},
				Packages: []catalog.FixedPackage{{Kind: "kb", Name: "KB5000009"}}})
			u := e.mustCreate(t, kbUpdate("KB4999999", ""))
			if u.State != catalog.StateSuperseded || !slices.Equal(u.SupersededBy, []string{"KB5000009"}) {
				t.Fatalf("late arrival: %s by %v", u.State, u.SupersededBy)
			}
		})
	})
}

func TestComplianceStale(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.mustCI(t, "old-01", "Debian", "12")
		e.mustCI(t, "new-01", "Debian", "12")
		e.mustCI(t, "never", "Debian", "12")
		e.mustInventory(t, "old-01", e.now.Add(-100*time.Hour), deb("openssl", "3.0.1-1"))
		e.mustInventory(t, "new-01", e.now.Add(-time.Hour), deb("openssl", "3.0.1-1"))
		e.mustCreate(t, debUpdate("DSA-S-1", fixedDeb("openssl", "3.0.2-1")))
		v := e.verdicts(t, "old-01")["DSA-S-1"]
		if v.Status != catalog.StatusUnknown || !strings.Contains(v.Reason, "older than 72h0m0s") || !strings.Contains(v.Reason, "required") {
			t.Errorf("stale: %+v", v)
		}
		if s := summaryOf(t, e)["DSA-S-1"].Tally; s != tally(0, 1, 0, 2) {
			t.Errorf("summary: %s", fmtTally(s))
		}
		page, err := e.svc.UpdateCompliance(context.Background(), reader, "DSA-S-1", catalog.ResultQuery{Status: catalog.StatusRequired})
		if err != nil || len(page.Items) != 1 || page.Items[0].CIID != "new-01" || page.Tally != tally(0, 1, 0, 2) {
			t.Fatalf("required on: %+v %v", page, err)
		}
		page, _ = e.svc.UpdateCompliance(context.Background(), reader, "DSA-S-1", catalog.ResultQuery{Status: catalog.StatusUnknown})
		if len(page.Items) != 1 || page.Items[0].CIID != "old-01" {
			t.Fatalf("unknown on: %+v", page.Items)
		}
		got, err := e.svc.CICompliance(context.Background(), reader, "never", catalog.ResultQuery{})
		if err != nil || got.Fresh || len(got.Items) != 0 || got.Host.InventoryAt != nil {
			t.Fatalf("no inventory: %+v %v", got, err)
		}
		_, err = e.svc.CICompliance(context.Background(), reader, "nowhere", catalog.ResultQuery{})
		wantCode(t, err, errs.NotFound)
	})
}

func TestTransitions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.mustCreate(t, debUpdate("DSA-X-1", fixedDeb("curl", "8.0-1")))
		_, err := e.svc.Transition(ctx, editor, u.ID, catalog.EventApprove, catalog.TransitionInput{}, nil)
		wantCode(t, err, errs.Forbidden)
		if ev := e.auditEvents(t, "update.approve"); len(ev) != 1 || ev[0].Outcome != "denied" {
			t.Fatalf("refusal not audited: %+v", ev)
		}
		_, err = e.svc.Transition(ctx, manager, u.ID, catalog.EventDecline, catalog.TransitionInput{}, nil)
		wantField(t, err, "comment")
		stale := u.Version + 5
		_, err = e.svc.Transition(ctx, manager, u.ID, catalog.EventApprove, catalog.TransitionInput{}, &stale)
		wantCode(t, err, errs.PreconditionFailed)
		got, err := e.svc.Transition(ctx, manager, "DSA-X-1", catalog.EventApprove, catalog.TransitionInput{}, &u.Version)
		if err != nil || got.State != catalog.StateApproved || got.DecidedBy != manager.UserID || got.DecidedAt == nil {
			t.Fatalf("approve: %+v %v", got, err)
		}
		_, err = e.svc.Transition(ctx, manager, u.ID, catalog.EventApprove, catalog.TransitionInput{}, nil)
		wantCode(t, err, errs.Conflict)
		_, err = e.svc.Transition(ctx, manager, u.ID, catalog.EventSupersede, catalog.TransitionInput{SupersededBy: "DSA-NONE"}, nil)
		wantField(t, err, "superseded_by")
		if ev := e.auditEvents(t, "update.approve"); len(ev) != 2 || !strings.Contains(ev[1].After, `"approved"`) {
			t.Fatalf("approval not audited: %+v", ev)
		}
	})
}

// TestDraftAndFlag: approved updates become a draft RFC on the CIs that
// require them; once the RFC is approved, superseding its update flags it.
func TestDraftAndFlag(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.mustUser(t, manager.UserID)
		for _, id := range []string{"web-01", "web-02", "db-01"} {
			e.mustCI(t, id, "Debian", "12")
		}
		e.mustInventory(t, "web-01", e.now, deb("openssl", "3.0.1-1"))
		e.mustInventory(t, "web-02", e.now, deb("openssl", "3.0.9-1"))
		e.mustInventory(t, "db-01", e.now, deb("postgresql", "15.1-1"))
		u := e.mustCreate(t, debUpdate("DSA-D-1", fixedDeb("openssl", "3.0.5-1")))
		_, err := e.svc.DraftFromUpdates(ctx, manager, catalog.DraftInput{UpdateIDs: []string{u.ID}})
		wantField(t, err, "update_ids[0]")
		if _, err := e.svc.Transition(ctx, manager, u.ID, catalog.EventApprove, catalog.TransitionInput{}, nil); err != nil {
			t.Fatal(err)
		}
		rfc, err := e.svc.DraftFromUpdates(ctx, manager, catalog.DraftInput{UpdateIDs: []string{"DSA-D-1"}})
		if err != nil {
			t.Fatal(catalog.Describe(err))
		}
		if rfc.State != change.StateDraft || !slices.Equal(rfc.AffectedCIs, []string{"web-01"}) ||
			!slices.Equal(rfc.LinkedUpdates, []string{u.ID}) || !strings.Contains(rfc.ImplementationPlan, "openssl 3.0.5-1") {
			t.Fatalf("draft: %+v", rfc)
		}
		_, err = e.svc.DraftFromUpdates(ctx, manager, catalog.DraftInput{UpdateIDs: []string{u.ID}, GroupID: "no-such-group"})
		wantField(t, err, "group_id")
		approved := e.approveRFC(t, rfc)
		next := e.mustCreate(t, debUpdate("DSA-D-2", fixedDeb("openssl", "3.0.6-1")))
		if _, err := e.svc.Transition(ctx, manager, u.ID, catalog.EventSupersede, catalog.TransitionInput{SupersededBy: next.VendorID}, nil); err != nil {
			t.Fatal(catalog.Describe(err))
		}
		flagged := e.rfc(t, approved.ID)
		if !slices.Equal(flagged.SupersededUpdates, []string{u.ID}) {
			t.Fatalf("approved RFC not flagged: %+v", flagged.SupersededUpdates)
		}
		if ev := e.auditEvents(t, "update.supersede"); len(ev) != 1 || !strings.Contains(ev[0].Reason, approved.Ref()) {
			t.Fatalf("supersede audit does not name the flagged RFC: %+v", ev)
		}
		if next := e.get(t, "DSA-D-2"); !slices.Equal(next.Supersedes, []string{"DSA-D-1"}) {
			t.Fatalf("successor link: %v", next.Supersedes)
		}
	})
}

// approveRFC takes a draft through submit, classify (minor) and approval
// by the change manager, as the change process would.
func (e *env) approveRFC(tb testing.TB, r change.RFC) change.RFC {
	tb.Helper()
	ctx := context.Background()
	changes := e.changes(time.Hour)
	requester := identity.Actor{UserID: r.RequesterID, Roles: []identity.Role{identity.ChangeManager}}
	_, err := changes.UpdateRFC(ctx, requester, r.ID, change.RFCPatch{Fields: []string{"backout_plan", "test_plan"},
		BackoutPlan: ptr("reinstall the old version"), TestPlan: ptr("smoke test"), IfVersion: &r.Version})
	steps := []struct {
		ev change.Event
		in change.TransitionInput
	}{{change.EventSubmit, change.TransitionInput{}},
		{change.EventClassify, change.TransitionInput{Category: change.CategoryMinor, Priority: change.PriorityHigh}},
		{change.EventApprove, change.TransitionInput{}}}
	for _, s := range steps {
		if err != nil {
			break
		}
		actor := requester
		if s.ev == change.EventApprove || s.ev == change.EventClassify {
			// Nobody classifies or approves their own change.
			actor = identity.Actor{UserID: "u-cm2", Roles: []identity.Role{identity.ChangeManager}}
		}
		r, err = changes.Transition(ctx, actor, r.ID, s.ev, s.in, nil)
	}
	if err != nil || r.State != change.StateApproved {
		tb.Fatalf("approve %s: %v", r.Ref(), err)
	}
	return r
}

func (e *env) rfc(tb testing.TB, id string) change.RFC {
	tb.Helper()
	var r change.RFC
	err := e.db.InTx(context.Background(), func(ctx context.Context, tx *store.Tx) (err error) {
		r, err = tx.FindRFC(context.Background(), id)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func ptr[T any](v T) *T { return &v }

// mustUser inserts a user row, which RFCs refer to.
func (e *env) mustUser(tb testing.TB, id string) {
	tb.Helper()
	e.exec(tb, "INSERT INTO users (id, username, roles, password_hash, created_at, updated_at) VALUES (?, ?, 'change_manager', 'x', ?, ?)",
		id, id, e.now, e.now)
}
