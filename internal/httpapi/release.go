package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/release"
)

// releaseRoutes serves release packages, their reviews, deployments and
// the agents' work.
func (h handlers) releaseRoutes(g *echo.Group) {
	g.GET("/releases", h.listReleases)
	g.POST("/releases", h.createRelease, h.idempotent)
	g.GET("/releases/:id", h.getRelease)
	g.PATCH("/releases/:id", h.patchRelease)
	g.POST("/releases/:id/transitions", h.transitionRelease)
	g.GET("/releases/:id/reviews", h.listReleaseReviews)
	g.POST("/releases/:id/reviews", h.reviewRelease)
	h.deploymentRoutes(g)
}

type itemDTO struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

type commandsDTO struct {
	Platform    string `json:"platform"`
	PackageKind string `json:"package_kind,omitempty"`
	Install     string `json:"install"`
	Backout     string `json:"backout,omitempty"`
}

type releaseDTO struct {
	ID           string        `json:"id"`
	Ref          string        `json:"ref"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	OwnerID      string        `json:"owner_id"`
	RFCIDs       []string      `json:"rfc_ids"`
	UpdateIDs    []string      `json:"update_ids"`
	Items        []itemDTO     `json:"items"`
	Commands     []commandsDTO `json:"commands"`
	BackoutPlan  string        `json:"backout_plan"`
	TestEvidence string        `json:"test_evidence"`
	PilotResults string        `json:"pilot_results"`
	State        string        `json:"state"`
	Actions      []string      `json:"actions"`
	Version      int64         `json:"version"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

func toItemDTOs(items []release.Item) []itemDTO {
	out := make([]itemDTO, len(items))
	for i, it := range items {
		out[i] = itemDTO{Kind: string(it.Kind), Name: it.Name, Version: it.Version}
	}
	return out
}

func toCommandsDTOs(cs []release.Commands) []commandsDTO {
	out := make([]commandsDTO, len(cs))
	for i, c := range cs {
		out[i] = commandsDTO{Platform: c.Platform, PackageKind: string(c.PackageKind), Install: c.Install, Backout: c.Backout}
	}
	return out
}

func fromItemDTOs(in []itemDTO) []release.Item {
	out := make([]release.Item, len(in))
	for i, it := range in {
		out[i] = release.Item{Kind: release.ItemKind(it.Kind), Name: it.Name, Version: it.Version}
	}
	return out
}

func fromCommandsDTOs(in []commandsDTO) []release.Commands {
	out := make([]release.Commands, len(in))
	for i, c := range in {
		out[i] = release.Commands{Platform: c.Platform, PackageKind: release.ItemKind(c.PackageKind), Install: c.Install, Backout: c.Backout}
	}
	return out
}

func toReleaseDTO(r release.Release) releaseDTO {
	d := releaseDTO{ID: r.ID, Ref: r.Ref(), Name: r.Name, Description: r.Description, OwnerID: r.OwnerID,
		RFCIDs: nonNilStrings(r.RFCIDs), UpdateIDs: nonNilStrings(r.UpdateIDs), Items: toItemDTOs(r.Items),
		Commands: toCommandsDTOs(r.Commands), BackoutPlan: r.BackoutPlan, TestEvidence: r.TestEvidence,
		PilotResults: r.PilotResults, State: string(r.State), Actions: []string{}, Version: r.Version,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	for _, ev := range release.Available(r.State) {
		for _, m := range release.ManualEvents() {
			if ev == m {
				d.Actions = append(d.Actions, string(ev))
			}
		}
	}
	return d
}

type releaseRequest struct {
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	RFCIDs       []string      `json:"rfc_ids"`
	UpdateIDs    []string      `json:"update_ids"`
	Items        []itemDTO     `json:"items"`
	Commands     []commandsDTO `json:"commands"`
	BackoutPlan  string        `json:"backout_plan"`
	TestEvidence string        `json:"test_evidence"`
	PilotResults string        `json:"pilot_results"`
}

type releasePatchRequest struct {
	Name         *string        `json:"name"`
	Description  *string        `json:"description"`
	RFCIDs       *[]string      `json:"rfc_ids"`
	UpdateIDs    *[]string      `json:"update_ids"`
	Items        *[]itemDTO     `json:"items"`
	Commands     *[]commandsDTO `json:"commands"`
	BackoutPlan  *string        `json:"backout_plan"`
	TestEvidence *string        `json:"test_evidence"`
	PilotResults *string        `json:"pilot_results"`
}

func (h handlers) releaseOut(c echo.Context, status int, r release.Release) error {
	setETag(c, r.Version)
	return ok(c, status, toReleaseDTO(r))
}

func (h handlers) createRelease(c echo.Context) error {
	var in releaseRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := h.Release.CreateRelease(c.Request().Context(), actorOf(c), release.Release{Name: in.Name,
		Description: in.Description, RFCIDs: in.RFCIDs, UpdateIDs: in.UpdateIDs, Items: fromItemDTOs(in.Items),
		Commands: fromCommandsDTOs(in.Commands), BackoutPlan: in.BackoutPlan, TestEvidence: in.TestEvidence,
		PilotResults: in.PilotResults})
	if err != nil {
		return err
	}
	return h.releaseOut(c, http.StatusCreated, r)
}

func (h handlers) getRelease(c echo.Context) error {
	r, err := h.Release.GetRelease(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return h.releaseOut(c, http.StatusOK, r)
}

func (h handlers) listReleases(c echo.Context) error {
	var f errs.Fields
	q := c.QueryParams()
	filter := release.ReleaseFilter{RFCID: q.Get("rfc"), Limit: parseLimit(&f, q.Get("limit"), 50, release.MaxListSize)}
	if s := q.Get("state"); s != "" {
		filter.State = release.State(s)
		if _, err := release.ParseState(s); err != nil {
			f.Add("state", "must be one of the release states")
		}
	}
	if cur := q.Get("cursor"); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n < 1 {
			f.Add("cursor", "not a cursor returned by this list")
		}
		filter.BeforeNumber = n
	}
	if err := f.Err(); err != nil {
		return err
	}
	p, err := h.Release.ListReleases(c.Request().Context(), actorOf(c), filter)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(p, toReleaseDTO))
}

func (h handlers) patchRelease(c echo.Context) error {
	var in releasePatchRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	p := release.ReleasePatch{Name: in.Name, Description: in.Description, RFCIDs: in.RFCIDs, UpdateIDs: in.UpdateIDs,
		BackoutPlan: in.BackoutPlan, TestEvidence: in.TestEvidence, PilotResults: in.PilotResults, IfVersion: version}
	if in.Items != nil {
		items := fromItemDTOs(*in.Items)
		p.Items = &items
	}
	if in.Commands != nil {
		cs := fromCommandsDTOs(*in.Commands)
		p.Commands = &cs
	}
	r, err := h.Release.UpdateRelease(c.Request().Context(), actorOf(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	return h.releaseOut(c, http.StatusOK, r)
}

type releaseTransitionRequest struct {
	Event  string `json:"event"`
	Reason string `json:"reason"`
}

func (h handlers) transitionRelease(c echo.Context) error {
	var in releaseTransitionRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	r, err := h.Release.Transition(c.Request().Context(), actorOf(c), c.Param("id"), release.Event(in.Event), in.Reason, version)
	if err != nil {
		return err
	}
	return h.releaseOut(c, http.StatusOK, r)
}

type checkItemDTO struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail,omitempty"`
}

type gateDTO struct {
	ID        string         `json:"id"`
	ReleaseID string         `json:"release_id"`
	Kind      string         `json:"kind"`
	Passed    bool           `json:"passed"`
	Items     []checkItemDTO `json:"items"`
	Failed    []string       `json:"failed_items"`
	Notes     string         `json:"notes"`
	SignedBy  string         `json:"signed_by"`
	SignedAt  time.Time      `json:"signed_at"`
}

func toGateDTO(g release.Gate) gateDTO {
	d := gateDTO{ID: g.ID, ReleaseID: g.ReleaseID, Kind: string(g.Kind), Passed: g.Passed, Items: []checkItemDTO{},
		Failed: nonNilStrings(g.Failed()), Notes: g.Notes, SignedBy: g.SignedBy, SignedAt: g.SignedAt}
	for _, it := range g.Items {
		d.Items = append(d.Items, checkItemDTO(it))
	}
	return d
}

type reviewRequest struct {
	Kind  string `json:"kind"`
	Notes string `json:"notes"`
}

type reviewResponse struct {
	Gate    gateDTO    `json:"gate"`
	Release releaseDTO `json:"release"`
}

func (h handlers) reviewRelease(c echo.Context) error {
	var in reviewRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	r, g, err := h.Release.Review(c.Request().Context(), actorOf(c), c.Param("id"), release.GateKind(in.Kind), in.Notes)
	if err != nil {
		return err
	}
	setETag(c, r.Version)
	return ok(c, http.StatusCreated, reviewResponse{Gate: toGateDTO(g), Release: toReleaseDTO(r)})
}

func (h handlers) listReleaseReviews(c echo.Context) error {
	gates, err := h.Release.Reviews(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := listResponse[gateDTO]{Items: []gateDTO{}}
	for _, g := range gates {
		out.Items = append(out.Items, toGateDTO(g))
	}
	return ok(c, http.StatusOK, out)
}
