package httpapi

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/errs"
)

// updateImportPath is the CSAF import route, which takes documents of
// several MiB: it sets its own body limit instead of BodyLimit.
const updateImportPath = "/api/v1/updates/import"

// largeBodyRoutes are the routes that the global body limit skips; each
// of them limits its body itself.
var largeBodyRoutes = map[string]bool{http.MethodPost + " " + updateImportPath: true}

// catalogRoutes registers the patch catalog and compliance routes.
func (h handlers) catalogRoutes(v1 *echo.Group) {
	v1.GET("/workflows/update", h.updateWorkflow)
	v1.GET("/updates", h.listUpdates)
	v1.POST("/updates", h.createUpdate, h.idempotent)
	v1.POST(strings.TrimPrefix(updateImportPath, "/api/v1"), h.importUpdate, importBodyLimit)
	v1.GET("/updates/:id", h.getUpdate)
	v1.POST("/updates/:id/transitions", h.transitionUpdate)
	v1.GET("/updates/:id/compliance", h.updateCompliance)
	v1.GET("/cis/:id/compliance", h.ciCompliance)
	v1.GET("/compliance/summary", h.complianceSummary)
	v1.POST("/changes/draft-from-updates", h.draftFromUpdates, h.idempotent)
}

func (h handlers) updateOut(c echo.Context, status int, u catalog.Update) error {
	setETag(c, u.Version)
	return ok(c, status, toUpdateDTO(u, h.Catalog.Actions(u, actorOf(c))))
}

func (h handlers) getUpdate(c echo.Context) error {
	u, err := h.Catalog.GetUpdate(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return h.updateOut(c, http.StatusOK, u)
}

func (h handlers) listUpdates(c echo.Context) error {
	var f errs.Fields
	q := c.QueryParams()
	filter := catalog.UpdateFilter{CVE: q.Get("cve"), Product: q.Get("product"), Query: q.Get("q"),
		Limit: parseLimit(&f, q.Get("limit"), 50, catalog.MaxListSize)}
	parseEnumParam(&f, q.Get("state"), catalog.ParseState, &filter.State)
	parseEnumParam(&f, q.Get("severity"), catalog.ParseSeverity, &filter.Severity)
	switch src := catalog.Source(q.Get("source")); src {
	case "", catalog.SourceCSAF, catalog.SourceManual:
		filter.Source = src
	default:
		f.Add("source", "must be csaf or manual")
	}
	if cur := q.Get("cursor"); cur != "" {
		if filter.After = catalog.DecodeUpdateCursor(cur); filter.After == nil {
			f.Add("cursor", "not a cursor returned by this list")
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	updates, err := h.Catalog.ListUpdates(c.Request().Context(), actorOf(c), filter)
	if err != nil {
		return err
	}
	actor := actorOf(c)
	return ok(c, http.StatusOK, listOf(updates, func(u catalog.Update) updateDTO { return toUpdateDTO(u, h.Catalog.Actions(u, actor)) }))
}

func (h handlers) createUpdate(c echo.Context) error {
	var in createUpdateRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	var f errs.Fields
	released := parseTime(&f, "released_at", in.ReleasedAt)
	if err := f.Err(); err != nil {
		return err
	}
	u, err := h.Catalog.CreateUpdate(c.Request().Context(), actorOf(c), in.update(released))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/updates/"+u.ID)
	return h.updateOut(c, http.StatusCreated, u)
}

func (h handlers) transitionUpdate(c echo.Context) error {
	var in updateTransitionRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	ev, err := catalog.ParseEvent(in.Event)
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	u, err := h.Catalog.Transition(c.Request().Context(), actorOf(c), c.Param("id"), ev,
		catalog.TransitionInput{Comment: in.Comment, SupersededBy: in.SupersededBy}, version)
	if err != nil {
		return err
	}
	return h.updateOut(c, http.StatusOK, u)
}

type updateWorkflowDTO struct {
	Name        string          `json:"name"`
	Initial     string          `json:"initial"`
	States      []catalog.State `json:"states"`
	Final       []catalog.State `json:"final"`
	Events      []catalog.Event `json:"events"`
	Transitions []transitionDTO `json:"transitions"`
	Mermaid     string          `json:"mermaid"`
}

func (h handlers) updateWorkflow(c echo.Context) error {
	w := catalog.Workflow()
	out := updateWorkflowDTO{Name: "update", Initial: string(w.Initial), States: w.States, Final: w.Final,
		Events: w.Events, Transitions: []transitionDTO{}, Mermaid: catalog.Mermaid()}
	for _, t := range w.Transitions {
		out.Transitions = append(out.Transitions, transitionDTO{From: string(t.From), Event: string(t.Event), To: string(t.To)})
	}
	return ok(c, http.StatusOK, out)
}
