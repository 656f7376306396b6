package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/errs"
)

func (h handlers) rfcOut(c echo.Context, status int, r change.RFC) error {
	setETag(c, r.Version)
	return ok(c, status, toRFCDTO(r, h.Change.Actions(r, actorOf(c)), h.Change.Now()))
}

func (h handlers) createRFC(c echo.Context) error {
	var in createRFCRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	var f errs.Fields
	w := in.Window.window(&f, "window")
	if err := f.Err(); err != nil {
		return err
	}
	r, err := h.Change.CreateRFC(c.Request().Context(), actorOf(c), change.RFC{
		Title: in.Title, Description: in.Description, Reason: in.Reason, AffectedCIs: in.AffectedCIs,
		LinkedUpdates: in.LinkedUpdates, ReleaseID: in.ReleaseID, Window: w, ImplementationPlan: in.ImplementationPlan,
		BackoutPlan: in.BackoutPlan, TestPlan: in.TestPlan, TestEvidence: in.TestEvidence,
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/changes/"+r.ID)
	return h.rfcOut(c, http.StatusCreated, r)
}

func (h handlers) getRFC(c echo.Context) error {
	r, err := h.Change.GetRFC(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return h.rfcOut(c, http.StatusOK, r)
}

func (h handlers) listRFCs(c echo.Context) error {
	var f errs.Fields
	q := c.QueryParams()
	filter := change.RFCFilter{RequesterID: q.Get("requester"), CI: q.Get("ci"), Query: q.Get("q"),
		From: parseTime(&f, "from", q.Get("from")), To: parseTime(&f, "to", q.Get("to")),
		Limit: parseLimit(&f, q.Get("limit"), 50, change.MaxListSize)}
	parseEnumParam(&f, q.Get("state"), change.ParseState, &filter.State)
	parseEnumParam(&f, q.Get("category"), change.ParseCategory, &filter.Category)
	parseEnumParam(&f, q.Get("priority"), change.ParsePriority, &filter.Priority)
	switch q.Get("retro_review") {
	case "":
	case "overdue":
		now := h.Change.Now()
		filter.RetroOverdueAt = &now
	default:
		f.Add("retro_review", "the only value is overdue")
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
	rfcs, err := h.Change.ListRFCs(c.Request().Context(), actorOf(c), filter)
	if err != nil {
		return err
	}
	actor, now := actorOf(c), h.Change.Now()
	return ok(c, http.StatusOK, listOf(rfcs, func(r change.RFC) rfcDTO { return toRFCDTO(r, h.Change.Actions(r, actor), now) }))
}

// parseEnumParam parses an optional enum query parameter; the parser's
// error already names the field.
func parseEnumParam[T ~string](f *errs.Fields, v string, parse func(string) (T, error), dst *T) {
	if v == "" {
		return
	}
	t, err := parse(v)
	var e *errs.Error
	if err != nil && errors.As(err, &e) {
		*f = append(*f, e.Fields...)
		return
	}
	*dst = t
}

func (h handlers) patchRFC(c echo.Context) error {
	var raw map[string]json.RawMessage
	if err := decode(c, &raw); err != nil {
		return err
	}
	fields := make([]string, 0, len(raw))
	for k := range raw {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	var in patchRFCRequest
	body, _ := json.Marshal(raw)
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&in); err != nil {
		return decodeError(err)
	}
	if w, ok := raw["window"]; ok && string(w) != "null" {
		// The window is an object of its own: strict like every body.
		dec := json.NewDecoder(bytes.NewReader(w))
		dec.DisallowUnknownFields()
		if err := dec.Decode(new(windowDTO)); err != nil {
			return prefixField(decodeError(err), "window.")
		}
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var f errs.Fields
	p := change.RFCPatch{Fields: fields, Title: in.Title, Description: in.Description, Reason: in.Reason,
		AffectedCIs: in.AffectedCIs, LinkedUpdates: in.LinkedUpdates, ReleaseID: in.ReleaseID,
		Window: in.Window.window(&f, "window"), ImplementationPlan: in.ImplementationPlan, BackoutPlan: in.BackoutPlan,
		TestPlan: in.TestPlan, TestEvidence: in.TestEvidence, ReviewNotes: in.ReviewNotes, IfVersion: version}
	if in.CloseCode != nil {
		cc := change.CloseCode(*in.CloseCode)
		p.CloseCode = &cc
	}
	if err := f.Err(); err != nil {
		return err
	}
	r, err := h.Change.UpdateRFC(c.Request().Context(), actorOf(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	return h.rfcOut(c, http.StatusOK, r)
}

// prefixField puts prefix before the field names of an Invalid error.
func prefixField(err error, prefix string) error {
	var e *errs.Error
	if errors.As(err, &e) {
		for i := range e.Fields {
			e.Fields[i].Field = prefix + e.Fields[i].Field
		}
	}
	return err
}

func (h handlers) transitionRFC(c echo.Context) error {
	var in transitionRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	ev, err := change.ParseEvent(in.Event)
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var f errs.Fields
	ti := change.TransitionInput{Comment: in.Comment, Category: change.Category(in.Category),
		Priority: change.Priority(in.Priority), TemplateID: in.TemplateID, Window: in.Window.window(&f, "window"),
		CloseCode: change.CloseCode(in.CloseCode), ReviewNotes: in.ReviewNotes, OverrideReason: in.OverrideReason}
	if err := f.Err(); err != nil {
		return err
	}
	r, err := h.Change.Transition(c.Request().Context(), actorOf(c), c.Param("id"), ev, ti, version)
	if err != nil {
		return err
	}
	return h.rfcOut(c, http.StatusOK, r)
}

type retroReviewRequest struct {
	Notes string `json:"notes"`
}

func (h handlers) retroReview(c echo.Context) error {
	var in retroReviewRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	r, err := h.Change.RecordRetroReview(c.Request().Context(), actorOf(c), c.Param("id"), in.Notes, version)
	if err != nil {
		return err
	}
	return h.rfcOut(c, http.StatusOK, r)
}

func (h handlers) voteRFC(c echo.Context) error {
	var in voteRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	v, _, err := h.Change.Vote(c.Request().Context(), actorOf(c), c.Param("id"), change.VoteInput(in))
	if err != nil {
		return err
	}
	return ok(c, http.StatusCreated, toVoteDTO(v))
}

func (h handlers) listVotes(c echo.Context) error {
	votes, err := h.Change.Votes(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := listResponse[voteDTO]{Items: []voteDTO{}}
	for _, v := range votes {
		out.Items = append(out.Items, toVoteDTO(v))
	}
	return ok(c, http.StatusOK, out)
}

func (h handlers) rfcHistory(c echo.Context) error {
	var f errs.Fields
	limit := parseLimit(&f, c.QueryParam("limit"), 100, 500)
	after, err := decodeAuditCursor(c.QueryParam("cursor"))
	if err != nil {
		f.Add("cursor", "not a cursor returned by this list")
	}
	if err := f.Err(); err != nil {
		return err
	}
	events, err := h.Change.History(c.Request().Context(), actorOf(c), c.Param("id"), after, limit)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(events, toAuditEventDTO))
}

func (h handlers) myApprovals(c echo.Context) error {
	rfcs, err := h.Change.MyApprovals(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	out := listResponse[rfcDTO]{Items: []rfcDTO{}}
	actor, now := actorOf(c), h.Change.Now()
	for _, r := range rfcs {
		out.Items = append(out.Items, toRFCDTO(r, h.Change.Actions(r, actor), now))
	}
	return ok(c, http.StatusOK, out)
}

type transitionDTO struct {
	From  string `json:"from"`
	Event string `json:"event"`
	To    string `json:"to"`
}

type workflowDTO struct {
	Name        string          `json:"name"`
	Initial     string          `json:"initial"`
	States      []change.State  `json:"states"`
	Final       []change.State  `json:"final"`
	Events      []change.Event  `json:"events"`
	Transitions []transitionDTO `json:"transitions"`
	Mermaid     string          `json:"mermaid"`
}

func (h handlers) rfcWorkflow(c echo.Context) error {
	w := change.Workflow()
	out := workflowDTO{Name: "rfc", Initial: string(w.Initial), States: w.States, Final: w.Final, Events: w.Events,
		Transitions: []transitionDTO{}, Mermaid: change.Mermaid()}
	for _, t := range w.Transitions {
		out.Transitions = append(out.Transitions, transitionDTO{From: string(t.From), Event: string(t.Event), To: string(t.To)})
	}
	return ok(c, http.StatusOK, out)
}

type baselineItemDTO struct {
	CIID            string                    `json:"ci_id"`
	CIName          string                    `json:"ci_name"`
	BaselineVersion int64                     `json:"baseline_version"`
	CurrentVersion  int64                     `json:"current_version"`
	TakenAt         time.Time                 `json:"taken_at"`
	Changed         bool                      `json:"changed"`
	Changes         map[string]fieldChangeDTO `json:"changes"`
}

func (h handlers) rfcBaseline(c echo.Context) error {
	ctx, actor := c.Request().Context(), actorOf(c)
	_, items, err := h.Change.RFCBaseline(ctx, actor, c.Param("id"))
	if err != nil {
		return err
	}
	out := listResponse[baselineItemDTO]{Items: []baselineItemDTO{}}
	for _, it := range items {
		d := baselineItemDTO{CIID: it.CIID, CIName: it.CIName, BaselineVersion: it.BaselineVersion,
			CurrentVersion: it.CurrentVersion, TakenAt: it.TakenAt, Changed: len(it.Changes) > 0,
			Changes: make(map[string]fieldChangeDTO, len(it.Changes))}
		for k, ch := range it.Changes {
			d.Changes[k] = fieldChangeDTO(ch)
		}
		out.Items = append(out.Items, d)
	}
	return ok(c, http.StatusOK, out)
}
