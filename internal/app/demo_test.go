package app_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/app"
)

// TestLoadDemo seeds the demo twice on a fresh database: the second run
// adds nothing, and the RFCs are in the states the web UI shows off.
func TestLoadDemo(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		ctx := context.Background()
		var out strings.Builder
		if err := app.LoadDemo(ctx, s.App, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "Demo estate") {
			t.Fatalf("output: %s", out.String())
		}
		if err := app.LoadDemo(ctx, s.App, io.Discard); err != nil {
			t.Fatalf("second run: %v", err)
		}
		var list struct{ Items []struct{ State string } }
		s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/changes", Token: s.Admin}).JSON(t, &list)
		states := map[string]int{}
		for _, r := range list.Items {
			states[r.State]++
		}
		want := map[string]int{"draft": 1, "submitted": 1, "awaiting_approval": 1, "scheduled": 1}
		for st, n := range want {
			if states[st] != n {
				t.Errorf("%d RFCs %s, want %d (all: %v)", states[st], st, n, states)
			}
		}
		if len(list.Items) != 4 {
			t.Errorf("%d RFCs after two runs, want 4", len(list.Items))
		}
		tok := s.Login(t, "cab.alice", app.DemoPassword)
		var mine struct{ Items []any }
		s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/me/approvals", Token: tok}).JSON(t, &mine)
		if len(mine.Items) != 1 {
			t.Errorf("cab.alice has %d RFCs to vote on, want 1", len(mine.Items))
		}
	})
}
