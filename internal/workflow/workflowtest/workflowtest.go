// Package workflowtest checks that the state diagrams in the docs are the
// ones the code generates.
package workflowtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/internal/errs"
)

// DocPath is docs/state-machines.md as seen from a capability's package
// (internal/<capability>).
var DocPath = filepath.Join("..", "..", "docs", "state-machines.md")

// AssertDocDiagram fails unless the first mermaid block after heading in
// the docs is got, byte for byte; with update it rewrites that block.
func AssertDocDiagram(t *testing.T, heading, got string, update bool) {
	t.Helper()
	doc, err := os.ReadFile(DocPath)
	if err != nil {
		t.Fatal(err)
	}
	const fence = "```mermaid\n"
	at := strings.Index(string(doc), heading)
	if at < 0 {
		t.Fatalf("%s has no %q section", DocPath, heading)
	}
	section := string(doc)[at:]
	start := strings.Index(section, fence)
	if start < 0 {
		t.Fatalf("%s: the %q section has no mermaid block", DocPath, heading)
	}
	start += len(fence)
	end := start + strings.Index(section[start:], "```")
	if update {
		fixed := string(doc)[:at] + section[:start] + got + section[end:]
		if err := os.WriteFile(DocPath, []byte(fixed), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if section[start:end] != got {
		t.Fatalf("the diagram under %q in %s differs from the code's; rerun with -update if the change is intended:\n%s", heading, DocPath, got)
	}
}

// AssertEveryPair fires every event in every state through next: an event
// allowed (listed in allowed, with the state it leads to) must lead there;
// every other pair must be refused with Conflict.
func AssertEveryPair[S, E ~string](t *testing.T, states []S, events []E, next func(S, E) (S, error), allowed map[S]map[E]S) {
	t.Helper()
	for _, s := range states {
		for _, ev := range events {
			t.Run(string(s)+"/"+string(ev), func(t *testing.T) {
				got, err := next(s, ev)
				want, ok := allowed[s][ev]
				switch {
				case !ok && !errs.Is(err, errs.Conflict):
					t.Fatalf("Next = %q, %v; want a conflict", got, err)
				case ok && (err != nil || got != want):
					t.Fatalf("Next = %q, %v; want %q", got, err, want)
				}
			})
		}
	}
}
