package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/catalog"
)

type summaryCIsDTO struct {
	Total         int `json:"total"`
	WithInventory int `json:"with_inventory"`
	Fresh         int `json:"fresh"`
	Stale         int `json:"stale"`
}

type summaryUpdateDTO struct {
	UpdateID string `json:"update_id"`
	VendorID string `json:"vendor_id"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	State    string `json:"state"`
	tallyDTO
}

type summarySeverityDTO struct {
	Severity string `json:"severity"`
	Updates  int    `json:"updates"`
	tallyDTO
}

type summaryGroupDTO struct {
	GroupID      string `json:"group_id"`
	Name         string `json:"name"`
	CIs          int    `json:"cis"`
	Compliant    int    `json:"compliant"`
	NonCompliant int    `json:"non_compliant"`
	UnknownCIs   int    `json:"unknown_cis"`
	Installed    int    `json:"installed"`
	Required     int    `json:"required"`
	Unknown      int    `json:"unknown"`
}

type summaryDTO struct {
	GeneratedAt     time.Time            `json:"generated_at"`
	MaxInventoryAge int64                `json:"max_inventory_age_seconds"`
	CIs             summaryCIsDTO        `json:"cis"`
	ByUpdate        []summaryUpdateDTO   `json:"by_update"`
	BySeverity      []summarySeverityDTO `json:"by_severity"`
	ByGroup         []summaryGroupDTO    `json:"by_group"`
}

func toSummaryDTO(s catalog.Summary) summaryDTO {
	d := summaryDTO{GeneratedAt: s.GeneratedAt, MaxInventoryAge: int64(s.MaxAge.Seconds()),
		CIs:      summaryCIsDTO{Total: s.CIs, WithInventory: s.WithInventory, Fresh: s.WithInventory - s.Stale, Stale: s.Stale},
		ByUpdate: []summaryUpdateDTO{}, BySeverity: []summarySeverityDTO{}, ByGroup: []summaryGroupDTO{}}
	for _, u := range s.ByUpdate {
		d.ByUpdate = append(d.ByUpdate, summaryUpdateDTO{UpdateID: u.UpdateID, VendorID: u.VendorID, Title: u.Title,
			Severity: string(u.Severity), State: string(u.State), tallyDTO: tallyDTO(u.Tally)})
	}
	for _, v := range s.BySeverity {
		d.BySeverity = append(d.BySeverity, summarySeverityDTO{Severity: string(v.Severity), Updates: v.Updates, tallyDTO: tallyDTO(v.Tally)})
	}
	for _, g := range s.ByGroup {
		d.ByGroup = append(d.ByGroup, summaryGroupDTO{GroupID: g.ID, Name: g.Name, CIs: g.CIs, Compliant: g.Compliant,
			NonCompliant: g.NonCompliant, UnknownCIs: g.UnknownCIs, Installed: g.Installed, Required: g.Required, Unknown: g.Unknown})
	}
	return d
}

func (h handlers) complianceSummary(c echo.Context) error {
	s, err := h.Catalog.ComplianceSummary(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, toSummaryDTO(s))
}
