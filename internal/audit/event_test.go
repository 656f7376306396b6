package audit

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	before := map[string]any{"state": "draft", "title": "a", "cis": []string{"x"}, "gone": 1, "version": int64(1)}
	after := map[string]any{"state": "submitted", "title": "a", "cis": []string{"x"}, "new": true, "version": int64(2)}
	b, a := Diff(before, after)
	wantB := map[string]any{"state": "draft", "gone": 1, "new": nil, "version": int64(1)}
	wantA := map[string]any{"state": "submitted", "new": true, "version": int64(2)}
	if !reflect.DeepEqual(b, wantB) || !reflect.DeepEqual(a, wantA) {
		t.Fatalf("Diff = %v, %v", b, a)
	}
}

func TestContentHashCoversEveryField(t *testing.T) {
	base := Event{ActorID: "a", Action: "x", Outcome: Success}
	h := ContentHash(base)
	for i, change := range []func(*Event){
		func(e *Event) { e.ActorID = "b" }, func(e *Event) { e.ActorRole = "r" }, func(e *Event) { e.Action = "y" },
		func(e *Event) { e.Outcome = Denied }, func(e *Event) { e.EntityType = "t" }, func(e *Event) { e.EntityID = "i" },
		func(e *Event) { e.Before = "{}" }, func(e *Event) { e.After = "{}" }, func(e *Event) { e.Reason = "why" },
		func(e *Event) { e.RequestID = "q" }, func(e *Event) { e.SourceIP = "ip" },
		// Moving text from one field into the next must change the hash.
		func(e *Event) { e.ActorID, e.ActorRole = "", "a" },
	} {
		e := base
		change(&e)
		if ContentHash(e) == h {
			t.Errorf("change %d left the hash unchanged", i)
		}
	}
}
