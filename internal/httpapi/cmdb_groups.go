package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
)

type groupFilterDTO struct {
	Type        string            `json:"type,omitempty"`
	Environment string            `json:"environment,omitempty"`
	Criticality string            `json:"criticality,omitempty"`
	State       string            `json:"state,omitempty"`
	Owner       string            `json:"owner,omitempty"`
	Location    string            `json:"location,omitempty"`
	Role        string            `json:"role,omitempty"`
	OS          string            `json:"os,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
}

type groupDTO struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Kind        string         `json:"kind"`
	Members     []string       `json:"members,omitempty"`
	Filter      groupFilterDTO `json:"filter"`
	Version     int64          `json:"version"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// toGroupDTO shows a group; a static group's members only when withMembers
// (lists leave them out: a static group may hold thousands).
func toGroupDTO(g cmdb.Group, withMembers bool) groupDTO {
	d := groupDTO{ID: g.ID, Name: g.Name, Description: g.Description, Kind: string(g.Kind),
		Filter: groupFilterDTO(g.Filter), Version: g.Version, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	if withMembers && g.Kind == cmdb.GroupStatic {
		d.Members = nonNilStrings(g.Members)
	}
	return d
}

type groupRequest struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Kind        string          `json:"kind"`
	Members     []string        `json:"members"`
	Filter      *groupFilterDTO `json:"filter"`
}

type groupPatchRequest struct {
	Name        *string         `json:"name"`
	Description *string         `json:"description"`
	Members     *[]string       `json:"members"`
	Filter      *groupFilterDTO `json:"filter"`
}

func (h handlers) groupOut(c echo.Context, status int, g cmdb.Group) error {
	setETag(c, g.Version)
	return ok(c, status, toGroupDTO(g, true))
}

func (h handlers) createGroup(c echo.Context) error {
	var in groupRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	g := cmdb.Group{Name: in.Name, Description: in.Description, Kind: cmdb.GroupKind(in.Kind), Members: in.Members}
	if in.Filter != nil {
		g.Filter = cmdb.GroupFilter(*in.Filter)
	}
	g, err := h.CMDB.CreateGroup(c.Request().Context(), actorOf(c), g)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/ci-groups/"+g.ID)
	return h.groupOut(c, http.StatusCreated, g)
}

func (h handlers) getGroup(c echo.Context) error {
	g, err := h.CMDB.GetGroup(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return h.groupOut(c, http.StatusOK, g)
}

func (h handlers) patchGroup(c echo.Context) error {
	var in groupPatchRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	p := cmdb.GroupPatch{Name: in.Name, Description: in.Description, Members: in.Members, IfVersion: version}
	if in.Filter != nil {
		gf := cmdb.GroupFilter(*in.Filter)
		p.Filter = &gf
	}
	g, err := h.CMDB.UpdateGroup(c.Request().Context(), actorOf(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	return h.groupOut(c, http.StatusOK, g)
}

func (h handlers) deleteGroup(c echo.Context) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := h.CMDB.DeleteGroup(c.Request().Context(), actorOf(c), c.Param("id"), version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h handlers) listGroups(c echo.Context) error {
	var f errs.Fields
	limit := parseLimit(&f, c.QueryParam("limit"), 50, cmdb.MaxListSize)
	after := decodeNameCursor(&f, c.QueryParam("cursor"))
	if err := f.Err(); err != nil {
		return err
	}
	groups, err := h.CMDB.ListGroups(c.Request().Context(), actorOf(c), after, limit)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(groups, func(g cmdb.Group) groupDTO { return toGroupDTO(g, false) }))
}

func (h handlers) groupCIs(c echo.Context) error {
	var f errs.Fields
	limit := parseLimit(&f, c.QueryParam("limit"), 50, cmdb.MaxListSize)
	after := decodeNameCursor(&f, c.QueryParam("cursor"))
	if err := f.Err(); err != nil {
		return err
	}
	cis, err := h.CMDB.GroupCIs(c.Request().Context(), actorOf(c), c.Param("id"), after, limit)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, ciPage(cis, actorOf(c)))
}
