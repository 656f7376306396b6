package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/release"
)

// deploymentRoutes serves deployments, their targets and the agents' work.
func (h handlers) deploymentRoutes(g *echo.Group) {
	g.GET("/releases/:id/deployments", h.listDeployments)
	g.POST("/releases/:id/deployments", h.createDeployment, h.idempotent)
	g.GET("/deployments/:id", h.getDeployment)
	g.POST("/deployments/:id/operations", h.operateDeployment)
	g.GET("/deployments/:id/targets", h.listDeploymentTargets)
	g.POST("/deployments/:id/targets/:ci/report", h.reportDeploymentTarget)
	g.GET("/agents/work", h.agentWork)
	g.GET("/cis/:id/deployments", h.ciDeployments)
}

type waveRequest struct {
	Name            string   `json:"name"`
	Start           string   `json:"start"`
	End             string   `json:"end"`
	MaxFailedShare  float64  `json:"max_failed_share"`
	RequirePrevious *bool    `json:"require_previous"`
	CIs             []string `json:"cis"`
	Groups          []string `json:"groups"`
	Environments    []string `json:"environments"`
}

type deploymentRequest struct {
	Waves  []waveRequest `json:"waves"`
	Reason string        `json:"reason"`
}

type countsDTO map[string]int

func toCountsDTO(c release.Counts) countsDTO {
	out := countsDTO{}
	for _, s := range release.TargetStates() {
		out[string(s)] = c[s]
	}
	return out
}

type waveDTO struct {
	Number          int        `json:"number"`
	Name            string     `json:"name"`
	Start           time.Time  `json:"start"`
	End             time.Time  `json:"end"`
	MaxFailedShare  float64    `json:"max_failed_share"`
	RequirePrevious bool       `json:"require_previous"`
	State           string     `json:"state"`
	OpenedAt        *time.Time `json:"opened_at"`
	ClosedAt        *time.Time `json:"closed_at"`
	Counts          countsDTO  `json:"counts"`
}

type progressDTO struct {
	Counts  countsDTO  `json:"counts"`
	Total   int        `json:"total"`
	Percent float64    `json:"percent"`
	ETA     *time.Time `json:"eta"`
}

