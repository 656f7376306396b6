// Package idempotency holds the types shared by the HTTP adapter, which
// makes creating requests safe to retry, and the store, which keeps the
// Idempotency-Key records. It is neutral so that neither adapter imports
// the other.
package idempotency

import "context"

// StoredResponse is the first answer to an idempotent request.
type StoredResponse struct {
	Status      int
	ContentType string
	Body        []byte
	Location    string
}

// Store keeps Idempotency-Key records, per caller.
type Store interface {
	// BeginIdempotent claims the key, or returns the stored answer; it
	// answers Unprocessable when the key was used for another request and
	// Conflict while the first request is in flight.
	BeginIdempotent(ctx context.Context, actorID, key, methodPath, hash string) (*StoredResponse, error)
	FinishIdempotent(ctx context.Context, actorID, key string, r StoredResponse) error
	AbandonIdempotent(ctx context.Context, actorID, key string) error
}
