package webui_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// checkPage checks what every page must have: a language, a title, one
// main landmark, no duplicate ids, and a label for every form control.
func checkPage(t *testing.T, path, body string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	ids := map[string]int{}
	labelFor := map[string]bool{}
	var mains, titles int
	var controls []*html.Node
	var walk func(n *html.Node, inLabel bool)
	walk = func(n *html.Node, inLabel bool) {
		if n.Type == html.ElementNode {
			if id := attr(n, "id"); id != "" {
				ids[id]++
			}
			switch n.Data {
			case "html":
				if attr(n, "lang") == "" {
					t.Errorf("%s: <html> has no lang", path)
				}
			case "main":
				mains++
			case "title":
				if n.Parent == nil || n.Parent.Data != "head" {
					break // an SVG's own title
				}
				if n.FirstChild == nil || strings.TrimSpace(n.FirstChild.Data) == "" {
					t.Errorf("%s: empty <title>", path)
				}
				titles++
			case "label":
				if f := attr(n, "for"); f != "" {
					labelFor[f] = true
				}
				inLabel = true
			case "input", "select", "textarea":
				switch attr(n, "type") {
				case "hidden", "submit", "button", "reset":
				default:
					if !inLabel && attr(n, "aria-label") == "" && attr(n, "aria-labelledby") == "" {
						controls = append(controls, n)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLabel)
		}
	}
	walk(doc, false)
	if mains != 1 {
		t.Errorf("%s: %d <main> landmarks, want 1", path, mains)
	}
	if titles != 1 {
		t.Errorf("%s: %d <title>, want 1", path, titles)
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("%s: id %q used %d times", path, id, n)
		}
	}
	for _, c := range controls {
		if id := attr(c, "id"); id == "" || !labelFor[id] {
			t.Errorf("%s: <%s name=%q> has no label", path, c.Data, attr(c, "name"))
		}
	}
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}
