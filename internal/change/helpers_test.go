package change

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// now is the fixed clock of every test.
var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// The actors of the permission matrix, by the name used in expectations.
var actors = map[string]identity.Actor{
	"owner":   {UserID: "u-req", Roles: []identity.Role{identity.Requester}},
	"req":     {UserID: "u-req2", Roles: []identity.Role{identity.Requester}},
	"cm":      {UserID: "u-cm", Roles: []identity.Role{identity.ChangeManager}},
	"cab":     {UserID: "u-cab", Roles: []identity.Role{identity.CABMember}},
	"rm":      {UserID: "u-rm", Roles: []identity.Role{identity.ReleaseManager}},
	"agent":   {UserID: "u-agent", Roles: []identity.Role{identity.Agent}},
	"auditor": {UserID: "u-aud", Roles: []identity.Role{identity.Auditor}},
	"admin":   {UserID: "u-admin", Roles: []identity.Role{identity.Admin}},
}

// actorNames lists the matrix actors in a stable order.
func actorNames() []string {
	names := make([]string, 0, len(actors))
	for n := range actors {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func at(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) }

// MustRFC returns a complete significant, medium-priority RFC in state s,
// with whatever the process would have recorded on the way there: an
// approved window for March, a scheduled window open at now.
func MustRFC(tb testing.TB, s State) RFC {
	tb.Helper()
	r := RFC{
		ID: "rfc-1", Number: 1042, Title: "Patch the web tier", Reason: "CVE-2026-0001",
		State: s, RequesterID: "u-req", Category: CategorySignificant, Priority: PriorityMedium,
		AffectedCIs:        []string{"ci-web-1", "ci-web-2"},
		ImplementationPlan: "apply KB1", BackoutPlan: "uninstall KB1", TestPlan: "smoke test",
		Window:         &Window{Start: at(10, 22), End: at(11, 2), TimeZone: "Europe/Paris"},
		ApprovalRound:  1,
		ApprovedWindow: &Window{Start: at(1, 0), End: at(31, 0), TimeZone: "UTC"},
		CreatedAt:      at(1, 9), UpdatedAt: at(1, 9), Version: 3,
	}
	if s == StateScheduled {
		r.Window = &Window{Start: now.Add(-time.Hour), End: now.Add(3 * time.Hour), TimeZone: "UTC"}
	}
	if err := r.Validate(); err != nil {
		tb.Fatalf("fixture in %s is invalid: %v", s, err)
	}
	return r
}

// fullInput carries everything any event may need, all of it valid.
func fullInput() TransitionInput {
	return TransitionInput{
		Comment: "because", Category: CategorySignificant, Priority: PriorityMedium,
		Window:    &Window{Start: at(12, 22), End: at(13, 2), TimeZone: "UTC"},
		CloseCode: CloseSuccessful, ReviewNotes: "went to plan",
	}
}

// wantCode fails unless err carries code ("" meaning no error).
func wantCode(tb testing.TB, err error, code errs.Code) {
	tb.Helper()
	if got := errs.CodeOf(err); got != code {
		tb.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

// wantFields fails unless err is Invalid and names exactly fields.
func wantFields(tb testing.TB, err error, fields ...string) {
	tb.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Invalid {
		tb.Fatalf("want an Invalid error naming %v, got %v", fields, err)
	}
	var got []string
	for _, f := range e.Fields {
		if !slices.Contains(got, f.Field) {
			got = append(got, f.Field)
		}
	}
	slices.Sort(got)
	want := slices.Clone(fields)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		tb.Fatalf("invalid fields = %v, want %v (%v)", got, want, e.Fields)
	}
}
