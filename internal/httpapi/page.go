package httpapi

import "github.com/changeboard/changeboard/internal/page"

// listOf encodes a use case's page with the item encoder f: handlers never
// cut pages or make cursors themselves.
func listOf[T, D any](p page.Page[T], f func(T) D) listResponse[D] {
	out := listResponse[D]{Items: make([]D, 0, len(p.Items)), NextCursor: p.NextCursor}
	for _, it := range p.Items {
		out.Items = append(out.Items, f(it))
	}
	return out
}
