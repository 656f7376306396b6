package httpapi

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/page"
	"github.com/changeboard/changeboard/internal/schedule"
)

const calendarType = "text/calendar; charset=utf-8"

type entryDTO struct {
	Kind      string    `json:"kind"`
	ID        string    `json:"id"`
	UID       string    `json:"uid"`
	Title     string    `json:"title"`
	Ref       string    `json:"ref,omitempty"`
	State     string    `json:"state,omitempty"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	TimeZone  string    `json:"time_zone"`
	CIs       []string  `json:"cis"`
	Sequence  int64     `json:"sequence"`
	Cancelled bool      `json:"cancelled"`
}

func toEntryDTO(e schedule.Entry) entryDTO {
	return entryDTO{Kind: string(e.Kind), ID: e.ID, UID: e.UID, Title: e.Title, Ref: e.Ref, State: e.State,
		Start: e.Start.UTC(), End: e.End.UTC(), TimeZone: e.TimeZone, CIs: nonNilStrings(e.CIs), Sequence: e.Sequence,
		Cancelled: e.Cancelled}
}

func (h handlers) forwardSchedule(c echo.Context) error {
	from, to, err := parseRange(c)
	if err != nil {
		return err
	}
	var f errs.Fields
	filter := schedule.ScheduleFilter{From: from, To: to, CI: c.QueryParam("ci"), Group: c.QueryParam("group"),
		Limit: parseLimit(&f, c.QueryParam("limit"), 100, schedule.MaxListSize), After: c.QueryParam("cursor")}
	if st := c.QueryParam("state"); st != "" {
		for _, v := range strings.Split(st, ",") {
			state, err := change.ParseState(v)
			if err != nil {
				f.Add("state", "must be RFC states separated by commas")
				break
			}
			filter.States = append(filter.States, state)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	p, err := h.Schedule.ForwardSchedule(c.Request().Context(), actorOf(c), filter)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(p, toEntryDTO))
}

func (h handlers) scheduleFeed(c echo.Context) error {
	body, err := h.Schedule.Feed(c.Request().Context(), c.QueryParam("token"))
	if err != nil {
		return err
	}
	// The token is in the URL: keep the answer out of shared caches.
	c.Response().Header().Set("Cache-Control", "private, max-age=300")
	return c.Blob(http.StatusOK, calendarType, []byte(body))
}

func (h handlers) exportWindows(c echo.Context) error {
	body, err := h.Schedule.ExportWindowsICS(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, calendarType, []byte(body))
}

// importWindows reads a text/calendar body; kind and the scope query
// parameters (all, environment, group) are the defaults of events without
// Changeboard's own properties.
func (h handlers) importWindows(c echo.Context) error {
	var def schedule.ImportDefaults
	if k := c.QueryParam("kind"); k != "" {
		def.Kind = schedule.Kind(k)
	}
	def.Scope.All = c.QueryParam("all") == "true"
	if e := c.QueryParam("environment"); e != "" {
		def.Scope.Environments = []string{e}
	}
	if g := c.QueryParam("group"); g != "" {
		def.Scope.Groups = []string{g}
	}
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if !strings.HasPrefix(ct, "text/calendar") {
		// The guard first: a caller who may not import learns nothing.
		if _, err := h.Schedule.ImportWindowsICS(c.Request().Context(), actorOf(c), strings.NewReader(""), def); errs.Is(err, errs.Forbidden) {
			return err
		}
		return errs.Field("Content-Type", "must be text/calendar")
	}
	ws, err := h.Schedule.ImportWindowsICS(c.Request().Context(), actorOf(c), io.LimitReader(c.Request().Body, 1<<20), def)
	if err != nil {
		return err
	}
	return ok(c, http.StatusCreated, listOf(page.Page[schedule.Window]{Items: ws}, toWindowRecordDTO))
}

type feedTokenDTO struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	// Token and URL are shown once, when the token is made.
	Token string `json:"token,omitempty"`
	URL   string `json:"url,omitempty"`
}

func toFeedTokenDTO(t schedule.FeedToken) feedTokenDTO {
	return feedTokenDTO{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, RevokedAt: t.RevokedAt}
}

func (h handlers) createFeedToken(c echo.Context) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	t, secret, err := h.Schedule.CreateFeedToken(c.Request().Context(), actorOf(c), in.Name)
	if err != nil {
		return err
	}
	d := toFeedTokenDTO(t)
	d.Token, d.URL = secret, "/api/v1/schedule.ics?token="+secret
	return ok(c, http.StatusCreated, d)
}

func (h handlers) listFeedTokens(c echo.Context) error {
	ts, err := h.Schedule.ListFeedTokens(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(page.Page[schedule.FeedToken]{Items: ts}, toFeedTokenDTO))
}

func (h handlers) revokeFeedToken(c echo.Context) error {
	if err := h.Schedule.RevokeFeedToken(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h handlers) nextSlot(c echo.Context) error {
	var f errs.Fields
	q := schedule.SlotQuery{Group: c.QueryParam("group")}
	if ci := c.QueryParam("ci"); ci != "" {
		q.CIs = strings.Split(ci, ",")
	}
	if d := c.QueryParam("duration"); d != "" {
		dur, err := time.ParseDuration(d)
		if err != nil {
			f.Add("duration", "must be a duration such as 2h or 90m")
		}
		q.Duration = dur
	}
	if a := parseTime(&f, "after", c.QueryParam("after")); a != nil {
		q.After = *a
	}
	if err := f.Err(); err != nil {
		return err
	}
	start, end, err := h.Schedule.NextSlot(c.Request().Context(), actorOf(c), q)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, map[string]any{"start": start.UTC(), "end": end.UTC()})
}
