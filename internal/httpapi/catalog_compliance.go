package httpapi

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/errs"
)

type evidenceDTO struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Architecture string `json:"architecture"`
	Installed    string `json:"installed"`
	Fixed        string `json:"fixed"`
	Status       string `json:"status"`
	Note         string `json:"note"`
}

type verdictDTO struct {
	CIID                string        `json:"ci_id"`
	CIName              string        `json:"ci_name"`
	UpdateID            string        `json:"update_id"`
	VendorID            string        `json:"vendor_id"`
	Title               string        `json:"title"`
	Severity            string        `json:"severity"`
	UpdateState         string        `json:"update_state"`
	Status              string        `json:"status"`
	Reason              string        `json:"reason"`
	Evidence            []evidenceDTO `json:"evidence"`
	EvaluatedAt         time.Time     `json:"evaluated_at"`
	InventoryReportedAt *time.Time    `json:"inventory_reported_at"`
}

func toVerdictDTOs(items []catalog.ResultView) []verdictDTO {
	out := make([]verdictDTO, 0, len(items))
	for _, v := range items {
		d := verdictDTO{CIID: v.CIID, CIName: v.CIName, UpdateID: v.UpdateID, VendorID: v.VendorID, Title: v.Title,
			Severity: string(v.Severity), UpdateState: string(v.UpdateState), Status: string(v.Status), Reason: v.Reason,
			Evidence: []evidenceDTO{}, EvaluatedAt: v.EvaluatedAt, InventoryReportedAt: v.InventoryAt}
		for _, e := range v.Evidence {
			d.Evidence = append(d.Evidence, evidenceDTO{Kind: e.Kind, Name: e.Name, Architecture: e.Architecture,
				Installed: e.Installed, Fixed: e.Fixed, Status: string(e.Status), Note: e.Note})
		}
		out = append(out, d)
	}
	return out
}

type tallyDTO struct {
	Installed     int `json:"installed"`
	Required      int `json:"required"`
	NotApplicable int `json:"not_applicable"`
	Unknown       int `json:"unknown"`
}

type ciComplianceDTO struct {
	CIID                string       `json:"ci_id"`
	CIName              string       `json:"ci_name"`
	InventoryReportedAt *time.Time   `json:"inventory_reported_at"`
	Fresh               bool         `json:"fresh"`
	MaxInventoryAge     int64        `json:"max_inventory_age_seconds"`
	Items               []verdictDTO `json:"items"`
	NextCursor          string       `json:"next_cursor,omitempty"`
}

type updateComplianceDTO struct {
	UpdateID        string       `json:"update_id"`
	VendorID        string       `json:"vendor_id"`
	State           string       `json:"state"`
	MaxInventoryAge int64        `json:"max_inventory_age_seconds"`
	Tally           tallyDTO     `json:"tally"`
	Items           []verdictDTO `json:"items"`
	NextCursor      string       `json:"next_cursor,omitempty"`
}

// resultQuery reads the status filter, the cursor and the limit.
func resultQuery(c echo.Context) (catalog.ResultQuery, error) {
	var f errs.Fields
	q := catalog.ResultQuery{Limit: parseLimit(&f, c.QueryParam("limit"), 100, catalog.MaxListSize)}
	parseEnumParam(&f, c.QueryParam("status"), catalog.ParseStatus, &q.Status)
	if cur := c.QueryParam("cursor"); cur != "" {
		b, err := base64.RawURLEncoding.DecodeString(cur)
		if err != nil || len(b) == 0 {
			f.Add("cursor", "not a cursor returned by this list")
		}
		q.After = string(b)
	}
	return q, f.Err()
}

func (h handlers) ciCompliance(c echo.Context) error {
	q, err := resultQuery(c)
	if err != nil {
		return err
	}
	res, err := h.Catalog.CICompliance(c.Request().Context(), actorOf(c), c.Param("id"), q)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, ciComplianceDTO{CIID: res.Host.ID, CIName: res.Host.Name,
		InventoryReportedAt: res.Host.InventoryAt, Fresh: res.Fresh, MaxInventoryAge: int64(h.Catalog.InventoryMaxAge().Seconds()),
		Items: toVerdictDTOs(res.Items), NextCursor: res.NextCursor})
}

func (h handlers) updateCompliance(c echo.Context) error {
	q, err := resultQuery(c)
	if err != nil {
		return err
	}
	res, err := h.Catalog.UpdateCompliance(c.Request().Context(), actorOf(c), c.Param("id"), q)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, updateComplianceDTO{UpdateID: res.Update.ID, VendorID: res.Update.VendorID,
		State: string(res.Update.State), MaxInventoryAge: int64(h.Catalog.InventoryMaxAge().Seconds()),
		Tally: tallyDTO(res.Tally), Items: toVerdictDTOs(res.Items), NextCursor: res.NextCursor})
}

type draftRequest struct {
	UpdateIDs []string `json:"update_ids"`
	GroupID   string   `json:"group_id"`
	Title     string   `json:"title"`
	Reason    string   `json:"reason"`
}

func (h handlers) draftFromUpdates(c echo.Context) error {
	var in draftRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := h.Catalog.DraftFromUpdates(c.Request().Context(), actorOf(c), catalog.DraftInput(in))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/changes/"+r.ID)
	return h.rfcOut(c, http.StatusCreated, r)
}
