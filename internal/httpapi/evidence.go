package httpapi

import (
	"github.com/labstack/echo/v4"
)

// evidenceRoutes serve an RFC's evidence pack.
func (h handlers) evidenceRoutes(g *echo.Group) {
	g.GET("/changes/:id/evidence", h.rfcEvidence)
}

func (h handlers) rfcEvidence(c echo.Context) error {
	w := &streamWriter{c: c, contentType: "application/zip", filename: "evidence-" + c.Param("id") + ".zip"}
	_, err := h.Evidence.Pack(c.Request().Context(), actorOf(c), c.Param("id"), w)
	return w.finish(err, h.Log)
}
