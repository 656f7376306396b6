// Package audit is the tamper-evident audit trail: events written in the
// transaction of the change they record, sealed afterwards into one hash
// chain, and verified by walking the chain.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strconv"
	"time"

	"github.com/changeboard/changeboard/internal/identity"
)

// Outcome says how an audited attempt ended.
type Outcome string

// The outcomes.
const (
	Success Outcome = "success"
	Failure Outcome = "failure"
	Denied  Outcome = "denied"
)

// Event is one audit record. Seq, PrevHash and Hash are set once the sealer
// has chained the event; until then Seq is 0.
type Event struct {
	ID          int64
	Seq         int64
	OccurredAt  time.Time
	ActorID     string
	ActorRole   string
	Action      string
	Outcome     Outcome
	EntityType  string
	EntityID    string
	Before      string
	After       string
	Reason      string
	RequestID   string
	SourceIP    string
	ContentHash string
	PrevHash    string
	Hash        string
}

// Appender adds an event inside the caller's transaction. The store's
// transaction type implements it; every capability's Tx embeds it.
type Appender interface {
	AppendAudit(ctx context.Context, e *Event) error
}

// RequestInfo is what the entry point knows about the request that caused a
// change: its id and the caller's address.
type RequestInfo struct {
	ID       string
	SourceIP string
}

type requestKey struct{}

// WithRequest returns ctx carrying info, for the events recorded under it.
func WithRequest(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, info)
}

// RequestFrom returns the request info in ctx, or the zero value.
func RequestFrom(ctx context.Context) RequestInfo {
	info, _ := ctx.Value(requestKey{}).(RequestInfo)
	return info
}

// Record describes what happened; New turns it into an Event.
type Record struct {
	Actor      identity.Actor
	Role       identity.Role
	Action     string
	Outcome    Outcome
	EntityType string
	EntityID   string
	Before     any
	After      any
	Reason     string
}

// New builds the event for r at now, with the request info from ctx and its
// content hash. Before and After are stored as JSON.
func New(ctx context.Context, now time.Time, r Record) *Event {
	info := RequestFrom(ctx)
	role := r.Role
	if role == "" {
		role = r.Actor.PrimaryRole()
	}
	outcome := r.Outcome
	if outcome == "" {
		outcome = Success
	}
	e := &Event{
		// Microseconds: PostgreSQL keeps no more, and the hash must
		// survive the round trip through either database.
		OccurredAt: now.UTC().Truncate(time.Microsecond),
		ActorID:    r.Actor.UserID,
		ActorRole:  string(role),
		Action:     r.Action,
		Outcome:    outcome,
		EntityType: r.EntityType,
		EntityID:   r.EntityID,
		Before:     marshal(r.Before),
		After:      marshal(r.After),
		Reason:     r.Reason,
		RequestID:  info.ID,
		SourceIP:   info.SourceIP,
	}
	e.ContentHash = ContentHash(*e)
	return e
}

func marshal(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.RawMessage:
		return string(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only unsupported types fail here; a programming error that must
		// not lose the event.
		return strconv.Quote(err.Error())
	}
	return string(b)
}

// ContentHash is the SHA-256 over the event's fields, each prefixed by its
// length so that no two different events share an encoding.
func ContentHash(e Event) string {
	h := sha256.New()
	for _, f := range []string{
		e.OccurredAt.UTC().Format(time.RFC3339Nano), e.ActorID, e.ActorRole, e.Action,
		string(e.Outcome), e.EntityType, e.EntityID, e.Before, e.After, e.Reason,
		e.RequestID, e.SourceIP,
	} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// GenesisHash is the previous hash of the first link.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ChainHash links one event into the chain: it covers the previous link,
// the position, the event's id and its content hash, so that editing,
// deleting, inserting or reordering events all break it.
func ChainHash(prev string, seq, eventID int64, contentHash string) string {
	sum := sha256.Sum256([]byte(prev + "|" + strconv.FormatInt(seq, 10) + "|" +
		strconv.FormatInt(eventID, 10) + "|" + contentHash))
	return hex.EncodeToString(sum[:])
}

// Diff keeps the fields whose values differ between two views of a record,
// so that an event records what changed and not the whole record twice.
func Diff(before, after map[string]any) (map[string]any, map[string]any) {
	b, a := map[string]any{}, map[string]any{}
	for k, v := range after {
		if old, ok := before[k]; !ok || !reflect.DeepEqual(old, v) {
			b[k], a[k] = before[k], v
		}
	}
	for k, v := range before {
		if _, ok := after[k]; !ok {
			b[k] = v
		}
	}
	return b, a
}
