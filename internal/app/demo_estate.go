package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/identity"
)

// loadDemoEstate seeds what makes the web UI worth looking at on a laptop:
// the boards with the demo CAB members, CIs with relationships, two
// updates, RFCs in several states (one awaiting this CAB's vote) and a CAB
// meeting. It runs once: a database with a board already is left alone.
// Everything goes through the use cases, as the demo users themselves.
func loadDemoEstate(ctx context.Context, a *App, out io.Writer) error {
	act, err := demoActors(ctx, a)
	if err != nil {
		return err
	}
	if boards, err := a.Change.ListBoards(ctx, act["ada.admin"]); err != nil || len(boards) > 0 {
		return err
	}
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("demo %s: %w", what, err)
		}
		return nil
	}
	cab := []string{act["cab.alice"].UserID, act["cab.bob"].UserID, act["cab.carol"].UserID}
	if _, err := a.Change.CreateBoard(ctx, act["ada.admin"], change.Board{Name: "CAB", Kind: change.BoardCAB, Members: cab, Quorum: 2, Rule: change.RuleVeto}); err != nil {
		return step("CAB", err)
	}
	if _, err := a.Change.CreateBoard(ctx, act["ada.admin"], change.Board{Name: "ECAB", Kind: change.BoardECAB, Members: cab[:2], Quorum: 1, Rule: change.RuleVeto}); err != nil {
		return step("ECAB", err)
	}
	carl, rita := act["carl.changemanager"], act["rita.requester"]
	ids := map[string]string{}
	for _, c := range []cmdb.CI{
		{Name: "lb-01", Type: "network", Environment: "production", Criticality: "high", Owner: "netops", OS: "linux"},
		{Name: "web-01", Type: "server", Environment: "production", Criticality: "high", Owner: "web team", OS: "debian", OSVersion: "12"},
		{Name: "web-02", Type: "server", Environment: "production", Criticality: "high", Owner: "web team", OS: "debian", OSVersion: "12"},
		{Name: "app-01", Type: "server", Environment: "production", Criticality: "medium", Owner: "app team", OS: "rhel", OSVersion: "9"},
		{Name: "db-01", Type: "database", Environment: "production", Criticality: "critical", Owner: "dba", OS: "debian", OSVersion: "12"},
		{Name: "web-test-01", Type: "server", Environment: "test", Criticality: "low", Owner: "web team", OS: "debian", OSVersion: "12"},
	} {
		ci, err := a.CMDB.CreateCI(ctx, carl, c)
		if err != nil {
			return step("CI "+c.Name, err)
		}
		ids[c.Name] = ci.ID
	}
	for _, r := range [][3]string{{"lb-01", "connects_to", "web-01"}, {"lb-01", "connects_to", "web-02"},
		{"web-01", "depends_on", "app-01"}, {"web-02", "depends_on", "app-01"}, {"app-01", "depends_on", "db-01"}} {
		if _, err := a.CMDB.Relate(ctx, carl, r[0], cmdb.RelationshipType(r[1]), r[2]); err != nil {
			return step("relationship", err)
		}
	}
	now := a.Change.Now()
	released := now.Add(-72 * time.Hour).Truncate(time.Hour)
	for _, u := range []catalog.Update{
		{VendorID: "DSA-DEMO-0001", Title: "openssl security update", Summary: "A buffer overflow in X.509 name checks.",
			Publisher: "Debian", Severity: "critical", ReleasedAt: released,
			Vulnerabilities: []catalog.Vulnerability{{CVE: "CVE-2026-0001", Title: "X.509 overflow"}}},
		{VendorID: "DSA-DEMO-0002", Title: "linux kernel update", Summary: "Privilege escalation in io_uring.",
			Publisher: "Debian", Severity: "high", ReleasedAt: released.Add(time.Hour), RebootRequired: true,
			Vulnerabilities: []catalog.Vulnerability{{CVE: "CVE-2026-0002", Title: "io_uring escalation"}}},
	} {
		created, err := a.Catalog.CreateUpdate(ctx, carl, u)
		if err != nil {
			return step("update "+u.VendorID, err)
		}
		if u.Severity == "critical" {
			if _, err := a.Catalog.Transition(ctx, carl, created.ID, catalog.Event("approve"), catalog.TransitionInput{Comment: "fixes a critical CVE"}, nil); err != nil {
				return step("approve "+u.VendorID, err)
			}
		}
	}
	tomorrow := now.Add(24 * time.Hour).Truncate(24 * time.Hour).Add(20 * time.Hour)
	rfc := func(title string, cis []string, w *change.Window) (change.RFC, error) {
		affected := make([]string, len(cis))
		for i, n := range cis {
			affected[i] = ids[n]
		}
		return a.Change.CreateRFC(ctx, rita, change.RFC{Title: title, Reason: "Security patching (" + title + ")",
			Description: "Part of this month's patch cycle.", AffectedCIs: affected, Window: w,
			ImplementationPlan: "1. drain from the load balancer\n2. apt-get upgrade\n3. smoke tests\n4. back into the pool",
			BackoutPlan:        "reinstall the previous packages from the local mirror and reboot", TestPlan: "smoke tests on test first"})
	}
	fire := func(who identity.Actor, r change.RFC, ev change.Event, in change.TransitionInput) (change.RFC, error) {
		return a.Change.Transition(ctx, who, r.ID, ev, in, nil)
	}
	if _, err := rfc("Upgrade nginx on web-test-01", []string{"web-test-01"}, nil); err != nil {
		return step("draft RFC", err)
	}
	kernel, err := rfc("Patch the kernel on app-01", []string{"app-01"}, nil)
	if err == nil {
		_, err = fire(rita, kernel, change.EventSubmit, change.TransitionInput{})
	}
	if err != nil {
		return step("submitted RFC", err)
	}
	openssl, err := rfc("Patch OpenSSL on web-01, web-02 and db-01", []string{"web-01", "web-02", "db-01"}, nil)
	for _, s := range []struct {
		who identity.Actor
		ev  change.Event
		in  change.TransitionInput
	}{{rita, change.EventSubmit, change.TransitionInput{}},
		{carl, change.EventClassify, change.TransitionInput{Category: change.CategorySignificant, Priority: change.PriorityHigh}},
		{carl, change.EventRequestApproval, change.TransitionInput{}}} {
		if err == nil {
			openssl, err = fire(s.who, openssl, s.ev, s.in)
		}
	}
	if err == nil {
		_, _, err = a.Change.Vote(ctx, act["cab.carol"], openssl.ID, change.VoteInput{Decision: "approve", Reason: "back-out plan tested"})
	}
	if err != nil {
		return step("RFC awaiting the CAB", err)
	}
	lb, err := rfc("Renew TLS certificates on lb-01", []string{"lb-01"}, &change.Window{Start: tomorrow, End: tomorrow.Add(2 * time.Hour), TimeZone: "Europe/Paris"})
	for _, s := range []struct {
		who identity.Actor
		ev  change.Event
		in  change.TransitionInput
	}{{rita, change.EventSubmit, change.TransitionInput{}},
		{carl, change.EventClassify, change.TransitionInput{Category: change.CategorySignificant, Priority: change.PriorityMedium}},
		{carl, change.EventRequestApproval, change.TransitionInput{}}} {
		if err == nil {
			lb, err = fire(s.who, lb, s.ev, s.in)
		}
	}
	for _, m := range []string{"cab.alice", "cab.bob"} {
		if err == nil {
			_, lb, err = a.Change.Vote(ctx, act[m], lb.ID, change.VoteInput{Decision: "approve", Reason: "routine renewal"})
		}
	}
	if err == nil {
		_, err = fire(carl, lb, change.EventSchedule, change.TransitionInput{})
	}
	if err != nil {
		return step("scheduled RFC", err)
	}
	boards, err := a.Change.ListBoards(ctx, carl)
	if err == nil {
		for _, b := range boards {
			if b.Kind == change.BoardCAB {
				_, err = a.Change.CreateMeeting(ctx, carl, change.NewMeeting{BoardID: b.ID, Title: "Weekly CAB", StartsAt: tomorrow.Add(-8 * time.Hour)})
			}
		}
	}
	if err != nil {
		return step("CAB meeting", err)
	}
	fmt.Fprintln(out, "  Demo estate: 2 boards, 6 CIs, 2 updates, 4 RFCs (draft, submitted, awaiting the CAB, scheduled), a CAB meeting")
	return nil
}

// demoActors logs each demo user in through the API's own login, so that
// the demo is seeded by the users it shows, with their roles.
func demoActors(ctx context.Context, a *App) (map[string]identity.Actor, error) {
	out := map[string]identity.Actor{}
	for _, u := range demoUsers {
		s, err := a.Auth.Login(ctx, u.name, DemoPassword)
		if err != nil {
			return nil, fmt.Errorf("demo login %s: %w", u.name, err)
		}
		actor, err := a.Auth.Authenticate(ctx, s.AccessToken)
		if err != nil {
			return nil, fmt.Errorf("demo login %s: %w", u.name, err)
		}
		out[u.name] = actor
	}
	return out, nil
}