type deploymentDTO struct {
	ID             string        `json:"id"`
	ReleaseID      string        `json:"release_id"`
	State          string        `json:"state"`
	Mode           string        `json:"mode"`
	Emergency      bool          `json:"emergency"`
	Packages       []itemDTO     `json:"packages"`
	Commands       []commandsDTO `json:"commands"`
	UpdateIDs      []string      `json:"update_ids"`
	CreatedBy      string        `json:"created_by"`
	RollbackReason string        `json:"rollback_reason"`
	Waves          []waveDTO     `json:"waves"`
	Progress       progressDTO   `json:"progress"`
	Version        int64         `json:"version"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	FinishedAt     *time.Time    `json:"finished_at"`
}

func toDeploymentDTO(v release.DeploymentView) deploymentDTO {
	d := v.Deployment
	out := deploymentDTO{ID: d.ID, ReleaseID: d.ReleaseID, State: string(d.State), Mode: string(d.Mode), Emergency: d.Emergency,
		Packages: toItemDTOs(d.Packages), Commands: toCommandsDTOs(d.Commands), UpdateIDs: nonNilStrings(d.UpdateIDs),
		CreatedBy: d.CreatedBy, RollbackReason: d.RollbackReason, Waves: []waveDTO{}, Version: d.Version,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, FinishedAt: d.FinishedAt,
		Progress: progressDTO{Counts: toCountsDTO(v.Progress.Total), Total: v.Progress.Total.Total(),
			Percent: v.Progress.Percent, ETA: v.Progress.ETA}}
	for _, w := range d.Waves {
		out.Waves = append(out.Waves, waveDTO{Number: w.Number, Name: w.Name, Start: w.Start, End: w.End,
			MaxFailedShare: w.MaxFailedShare, RequirePrevious: w.RequirePrevious, State: string(w.State),
			OpenedAt: w.OpenedAt, ClosedAt: w.ClosedAt, Counts: toCountsDTO(v.Progress.Waves[w.Number])})
	}
	return out
}

func (h handlers) createDeployment(c echo.Context) error {
	var in deploymentRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	var f errs.Fields
	di := release.DeploymentInput{Reason: in.Reason}
	for i, w := range in.Waves {
		p := "waves[" + strconv.Itoa(i) + "]"
		wi := release.WaveInput{Name: w.Name, MaxFailedShare: w.MaxFailedShare, RequirePrevious: true,
			CIs: w.CIs, Groups: w.Groups, Environments: w.Environments}
		if w.RequirePrevious != nil {
			wi.RequirePrevious = *w.RequirePrevious
		}
		if t := parseTime(&f, p+".start", w.Start); t != nil {
			wi.Start = *t
		}
		if t := parseTime(&f, p+".end", w.End); t != nil {
			wi.End = *t
		}
		di.Waves = append(di.Waves, wi)
	}
	if err := f.Err(); err != nil {
		return err
	}
	d, err := h.Release.CreateDeployment(c.Request().Context(), actorOf(c), c.Param("id"), di)
	if err != nil {
		return err
	}
	v, err := h.Release.GetDeployment(c.Request().Context(), actorOf(c), d.ID)
	if err != nil {
		return err
	}
	setETag(c, v.Deployment.Version)
	return ok(c, http.StatusCreated, toDeploymentDTO(v))
}

func (h handlers) listDeployments(c echo.Context) error {
	vs, err := h.Release.ListDeployments(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := listResponse[deploymentDTO]{Items: []deploymentDTO{}}
	for _, v := range vs {
		out.Items = append(out.Items, toDeploymentDTO(v))
	}
	return ok(c, http.StatusOK, out)
}

func (h handlers) getDeployment(c echo.Context) error {
	v, err := h.Release.GetDeployment(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	setETag(c, v.Deployment.Version)
	return ok(c, http.StatusOK, toDeploymentDTO(v))
}

type operationRequest struct {
	Operation string `json:"operation"`
	Reason    string `json:"reason"`
}

func (h handlers) operateDeployment(c echo.Context) error {
	var in operationRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	d, err := h.Release.Operate(c.Request().Context(), actorOf(c), c.Param("id"), release.Operation(in.Operation), in.Reason)
	if err != nil {
		return err
	}
	v, err := h.Release.GetDeployment(c.Request().Context(), actorOf(c), d.ID)
	if err != nil {
		return err
	}
	setETag(c, v.Deployment.Version)
	return ok(c, http.StatusOK, toDeploymentDTO(v))
}

type targetDTO struct {
	DeploymentID  string     `json:"deployment_id"`
	CIID          string     `json:"ci_id"`
	CIName        string     `json:"ci_name"`
	RFCID         string     `json:"rfc_id"`
	Wave          int        `json:"wave"`
	Status        string     `json:"status"`
	Attempt       int        `json:"attempt"`
	RebootPending bool       `json:"reboot_pending"`
	ExitCode      *int       `json:"exit_code"`
	Output        string     `json:"output"`
	StartedAt     *time.Time `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at"`
	Version       int64      `json:"version"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

func toTargetDTO(t release.Target) targetDTO {
	return targetDTO{DeploymentID: t.DeploymentID, CIID: t.CIID, CIName: t.CIName, RFCID: t.RFCID, Wave: t.Wave,
		Status: string(t.State), Attempt: t.Attempt, RebootPending: t.RebootPending, ExitCode: t.ExitCode,
		Output: t.Output, StartedAt: t.StartedAt, FinishedAt: t.FinishedAt, Version: t.Version, UpdatedAt: t.UpdatedAt}
}

func (h handlers) listDeploymentTargets(c echo.Context) error {
	var f errs.Fields
	q := c.QueryParams()
	filter := release.TargetFilter{DeploymentID: c.Param("id"), Limit: parseLimit(&f, q.Get("limit"), 50, release.MaxListSize),
		AfterCIID: decodeNameCursor(&f, q.Get("cursor"))}
	if s := q.Get("status"); s != "" {
		st, err := release.ParseTargetState(s)
		if err != nil {
			f.Add("status", "must be one of "+release.JoinTargetStates())
		}
		filter.States = []release.TargetState{st}
	}
	if w := q.Get("wave"); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 {
			f.Add("wave", "must be a wave number from 1")
		}
		filter.Wave = n
	}
	if err := f.Err(); err != nil {
		return err
	}
	p, err := h.Release.ListTargets(c.Request().Context(), actorOf(c), filter)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(p, toTargetDTO))
}

type reportRequest struct {
	ReportID      string `json:"report_id"`
	Status        string `json:"status"`
	ExitCode      *int   `json:"exit_code"`
	RebootPending bool   `json:"reboot_pending"`
	Output        string `json:"output"`
	StartedAt     string `json:"started_at"`
	FinishedAt    string `json:"finished_at"`
}

func (h handlers) reportDeploymentTarget(c echo.Context) error {
	var in reportRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	var f errs.Fields
	r := release.Report{ID: in.ReportID, Status: release.ReportStatus(in.Status), ExitCode: in.ExitCode,
		RebootPending: in.RebootPending, Output: in.Output,
		StartedAt: parseTime(&f, "started_at", in.StartedAt), FinishedAt: parseTime(&f, "finished_at", in.FinishedAt)}
	if err := f.Err(); err != nil {
		return err
	}
	res, err := h.Release.ReportTarget(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("ci"), r)
	if err != nil {
		return err
	}
	if res.Replay {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return ok(c, http.StatusOK, toTargetDTO(res.Target))
}

type assignmentDTO struct {
	DeploymentID   string   `json:"deployment_id"`
	ReleaseID      string   `json:"release_id"`
	CIID           string   `json:"ci_id"`
	CIName         string   `json:"ci_name"`
	Wave           int      `json:"wave"`
	Mode           string   `json:"mode"`
	Attempt        int      `json:"attempt"`
	Argv           []string `json:"argv"`
	Packages       []string `json:"packages"`
	TimeoutSeconds int      `json:"timeout_seconds"`
	ReportPath     string   `json:"report_path"`
}

func (h handlers) agentWork(c echo.Context) error {
	work, err := h.Release.Work(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	out := listResponse[assignmentDTO]{Items: []assignmentDTO{}}
	for _, a := range work {
		out.Items = append(out.Items, assignmentDTO{DeploymentID: a.DeploymentID, ReleaseID: a.ReleaseID, CIID: a.CIID,
			CIName: a.CIName, Wave: a.Wave, Mode: string(a.Mode), Attempt: a.Attempt, Argv: a.Argv,
			Packages: nonNilStrings(a.Packages), TimeoutSeconds: int(a.Timeout.Seconds()),
			ReportPath: "/api/v1/deployments/" + a.DeploymentID + "/targets/" + a.CIID + "/report"})
	}
	return ok(c, http.StatusOK, out)
}

type ciDeploymentDTO struct {
	targetDTO
	ReleaseID   string    `json:"release_id"`
	ReleaseName string    `json:"release_name"`
	Mode        string    `json:"mode"`
	CreatedAt   time.Time `json:"created_at"`
}

func (h handlers) ciDeployments(c echo.Context) error {
	var f errs.Fields
	limit := parseLimit(&f, c.QueryParam("limit"), 50, release.MaxListSize)
	cursor := decodeNameCursor(&f, c.QueryParam("cursor"))
	if err := f.Err(); err != nil {
		return err
	}
	p, err := h.Release.CIDeployments(c.Request().Context(), actorOf(c), c.Param("id"), cursor, limit)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, listOf(p, func(d release.CIDeployment) ciDeploymentDTO {
		return ciDeploymentDTO{targetDTO: toTargetDTO(d.Target), ReleaseID: d.ReleaseID, ReleaseName: d.ReleaseName,
			Mode: string(d.Mode), CreatedAt: d.CreatedAt}
	}))
}
