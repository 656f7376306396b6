package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/idempotency"
)

// capture tees what a handler writes, to store it.
type capture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *capture) WriteHeader(code int) { c.status = code; c.ResponseWriter.WriteHeader(code) }
func (c *capture) Write(b []byte) (int, error) {
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}

// idempotent makes a creating POST safe to retry with an Idempotency-Key:
// the same key and body get the first answer again; the same key with
// another body 422; while the first is in flight 409. Only successful
// answers are kept, so a failed request may be retried.
func (h handlers) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get("Idempotency-Key")
		if key == "" {
			return next(c)
		}
		if len(key) > 200 {
			return errs.Field("Idempotency-Key", "at most 200 characters")
		}
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return decodeError(err)
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(body)
		actor, ctx := actorOf(c), c.Request().Context()
		stored, err := h.Idempotency.BeginIdempotent(ctx, actor.UserID, key, c.Request().Method+" "+c.Request().URL.Path, hex.EncodeToString(sum[:]))
		if err != nil {
			return err
		}
		if stored != nil {
			if stored.Location != "" {
				c.Response().Header().Set(echo.HeaderLocation, stored.Location)
			}
			c.Response().Header().Set("Idempotent-Replayed", "true")
			return c.Blob(stored.Status, stored.ContentType, stored.Body)
		}
		rec := &capture{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rec
		err = next(c)
		status := c.Response().Status
		if err != nil || status >= 300 {
			_ = h.Idempotency.AbandonIdempotent(context.WithoutCancel(ctx), actor.UserID, key)
			return err
		}
		return h.Idempotency.FinishIdempotent(context.WithoutCancel(ctx), actor.UserID, key, idempotency.StoredResponse{
			Status: status, ContentType: c.Response().Header().Get(echo.HeaderContentType),
			Body: rec.body.Bytes(), Location: c.Response().Header().Get(echo.HeaderLocation),
		})
	}
}
