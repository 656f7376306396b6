package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
	"github.com/changeboard/changeboard/internal/page"
)

// cmdbRoutes registers the configuration management routes.
func (h handlers) cmdbRoutes(v1 *echo.Group) {
	v1.GET("/workflows/ci", h.ciWorkflow)
	v1.GET("/cis", h.listCIs)
	v1.POST("/cis", h.createCI, h.idempotent)
	v1.POST("/cis/import", h.importCIs)
	v1.GET("/cis/unauthorized-changes", h.unauthorizedChanges)
	v1.GET("/cis/:id", h.getCI)
	v1.PATCH("/cis/:id", h.patchCI)
	v1.POST("/cis/:id/transitions", h.transitionCI)
	v1.GET("/cis/:id/history", h.ciHistory)
	v1.PUT("/cis/:id/inventory", h.reportInventory)
	v1.GET("/cis/:id/inventory", h.getInventory)
	v1.GET("/cis/:id/relationships", h.listRelationships)
	v1.POST("/cis/:id/relationships", h.createRelationship, h.idempotent)
	v1.DELETE("/cis/:id/relationships/:rel", h.deleteRelationship)
	v1.GET("/cis/:id/impact", h.ciImpact)
	v1.GET("/ci-groups", h.listGroups)
	v1.POST("/ci-groups", h.createGroup, h.idempotent)
	v1.GET("/ci-groups/:id", h.getGroup)
	v1.PATCH("/ci-groups/:id", h.patchGroup)
	v1.DELETE("/ci-groups/:id", h.deleteGroup)
	v1.GET("/ci-groups/:id/cis", h.groupCIs)
}

func (h handlers) ciOut(c echo.Context, status int, ci cmdb.CI) error {
	setETag(c, ci.Version)
	return ok(c, status, toCIDTO(ci, cmdb.Actions(ci, actorOf(c))))
}

func (h handlers) createCI(c echo.Context) error {
	var in cmdb.Fields
	if err := decode(c, &in); err != nil {
		return err
	}
	ci, err := h.CMDB.CreateCI(c.Request().Context(), actorOf(c), in.CI())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/cis/"+ci.ID)
	return h.ciOut(c, http.StatusCreated, ci)
}

// getCI answers the CI now, or as it was at ?at= (without an ETag: a
// past version cannot be the base of a change).
func (h handlers) getCI(c echo.Context) error {
	var f errs.Fields
	at := parseTime(&f, "at", c.QueryParam("at"))
	if err := f.Err(); err != nil {
		return err
	}
	ctx, actor := c.Request().Context(), actorOf(c)
	if at != nil {
		ci, err := h.CMDB.GetCIAt(ctx, actor, c.Param("id"), *at)
		if err != nil {
			return err
		}
		return ok(c, http.StatusOK, toCIDTO(ci, []cmdb.Event{}))
	}
	ci, err := h.CMDB.GetCI(ctx, actor, c.Param("id"))
	if err != nil {
		return err
	}
	return h.ciOut(c, http.StatusOK, ci)
}

func (h handlers) listCIs(c echo.Context) error {
	var f errs.Fields
	q := c.QueryParams()
	filter := cmdb.CIFilter{Environment: q.Get("environment"), Owner: q.Get("owner"), Location: q.Get("location"),
		Role: q.Get("role"), OS: q.Get("os"), Query: q.Get("q"),
		Attributes: parseAttributeParams(&f, q["attribute"]), AfterName: decodeNameCursor(&f, q.Get("cursor")),
		Limit: parseLimit(&f, q.Get("limit"), 50, cmdb.MaxListSize)}
	parseEnumParam(&f, q.Get("type"), cmdb.ParseType, &filter.Type)
	parseEnumParam(&f, q.Get("criticality"), cmdb.ParseCriticality, &filter.Criticality)
	parseEnumParam(&f, q.Get("state"), cmdb.ParseState, &filter.State)
	if err := f.Err(); err != nil {
		return err
	}
	cis, err := h.CMDB.ListCIs(c.Request().Context(), actorOf(c), filter)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, ciPage(cis, actorOf(c)))
}

// ciPage encodes a page of CIs with what actor may do with each.
func ciPage(cis page.Page[cmdb.CI], actor identity.Actor) listResponse[ciDTO] {
	return listOf(cis, func(ci cmdb.CI) ciDTO { return toCIDTO(ci, cmdb.Actions(ci, actor)) })
}

