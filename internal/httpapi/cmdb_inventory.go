package httpapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/errs"
)

func (h handlers) reportInventory(c echo.Context) error {
	var in inventoryRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	var f errs.Fields
	r := cmdb.Report{Packages: make([]cmdb.Package, len(in.Packages))}
	if t := parseTime(&f, "reported_at", in.ReportedAt); t != nil {
		r.ReportedAt = *t
	}
	if in.Packages == nil {
		f.Add("packages", "is required (an empty array for none)")
	}
	if err := f.Err(); err != nil {
		return err
	}
	for i, p := range in.Packages {
		r.Packages[i] = cmdb.Package{Kind: p.Kind, Name: p.Name, Version: p.Version, Architecture: p.Architecture}
	}
	res, err := h.CMDB.ReportInventory(c.Request().Context(), actorOf(c), c.Param("id"), r)
	if err != nil {
		return err
	}
	out := inventoryReportDTO{inventoryDTO: toInventoryDTO(res.CI, res.Inventory, res.PackageCount, h.CMDB.Now()),
		First: res.First, Unchanged: res.Unchanged, Diff: toPackageDiffDTO(res.Diff)}
	return ok(c, http.StatusOK, out)
}

func (h handlers) getInventory(c echo.Context) error {
	ci, inv, err := h.CMDB.GetInventory(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := inventoryReadDTO{inventoryDTO: toInventoryDTO(ci, inv, len(inv.Packages), h.CMDB.Now()),
		Packages: toPackageDTOs(inv.Packages)}
	return ok(c, http.StatusOK, out)
}

func (h handlers) ciHistory(c echo.Context) error {
	var f errs.Fields
	limit := parseLimit(&f, c.QueryParam("limit"), 100, 500)
	var after int64
	if cur := c.QueryParam("cursor"); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n < 1 {
			f.Add("cursor", "not a cursor returned by this list")
		}
		after = n
	}
	if err := f.Err(); err != nil {
		return err
	}
	versions, err := h.CMDB.History(c.Request().Context(), actorOf(c), c.Param("id"), after, limit)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(versions, toCIVersionDTO))
}
