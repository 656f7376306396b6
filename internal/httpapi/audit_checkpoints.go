package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
)

// auditRoutes are the auditor's workbench beyond the event list and the
// verification: checkpoints and the public key.
func (h handlers) auditRoutes(g *echo.Group) {
	g.GET("/audit/checkpoints", h.listAuditCheckpoints)
	g.POST("/audit/checkpoints", h.createAuditCheckpoint)
	g.GET("/audit/public-key", h.auditPublicKey)
	g.GET("/audit/export", h.exportAudit)
	h.reportRoutes(g)
}

func (h handlers) listAuditCheckpoints(c echo.Context) error {
	var f errs.Fields
	q := c.QueryParams()
	limit := parseLimit(&f, q.Get("limit"), 50, audit.MaxCheckpointPage)
	before, err := audit.DecodeCursor("cursor", q.Get("cursor"))
	if err != nil {
		f.Add("cursor", "not a cursor returned by this list")
	}
	if err := f.Err(); err != nil {
		return err
	}
	p, err := h.Audit.Checkpoints(c.Request().Context(), actorOf(c), before, limit)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(p, func(c audit.Checkpoint) audit.Checkpoint { return c }))
}

func (h handlers) createAuditCheckpoint(c echo.Context) error {
	cp, err := h.Audit.Checkpoint(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return ok(c, http.StatusCreated, cp)
}

func (h handlers) auditPublicKey(c echo.Context) error {
	k, err := h.Audit.PublicKey(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("X-Audit-Key-Id", k.KeyID())
	return c.Blob(http.StatusOK, "application/x-pem-file", k.PublicKeyPEM())
}
