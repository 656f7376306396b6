package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/schedule"
)

// scheduleRoutes registers the calendar's routes: windows, occurrences,
// conflicts, the forward schedule and its iCalendar feed.
func (h handlers) scheduleRoutes(e *echo.Echo, v1 *echo.Group) {
	v1.GET("/windows", h.listWindows)
	v1.POST("/windows", h.createWindow, h.idempotent)
	v1.GET("/windows/:id", h.getWindow)
	v1.PATCH("/windows/:id", h.patchWindow)
	v1.DELETE("/windows/:id", h.deleteWindow)
	v1.GET("/windows/:id/occurrences", h.windowOccurrences)
	v1.GET("/cis/:id/windows", h.ciWindows)
	v1.GET("/changes/:id/conflicts", h.rfcConflicts)
	v1.GET("/windows.ics", h.exportWindows)
	v1.POST("/windows/import", h.importWindows)
	v1.GET("/schedule", h.forwardSchedule)
	v1.GET("/schedule/next-slot", h.nextSlot)
	v1.GET("/feed-tokens", h.listFeedTokens)
	v1.POST("/feed-tokens", h.createFeedToken)
	v1.DELETE("/feed-tokens/:id", h.revokeFeedToken)
	// Calendar clients send no Authorization header: the feed is read with
	// a feed token in the URL, outside the bearer authentication.
	e.GET("/api/v1/schedule.ics", h.scheduleFeed)
}

func itoa(i int) string { return strconv.Itoa(i) }

// parseRange reads the from and to of a calendar query; absent ones are
// zero, which the use case refuses after it has checked the caller.
func parseRange(c echo.Context) (time.Time, time.Time, error) {
	var f errs.Fields
	from, to := parseTime(&f, "from", c.QueryParam("from")), parseTime(&f, "to", c.QueryParam("to"))
	if err := f.Err(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	var fv, tv time.Time
	if from != nil {
		fv = *from
	}
	if to != nil {
		tv = *to
	}
	return fv, tv, nil
}

func (h handlers) windowOut(c echo.Context, status int, w schedule.Window) error {
	setETag(c, w.Version)
	return ok(c, status, toWindowRecordDTO(w))
}

func (h handlers) createWindow(c echo.Context) error {
	var in windowRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	w, err := h.Schedule.CreateWindow(c.Request().Context(), actorOf(c), in.input())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/windows/"+w.ID)
	return h.windowOut(c, http.StatusCreated, w)
}

func (h handlers) getWindow(c echo.Context) error {
	w, err := h.Schedule.GetWindow(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return h.windowOut(c, http.StatusOK, w)
}

func (h handlers) patchWindow(c echo.Context) error {
	var in windowPatchRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	p := schedule.WindowPatch{Name: in.Name, Description: in.Description, Kind: in.Kind, TimeZone: in.TimeZone,
		Start: in.Start, End: in.End, DurationMinutes: in.DurationMinutes, RRule: in.RRule, ExDates: in.ExDates,
		RDates: in.RDates, IfVersion: version}
	if in.Scope != nil {
		sc := in.Scope.scope()
		p.Scope = &sc
	}
	w, err := h.Schedule.UpdateWindow(c.Request().Context(), actorOf(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	return h.windowOut(c, http.StatusOK, w)
}

func (h handlers) deleteWindow(c echo.Context) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := h.Schedule.DeleteWindow(c.Request().Context(), actorOf(c), c.Param("id"), version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h handlers) listWindows(c echo.Context) error {
	var f errs.Fields
	limit := parseLimit(&f, c.QueryParam("limit"), 50, schedule.MaxListSize)
	after := decodeNameCursor(&f, c.QueryParam("cursor"))
	filter := schedule.WindowFilter{AfterName: after, Limit: limit}
	if k := c.QueryParam("kind"); k != "" {
		kind, err := schedule.ParseKind(k)
		if err != nil {
			f.Add("kind", "must be blackout or maintenance")
		}
		filter.Kind = kind
	}
	if err := f.Err(); err != nil {
		return err
	}
	ws, err := h.Schedule.ListWindows(c.Request().Context(), actorOf(c), filter)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(ws, toWindowRecordDTO))
}

func (h handlers) windowOccurrences(c echo.Context) error {
	from, to, err := parseRange(c)
	if err != nil {
		return err
	}
	w, occ, err := h.Schedule.WindowOccurrences(c.Request().Context(), actorOf(c), c.Param("id"), from, to)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, map[string]any{"items": toOccurrenceDTOs(occ, w.TimeZone)})
}

type appliedWindowDTO struct {
	Window      windowRecordDTO `json:"window"`
	Occurrences []occurrenceDTO `json:"occurrences"`
}

func (h handlers) ciWindows(c echo.Context) error {
	from, to, err := parseRange(c)
	if err != nil {
		return err
	}
	ws, err := h.Schedule.CIWindows(c.Request().Context(), actorOf(c), c.Param("id"), from, to)
	if err != nil {
		return err
	}
	out := make([]appliedWindowDTO, 0, len(ws))
	for _, a := range ws {
		out = append(out, appliedWindowDTO{Window: toWindowRecordDTO(a.Window), Occurrences: toOccurrenceDTOs(a.Occurrences, a.Window.TimeZone)})
	}
	return ok(c, http.StatusOK, map[string]any{"items": out})
}

func (h handlers) rfcConflicts(c echo.Context) error {
	var f errs.Fields
	depth := schedule.DefaultImpactDepth
	if v := c.QueryParam("depth"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > schedule.MaxImpactDepth {
			f.Add("depth", "must be a whole number from 0 to "+itoa(schedule.MaxImpactDepth))
		}
		depth = n
	}
	if err := f.Err(); err != nil {
		return err
	}
	r, cs, err := h.Schedule.RFCConflicts(c.Request().Context(), actorOf(c), c.Param("id"), depth)
	if err != nil {
		return err
	}
	blocking := false
	for _, x := range cs {
		blocking = blocking || x.Blocking
	}
	return ok(c, http.StatusOK, map[string]any{"rfc_id": r.ID, "window": toWindowOut(r.Window), "depth": depth,
		"blocking": blocking, "items": toConflictDTOs(cs)})
}
