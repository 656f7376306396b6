package change

import (
	"strconv"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// TestRequesterNeverClassifiesOwnChange: a change manager who filed an RFC
// could classify it minor and skip the CAB.
func TestRequesterNeverClassifiesOwnChange(t *testing.T) {
	r := RFC{State: StateSubmitted, RequesterID: "u1"}
	in := TransitionInput{Category: CategoryMinor, Priority: PriorityLow}
	for _, roles := range [][]identity.Role{{identity.ChangeManager}, {identity.Admin}, {identity.ChangeManager, identity.Requester}} {
		own := identity.Actor{UserID: "u1", Roles: roles}
		if err := CheckTransition(r, own, EventClassify, in, time.Now(), Facts{}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("%v classifying their own RFC: %v", roles, err)
		}
		other := identity.Actor{UserID: "u2", Roles: roles}
		if err := CheckTransition(r, other, EventClassify, in, time.Now(), Facts{}); err != nil {
			t.Errorf("%v classifying another's RFC: %v", roles, err)
		}
	}
}

// TestIDListsBounded: 40,000 linked update ids were stored.
func TestIDListsBounded(t *testing.T) {
	ids := make([]string, MaxIDList+1)
	for i := range ids {
		ids[i] = "u" + strconv.Itoa(i)
	}
	var fs errs.Fields
	addIDListProblems(&fs, "linked_updates", ids)
	if len(fs) != 1 || fs[0].Field != "linked_updates" {
		t.Fatalf("%+v", fs)
	}
}
