package page

import (
	"slices"
	"strconv"
	"testing"
)

func TestCut(t *testing.T) {
	key := func(n int) string { return strconv.Itoa(n) }
	for _, c := range []struct {
		name       string
		items      []int
		limit      int
		want       []int
		wantCursor string
	}{
		{"empty", nil, 3, nil, ""},
		{"short page", []int{1, 2}, 3, []int{1, 2}, ""},
		{"exactly full: no next page", []int{1, 2, 3}, 3, []int{1, 2, 3}, ""},
		{"one more: next page after the last kept", []int{1, 2, 3, 4}, 3, []int{1, 2, 3}, "3"},
		{"no limit keeps all", []int{1, 2, 3, 4}, 0, []int{1, 2, 3, 4}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := Cut(c.items, c.limit, key)
			if !slices.Equal(p.Items, c.want) || p.NextCursor != c.wantCursor {
				t.Fatalf("Cut = %v %q, want %v %q", p.Items, p.NextCursor, c.want, c.wantCursor)
			}
		})
	}
	if Fetch(50) != 51 || Fetch(0) != 0 {
		t.Fatalf("Fetch(50) = %d, Fetch(0) = %d", Fetch(50), Fetch(0))
	}
}

func TestText(t *testing.T) {
	for _, k := range []string{"", "web-01", "ünïcode/with|bars"} {
		if got, ok := ParseText(Text(k)); !ok || got != k {
			t.Fatalf("ParseText(Text(%q)) = %q, %v", k, got, ok)
		}
	}
	if _, ok := ParseText("not base64!"); ok {
		t.Fatal("ParseText accepted a foreign cursor")
	}
}
