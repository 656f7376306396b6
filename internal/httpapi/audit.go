package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
)

type auditEventDTO struct {
	ID          int64           `json:"id"`
	Sequence    *int64          `json:"sequence"`
	OccurredAt  time.Time       `json:"occurred_at"`
	ActorID     string          `json:"actor_id"`
	ActorRole   string          `json:"actor_role"`
	Action      string          `json:"action"`
	Outcome     string          `json:"outcome"`
	EntityType  string          `json:"entity_type"`
	EntityID    string          `json:"entity_id"`
	Before      json.RawMessage `json:"before"`
	After       json.RawMessage `json:"after"`
	Reason      string          `json:"reason"`
	RequestID   string          `json:"request_id"`
	SourceIP    string          `json:"source_ip"`
	ContentHash string          `json:"content_hash"`
	PrevHash    *string         `json:"prev_hash"`
	Hash        *string         `json:"hash"`
}

func rawOrNull(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

// toAuditEventDTO is the API shape of an event.
func toAuditEventDTO(e audit.Event) auditEventDTO {
	d := auditEventDTO{ID: e.ID, OccurredAt: e.OccurredAt, ActorID: e.ActorID, ActorRole: e.ActorRole,
		Action: e.Action, Outcome: string(e.Outcome), EntityType: e.EntityType, EntityID: e.EntityID,
		Before: rawOrNull(e.Before), After: rawOrNull(e.After), Reason: e.Reason, RequestID: e.RequestID,
		SourceIP: e.SourceIP, ContentHash: e.ContentHash}
	if e.Seq > 0 {
		seq, prev, hash := e.Seq, e.PrevHash, e.Hash
		d.Sequence, d.PrevHash, d.Hash = &seq, &prev, &hash
	}
	return d
}

func (h handlers) listAuditEvents(c echo.Context) error {
	var f errs.Fields
	q := c.QueryParams()
	filter := audit.Filter{
		EntityType: q.Get("entity_type"), EntityID: q.Get("entity_id"), Actor: q.Get("actor"), Action: q.Get("action"),
		Since: parseTime(&f, "since", q.Get("since")), Until: parseTime(&f, "until", q.Get("until")),
		Limit: parseLimit(&f, q.Get("limit"), 50, audit.MaxPageSize),
	}
	after, err := decodeAuditCursor(q.Get("cursor"))
	if err != nil {
		f.Add("cursor", "not a cursor returned by this list")
	}
	filter.AfterID = after
	if err := f.Err(); err != nil {
		return err
	}
	page, err := h.Audit.List(c.Request().Context(), actorOf(c), filter)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(page, toAuditEventDTO))
}

func (h handlers) verifyAudit(c echo.Context) error {
	r, err := h.Audit.Verify(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, r)
}

func decodeAuditCursor(c string) (int64, error) { return audit.DecodeCursor("cursor", c) }
