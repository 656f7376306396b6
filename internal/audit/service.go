package audit

import (
	"context"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/guard"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

// Filter selects audit events; zero fields select everything.
type Filter struct {
	EntityType string
	EntityID   string
	Actor      string
	Action     string
	Since      *time.Time
	Until      *time.Time
	// AfterID is the keyset cursor: events with a larger id.
	AfterID int64
	Limit   int
}

// Store is what the audit capability needs from storage.
type Store interface {
	// AppendStandalone records e in a transaction of its own: for refusals
	// and failures whose own transaction is rolled back.
	AppendStandalone(ctx context.Context, e *Event) error
	FindAuditEvents(ctx context.Context, f Filter) ([]Event, error)
	// WalkChain feeds every link in sequence order, then the events that
	// have no seal, to v.
	WalkChain(ctx context.Context, v *Verifier) error
	CheckpointStore
}

// Service answers auditors' questions and records refusals.
type Service struct {
	store Store
	now   func() time.Time
	opt   Options
}

// NewService returns the audit service without key material: it records
// and verifies, but neither signs checkpoints nor checks seal MACs.
func NewService(store Store, now func() time.Time) *Service {
	return NewServiceWith(store, now, Options{})
}

// NewServiceWith returns the audit service with its keys and publishers.
func NewServiceWith(store Store, now func() time.Time, opt Options) *Service {
	return &Service{store: store, now: now, opt: opt}
}

func (s *Service) guard() guard.Guard { return guard.New(s) }

// MaxPageSize caps one page of events.
const MaxPageSize = 500

// readers may read the trail.
var readers = []identity.Role{identity.Auditor, identity.Admin}

// Deny records that actor was refused action for reason and returns reason.
func (s *Service) Deny(ctx context.Context, actor identity.Actor, action, entityType, entityID string, reason error) error {
	e := New(ctx, s.now(), Record{
		Actor: actor, Action: action, Outcome: Denied,
		EntityType: entityType, EntityID: entityID, Reason: reason.Error(),
	})
	if err := s.store.AppendStandalone(ctx, e); err != nil {
		return err
	}
	return reason
}

// Record appends one event in a transaction of its own; for attempts that
// change nothing else, such as a failed login.
func (s *Service) Record(ctx context.Context, r Record) error {
	return s.store.AppendStandalone(ctx, New(ctx, s.now(), r))
}

// List returns events matching f, for auditors and admins.
func (s *Service) List(ctx context.Context, actor identity.Actor, f Filter) (page.Page[Event], error) {
	if err := s.guard().Require(ctx, actor, "audit.list", "audit", "", readers...); err != nil {
		return page.Page[Event]{}, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > MaxPageSize {
		return page.Page[Event]{}, errs.Field("limit", "must be at most "+strconv.Itoa(MaxPageSize))
	}
	limit := f.Limit
	f.Limit = page.Fetch(limit)
	items, err := s.store.FindAuditEvents(ctx, f)
	if err != nil {
		return page.Page[Event]{}, err
	}
	return page.Cut(items, limit, func(e Event) string { return EncodeCursor(e.ID) }), nil
}

// Verify walks the whole chain against the signed checkpoints, for
// auditors and admins; the check is recorded as a read.
func (s *Service) Verify(ctx context.Context, actor identity.Actor) (Report, error) {
	if err := s.guard().Require(ctx, actor, "audit.verify", "audit", "", readers...); err != nil {
		return Report{}, err
	}
	r, err := s.VerifyNow(ctx)
	if err != nil {
		return r, err
	}
	return r, s.Record(ctx, Record{Actor: actor, Role: actor.PrimaryRole(readers...), Action: "audit.verify",
		EntityType: "audit", After: map[string]any{"ok": r.OK, "checked": r.Checked, "first_broken": r.FirstBroken}})
}

// VerifyNow is the one verification: the chain in the store, held against
// every stored and published checkpoint with the service's keys. The CLI
// calls it directly.
func (s *Service) VerifyNow(ctx context.Context) (Report, error) {
	cs, err := s.knownCheckpoints(ctx)
	if err != nil {
		return Report{}, err
	}
	return VerifyStore(ctx, s.store, VerifyOptions{Keys: s.opt.Keys, Checkpoints: cs})
}

// VerifyStore walks the chain in store against o.
func VerifyStore(ctx context.Context, store Store, o VerifyOptions) (Report, error) {
	v := NewVerifier(o)
	if err := store.WalkChain(ctx, v); err != nil {
		return Report{}, err
	}
	v.Finish()
	return v.Report(), nil
}

// EncodeCursor makes an opaque keyset cursor from an id.
func EncodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// DecodeCursor reverses EncodeCursor; field names the parameter in errors.
func DecodeCursor(field, c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if id, perr := strconv.ParseInt(string(b), 10, 64); perr == nil && id >= 0 {
			return id, nil
		}
	}
	return 0, errs.Field(field, "not a cursor returned by this list")
}
