package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
)

type boardRequest struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Members []string `json:"members"`
	Quorum  int      `json:"quorum"`
	Rule    string   `json:"rule"`
}

func (h handlers) createBoard(c echo.Context) error {
	var in boardRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	b, err := h.Change.CreateBoard(c.Request().Context(), actorOf(c), change.Board{Name: in.Name,
		Kind: change.BoardKind(in.Kind), Members: in.Members, Quorum: in.Quorum, Rule: change.Rule(in.Rule)})
	if err != nil {
		return err
	}
	setETag(c, b.Version)
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/boards/"+b.ID)
	return ok(c, http.StatusCreated, toBoardDTO(b))
}

type boardPatchRequest struct {
	Name    *string   `json:"name"`
	Members *[]string `json:"members"`
	Quorum  *int      `json:"quorum"`
	Rule    *string   `json:"rule"`
}

func (h handlers) updateBoard(c echo.Context) error {
	var in boardPatchRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	p := change.BoardPatch{Name: in.Name, Members: in.Members, Quorum: in.Quorum, IfVersion: version}
	if in.Rule != nil {
		r := change.Rule(*in.Rule)
		p.Rule = &r
	}
	b, err := h.Change.UpdateBoard(c.Request().Context(), actorOf(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	setETag(c, b.Version)
	return ok(c, http.StatusOK, toBoardDTO(b))
}

func (h handlers) getBoard(c echo.Context) error {
	b, err := h.Change.GetBoard(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	setETag(c, b.Version)
	return ok(c, http.StatusOK, toBoardDTO(b))
}

func (h handlers) listBoards(c echo.Context) error {
	boards, err := h.Change.ListBoards(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	out := listResponse[boardDTO]{Items: []boardDTO{}}
	for _, b := range boards {
		out.Items = append(out.Items, toBoardDTO(b))
	}
	return ok(c, http.StatusOK, out)
}

type templateRequest struct {
	Title              string `json:"title"`
	Description        string `json:"description"`
	ImplementationPlan string `json:"implementation_plan"`
	BackoutPlan        string `json:"backout_plan"`
}

func (h handlers) createTemplate(c echo.Context) error {
	var in templateRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := h.Change.CreateTemplate(c.Request().Context(), actorOf(c), change.Template{Title: in.Title,
		Description: in.Description, ImplementationPlan: in.ImplementationPlan, BackoutPlan: in.BackoutPlan})
	if err != nil {
		return err
	}
	setETag(c, t.Version)
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/change-templates/"+t.ID)
	return ok(c, http.StatusCreated, toTemplateDTO(t))
}

func (h handlers) approveTemplate(c echo.Context) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	t, err := h.Change.ApproveTemplate(c.Request().Context(), actorOf(c), c.Param("id"), version)
	if err != nil {
		return err
	}
	setETag(c, t.Version)
	return ok(c, http.StatusOK, toTemplateDTO(t))
}

func (h handlers) getTemplate(c echo.Context) error {
	t, err := h.Change.GetTemplate(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	setETag(c, t.Version)
	return ok(c, http.StatusOK, toTemplateDTO(t))
}

func (h handlers) listTemplates(c echo.Context) error {
	ts, err := h.Change.ListTemplates(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	out := listResponse[templateDTO]{Items: []templateDTO{}}
	for _, t := range ts {
		out.Items = append(out.Items, toTemplateDTO(t))
	}
	return ok(c, http.StatusOK, out)
}

type meetingRequest struct {
	BoardID  string `json:"board_id"`
	Title    string `json:"title"`
	StartsAt string `json:"starts_at"`
}

func (h handlers) createMeeting(c echo.Context) error {
	var in meetingRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	var f errs.Fields
	nm := change.NewMeeting{BoardID: in.BoardID, Title: in.Title}
	if t := parseTime(&f, "starts_at", in.StartsAt); t != nil {
		nm.StartsAt = *t
	}
	if err := f.Err(); err != nil {
		return err
	}
	m, err := h.Change.CreateMeeting(c.Request().Context(), actorOf(c), nm)
	if err != nil {
		return err
	}
	setETag(c, m.Version)
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/cab-meetings/"+m.ID)
	return ok(c, http.StatusCreated, toMeetingDTO(m))
}

func (h handlers) getMeeting(c echo.Context) error {
	m, err := h.Change.GetMeeting(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	setETag(c, m.Version)
	return ok(c, http.StatusOK, toMeetingDTO(m))
}

func (h handlers) listMeetings(c echo.Context) error {
	var f errs.Fields
	limit := parseLimit(&f, c.QueryParam("limit"), 50, change.MaxListSize)
	after := parseTime(&f, "after", c.QueryParam("after"))
	if err := f.Err(); err != nil {
		return err
	}
	ms, err := h.Change.ListMeetings(c.Request().Context(), actorOf(c), after, limit)
	if err != nil {
		return err
	}
	out := listResponse[meetingDTO]{Items: []meetingDTO{}}
	for _, m := range ms {
		out.Items = append(out.Items, toMeetingDTO(m))
	}
	return ok(c, http.StatusOK, out)
}

type attendanceRequest struct {
	Attendees []string `json:"attendees"`
}

func (h handlers) meetingAttendance(c echo.Context) error {
	var in attendanceRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	m, err := h.Change.RecordAttendance(c.Request().Context(), actorOf(c), c.Param("id"), in.Attendees, version)
	if err != nil {
		return err
	}
	setETag(c, m.Version)
	return ok(c, http.StatusOK, toMeetingDTO(m))
}

func (h handlers) closeMeeting(c echo.Context) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	m, err := h.Change.CloseMeeting(c.Request().Context(), actorOf(c), c.Param("id"), version)
	if err != nil {
		return err
	}
	setETag(c, m.Version)
	return ok(c, http.StatusOK, toMeetingDTO(m))
}
