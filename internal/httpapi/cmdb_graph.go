package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
)

type relationshipDTO struct {
	ID         string    `json:"id"`
	SourceID   string    `json:"source_id"`
	SourceName string    `json:"source_name"`
	Type       string    `json:"type"`
	TargetID   string    `json:"target_id"`
	TargetName string    `json:"target_name"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

func toRelationshipDTO(r cmdb.Relationship) relationshipDTO {
	return relationshipDTO{ID: r.ID, SourceID: r.SourceID, SourceName: r.SourceName, Type: string(r.Type),
		TargetID: r.TargetID, TargetName: r.TargetName, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
}

type relationshipRequest struct {
	Type     string `json:"type"`
	TargetID string `json:"target_id"`
}

func (h handlers) createRelationship(c echo.Context) error {
	var in relationshipRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	var f errs.Fields
	t, err := cmdb.ParseRelationshipType(in.Type)
	if err != nil {
		f = append(f, fieldsOfErr(err)...)
	}
	if in.TargetID == "" {
		f.Add("target_id", "is required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	r, err := h.CMDB.Relate(c.Request().Context(), actorOf(c), c.Param("id"), t, in.TargetID)
	if err != nil {
		return err
	}
	return ok(c, http.StatusCreated, toRelationshipDTO(r))
}

func (h handlers) deleteRelationship(c echo.Context) error {
	if err := h.CMDB.Unrelate(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("rel")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h handlers) listRelationships(c echo.Context) error {
	var f errs.Fields
	var filter cmdb.RelationshipFilter
	switch c.QueryParam("direction") {
	case "", "both":
	case "outgoing":
		filter.Outgoing = true
	case "incoming":
		filter.Incoming = true
	default:
		f.Add("direction", "must be one of outgoing, incoming, both")
	}
	parseEnumParam(&f, c.QueryParam("type"), cmdb.ParseRelationshipType, &filter.Type)
	if err := f.Err(); err != nil {
		return err
	}
	rels, err := h.CMDB.Relationships(c.Request().Context(), actorOf(c), c.Param("id"), filter)
	if err != nil {
		return err
	}
	out := listResponse[relationshipDTO]{Items: make([]relationshipDTO, len(rels))}
	for i, r := range rels {
		out.Items[i] = toRelationshipDTO(r)
	}
	return ok(c, http.StatusOK, out)
}

type ciRefDTO struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Criticality string `json:"criticality"`
	State       string `json:"state"`
}

func toCIRefDTO(r cmdb.CIRef) ciRefDTO {
	return ciRefDTO{ID: r.ID, Name: r.Name, Type: string(r.Type), Criticality: string(r.Criticality), State: string(r.State)}
}

type pathStepDTO struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Via  string `json:"via"`
}

type impactedDTO struct {
	ciRefDTO
	Direction string        `json:"direction"`
	Depth     int           `json:"depth"`
	Path      []pathStepDTO `json:"path"`
}

type impactSummaryDTO struct {
	Total         int            `json:"total"`
	ByCriticality map[string]int `json:"by_criticality"`
	ByType        map[string]int `json:"by_type"`
	Highest       *string        `json:"highest"`
}

type impactDTO struct {
	Root      ciRefDTO         `json:"root"`
	Direction string           `json:"direction"`
	Depth     int              `json:"depth"`
	Items     []impactedDTO    `json:"items"`
	Summary   impactSummaryDTO `json:"summary"`
}

func toImpactDTO(im cmdb.Impact) impactDTO {
	out := impactDTO{Root: toCIRefDTO(im.Root), Direction: string(im.Direction), Depth: im.Depth,
		Items: make([]impactedDTO, len(im.Items)), Summary: impactSummaryDTO{Total: im.Summary.Total,
			ByCriticality: map[string]int{}, ByType: map[string]int{}}}
	for i, it := range im.Items {
		d := impactedDTO{ciRefDTO: toCIRefDTO(it.CI), Direction: string(it.Direction), Depth: it.Depth,
			Path: make([]pathStepDTO, len(it.Path))}
		for j, p := range it.Path {
			d.Path[j] = pathStepDTO{ID: p.ID, Name: p.Name, Via: string(p.Via)}
		}
		out.Items[i] = d
	}
	for k, n := range im.Summary.ByCriticality {
		out.Summary.ByCriticality[string(k)] = n
	}
	for k, n := range im.Summary.ByType {
		out.Summary.ByType[string(k)] = n
	}
	if im.Summary.Highest != "" {
		h := string(im.Summary.Highest)
		out.Summary.Highest = &h
	}
	return out
}

func (h handlers) ciImpact(c echo.Context) error {
	var f errs.Fields
	dir := cmdb.Downstream
	parseEnumParam(&f, c.QueryParam("direction"), cmdb.ParseDirection, &dir)
	depth := cmdb.DefaultImpactDepth
	if v := c.QueryParam("depth"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > cmdb.MaxImpactDepth {
			f.Add("depth", "must be a whole number from 1 to 10")
		}
		depth = n
	}
	if err := f.Err(); err != nil {
		return err
	}
	im, err := h.CMDB.Impact(c.Request().Context(), actorOf(c), c.Param("id"), dir, depth)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, toImpactDTO(im))
}

// fieldsOfErr returns the field errors an Invalid error carries.
func fieldsOfErr(err error) errs.Fields {
	var e *errs.Error
	if errors.As(err, &e) {
		return append(errs.Fields(nil), e.Fields...)
	}
	return nil
}
