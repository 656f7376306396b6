// Package page is the one way lists are paged: a use case fetches one item
// more than the page holds (Fetch), and Cut keeps the page and makes the
// keyset cursor of the next one from its last item. Handlers only decode
// the cursor and encode the page.
package page

import "encoding/base64"

// Page is one page of a list, and the cursor of the next page (empty on
// the last one).
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// Fetch is how many items to read for a page of limit: one more tells
// whether there is a next page. A limit of 0 (no paging) stays 0.
func Fetch(limit int) int {
	if limit <= 0 {
		return limit
	}
	return limit + 1
}

// Cut keeps the first limit of items, read with Fetch(limit), and when
// there were more makes the next page's cursor from the last item kept.
// A limit of 0 keeps every item.
func Cut[T any](items []T, limit int, cursor func(last T) string) Page[T] {
	if limit <= 0 || len(items) <= limit {
		return Page[T]{Items: items}
	}
	items = items[:limit]
	return Page[T]{Items: items, NextCursor: cursor(items[limit-1])}
}

// Text is the opaque cursor of a text key (a name): URL-safe base64.
func Text(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// ParseText reverses Text; ok is false for a cursor Text did not make.
func ParseText(cursor string) (key string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	return string(b), err == nil
}
