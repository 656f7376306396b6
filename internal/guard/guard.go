// Package guard is the one authorisation helper of the use cases: it checks
// the actor's role and, when it refuses, records the refusal in the audit
// trail, so that no capability writes its own gate or forgets the "denied"
// event. Rules that refuse for other reasons (separation of duties, the
// requester's own RFC) return Forbidden and hand it to Refuse.
package guard

import (
	"context"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// Trail records refusals: audit.Service implements it. A refusal is written
// in a transaction of its own, or after the transaction the ctx carries has
// ended, so that it survives the refused use case's rollback.
type Trail interface {
	Deny(ctx context.Context, actor identity.Actor, action, entityType, entityID string, reason error) error
}

// Guard checks roles and audits refusals.
type Guard struct{ trail Trail }

// New returns a guard that records refusals in trail.
func New(trail Trail) Guard { return Guard{trail: trail} }

// Require returns nil when actor holds one of roles; otherwise it records
// the refusal of action on the entity and returns Forbidden.
func (g Guard) Require(ctx context.Context, actor identity.Actor, action, entityType, entityID string, roles ...identity.Role) error {
	if actor.Has(roles...) {
		return nil
	}
	return g.trail.Deny(ctx, actor, action, entityType, entityID,
		errs.E(errs.Forbidden, "this action needs one of the roles %v", roles))
}

// Refuse records err in the audit trail when it is a Forbidden refusal and
// returns it; any other error (or nil) passes through unrecorded.
func (g Guard) Refuse(ctx context.Context, actor identity.Actor, action, entityType, entityID string, err error) error {
	if !errs.Is(err, errs.Forbidden) {
		return err
	}
	if derr := g.trail.Deny(ctx, actor, action, entityType, entityID, err); !errs.Is(derr, errs.Forbidden) {
		return derr
	}
	return err
}