// parseAttributeParams reads repeated attribute=KEY=VALUE parameters.
func parseAttributeParams(f *errs.Fields, vs []string) map[string]string {
	if len(vs) == 0 {
		return nil
	}
	if len(vs) > cmdb.MaxAttributeFilters {
		f.Add("attribute", fmt.Sprintf("at most %d attribute filters", cmdb.MaxAttributeFilters))
		return nil
	}
	out := map[string]string{}
	for _, v := range vs {
		k, val, found := strings.Cut(v, "=")
		if _, repeated := out[k]; !found || k == "" || repeated {
			f.Add("attribute", "must be KEY=VALUE, each KEY once")
			continue
		}
		out[k] = val
	}
	return out
}

func decodeNameCursor(f *errs.Fields, v string) string {
	name, ok := page.ParseText(v)
	if !ok {
		f.Add("cursor", "not a cursor returned by this list")
	}
	return name
}

func (h handlers) patchCI(c echo.Context) error {
	var raw map[string]json.RawMessage
	if err := decode(c, &raw); err != nil {
		return err
	}
	var f errs.Fields
	for _, k := range ciReadOnly {
		if _, set := raw[k]; set {
			f.Add(k, "is read-only")
		}
	}
	if a, set := raw["attributes"]; set && string(a) == "null" {
		f.Add("attributes", "must be an object; a key set to null removes that attribute")
	}
	if err := f.Err(); err != nil {
		return err
	}
	// Decoded after the read-only fields were refused.
	var in cmdb.PatchJSON
	body, _ := json.Marshal(raw)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return decodeError(err)
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	patch := in.Patch()
	patch.IfVersion = version
	ci, err := h.CMDB.UpdateCI(c.Request().Context(), actorOf(c), c.Param("id"), patch)
	if err != nil {
		return err
	}
	return h.ciOut(c, http.StatusOK, ci)
}

func (h handlers) transitionCI(c echo.Context) error {
	var in ciTransitionRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	ev, err := cmdb.ParseEvent(in.Event)
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	ci, err := h.CMDB.Transition(c.Request().Context(), actorOf(c), c.Param("id"), ev, in.Comment, version)
	if err != nil {
		return err
	}
	return h.ciOut(c, http.StatusOK, ci)
}

func (h handlers) ciWorkflow(c echo.Context) error {
	w := cmdb.Workflow()
	out := ciWorkflowDTO{Name: "ci", Initial: string(w.Initial), States: w.States, Final: w.Final, Events: w.Events,
		Transitions: []transitionDTO{}, Mermaid: cmdb.Mermaid()}
	for _, t := range w.Transitions {
		out.Transitions = append(out.Transitions, transitionDTO{From: string(t.From), Event: string(t.Event), To: string(t.To)})
	}
	return ok(c, http.StatusOK, out)
}

type ciWorkflowDTO struct {
	Name        string          `json:"name"`
	Initial     string          `json:"initial"`
	States      []cmdb.State    `json:"states"`
	Final       []cmdb.State    `json:"final"`
	Events      []cmdb.Event    `json:"events"`
	Transitions []transitionDTO `json:"transitions"`
	Mermaid     string          `json:"mermaid"`
}

type unauthorizedChangeDTO struct {
	ID        int64     `json:"id"`
	CIID      string    `json:"ci_id"`
	CIName    string    `json:"ci_name"`
	CIVersion int64     `json:"ci_version"`
	ActorID   string    `json:"actor_id"`
	Action    string    `json:"action"`
	Fields    []string  `json:"fields"`
	ChangedAt time.Time `json:"changed_at"`
}

func (h handlers) unauthorizedChanges(c echo.Context) error {
	var f errs.Fields
	limit := parseLimit(&f, c.QueryParam("limit"), 50, 500)
	after, err := decodeAuditCursor(c.QueryParam("cursor"))
	if err != nil {
		f.Add("cursor", "not a cursor returned by this list")
	}
	if err := f.Err(); err != nil {
		return err
	}
	list, err := h.CMDB.UnauthorizedChanges(c.Request().Context(), actorOf(c), after, limit)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(list, func(u cmdb.UnauthorizedChange) unauthorizedChangeDTO { return unauthorizedChangeDTO(u) }))
}
