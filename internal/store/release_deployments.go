package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/release"
)

// The transaction implements release.DeploymentRepository (checked by the compiler).
var _ release.DeploymentRepository = (*Tx)(nil)

type deploymentRow struct {
	ID             string
	ReleaseID      string
	State          string
	Mode           string
	Emergency      bool
	Packages       string
	Commands       string
	UpdateIDs      string `gorm:"column:update_ids"`
	CreatedBy      string
	RollbackReason string
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	FinishedAt     *time.Time
}

func (deploymentRow) TableName() string { return "deployments" }

type waveRow struct {
	DeploymentID    string
	Number          int
	Name            string
	StartsAt        time.Time
	EndsAt          time.Time
	MaxFailedShare  float64
	RequirePrevious bool
	State           string
	OpenedAt        *time.Time
	ClosedAt        *time.Time
}

func (waveRow) TableName() string { return "deployment_waves" }

type deploymentTargetRow struct {
	DeploymentID  string
	CIID          string `gorm:"column:ci_id"`
	CIName        string `gorm:"column:ci_name"`
	Platform      string
	RFCID         string `gorm:"column:rfc_id"`
	Wave          int
	State         string
	Attempt       int
	RebootPending bool
	ExitCode      *int
	Output        string
	StartedAt     *time.Time
	FinishedAt    *time.Time
	Version       int64
	UpdatedAt     time.Time
}

func (deploymentTargetRow) TableName() string { return "deployment_targets" }

func toDeploymentRow(d release.Deployment) deploymentRow {
	return deploymentRow{ID: d.ID, ReleaseID: d.ReleaseID, State: string(d.State), Mode: string(d.Mode),
		Emergency: d.Emergency, Packages: itemsJSON(d.Packages), Commands: commandsToJSON(d.Commands),
		UpdateIDs: mustJSON(nonNil(d.UpdateIDs)), CreatedBy: d.CreatedBy, RollbackReason: d.RollbackReason,
		Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), FinishedAt: utcPtr(d.FinishedAt)}
}

func (row deploymentRow) deployment() (release.Deployment, error) {
	d := release.Deployment{ID: row.ID, ReleaseID: row.ReleaseID, State: release.DeploymentState(row.State),
		Mode: release.Mode(row.Mode), Emergency: row.Emergency, CreatedBy: row.CreatedBy,
		RollbackReason: row.RollbackReason, Version: row.Version, CreatedAt: row.CreatedAt.UTC(),
		UpdatedAt: row.UpdatedAt.UTC(), FinishedAt: utcPtr(row.FinishedAt)}
	var err error
	if d.Packages, err = parseItems(row.Packages); err == nil {
		if d.Commands, err = parseCommands(row.Commands); err == nil {
			err = json.Unmarshal([]byte(row.UpdateIDs), &d.UpdateIDs)
		}
	}
	if err != nil {
		return d, errs.Wrap(errs.Internal, err, "stored deployment "+row.ID+" is malformed")
	}
	return d, nil
}

func toWaveRow(id string, w release.Wave) waveRow {
	return waveRow{DeploymentID: id, Number: w.Number, Name: w.Name, StartsAt: w.Start.UTC(), EndsAt: w.End.UTC(),
		MaxFailedShare: w.MaxFailedShare, RequirePrevious: w.RequirePrevious, State: string(w.State),
		OpenedAt: utcPtr(w.OpenedAt), ClosedAt: utcPtr(w.ClosedAt)}
}

func (w waveRow) wave() release.Wave {
	return release.Wave{Number: w.Number, Name: w.Name, Start: w.StartsAt.UTC(), End: w.EndsAt.UTC(),
		MaxFailedShare: w.MaxFailedShare, RequirePrevious: w.RequirePrevious, State: release.WaveState(w.State),
		OpenedAt: utcPtr(w.OpenedAt), ClosedAt: utcPtr(w.ClosedAt)}
}

func toTargetRow(t release.Target) deploymentTargetRow {
	return deploymentTargetRow{DeploymentID: t.DeploymentID, CIID: t.CIID, CIName: t.CIName, Platform: t.Platform, RFCID: t.RFCID,
		Wave: t.Wave, State: string(t.State), Attempt: t.Attempt, RebootPending: t.RebootPending, ExitCode: t.ExitCode,
		Output: t.Output, StartedAt: utcPtr(t.StartedAt), FinishedAt: utcPtr(t.FinishedAt), Version: t.Version,
		UpdatedAt: t.UpdatedAt.UTC()}
}

func (r deploymentTargetRow) target() release.Target {
	return release.Target{DeploymentID: r.DeploymentID, CIID: r.CIID, CIName: r.CIName, Platform: r.Platform, RFCID: r.RFCID,
		Wave: r.Wave, State: release.TargetState(r.State), Attempt: r.Attempt, RebootPending: r.RebootPending, ExitCode: r.ExitCode,
		Output: r.Output, StartedAt: utcPtr(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt), Version: r.Version,
		UpdatedAt: r.UpdatedAt.UTC()}
}

func toTargets(rows []deploymentTargetRow) []release.Target {
	out := make([]release.Target, len(rows))
	for i, r := range rows {
		out[i] = r.target()
	}
	return out
}

// CreateDeployment implements release.DeploymentRepository.
func (tx *Tx) CreateDeployment(ctx context.Context, d *release.Deployment, ts []release.Target) error {
	row := toDeploymentRow(*d)
	if err := tx.g.Create(&row).Error; err != nil {
		return translate(err, "deployment")
	}
	waves := make([]waveRow, len(d.Waves))
	for i, w := range d.Waves {
		waves[i] = toWaveRow(d.ID, w)
	}
	if err := tx.g.Create(&waves).Error; err != nil {
		return translate(err, "deployment waves")
	}
	rows := make([]deploymentTargetRow, len(ts))
	for i, t := range ts {
		rows[i] = toTargetRow(t)
	}
	return translate(tx.g.CreateInBatches(rows, 500).Error, "deployment targets")
}

// FindDeployment implements release.DeploymentRepository, with its waves.
func (tx *Tx) FindDeployment(ctx context.Context, id string) (release.Deployment, error) {
	var row deploymentRow
	if err := tx.g.Where("id = ?", id).Take(&row).Error; err != nil {
		return release.Deployment{}, translate(err, "deployment "+id)
	}
	d, err := row.deployment()
	if err != nil {
		return d, err
	}
	return d, tx.loadWaves(&d)
}

func (tx *Tx) loadWaves(d *release.Deployment) error {
	var rows []waveRow
	if err := tx.g.Where("deployment_id = ?", d.ID).Order("number").Find(&rows).Error; err != nil {
		return translate(err, "deployment waves")
	}
	d.Waves = make([]release.Wave, len(rows))
	for i, w := range rows {
		d.Waves[i] = w.wave()
	}
	return nil
}

// FindDeployments implements release.DeploymentRepository.
func (tx *Tx) FindDeployments(ctx context.Context, releaseID string) ([]release.Deployment, error) {
	q := tx.g.Model(&deploymentRow{})
	if releaseID != "" {
		q = q.Where("release_id = ?", releaseID).Order("created_at DESC, id DESC")
	} else {
		// The active ones, and the finished ones whose release has not
		// been reviewed yet: their RFCs may still wait for compliance.
		q = q.Where(`state IN ('scheduled', 'running') OR (state = 'finished' AND release_id IN
			(SELECT id FROM releases WHERE state IN ('deployed', 'partially_deployed', 'failed', 'rolled_back')))`).Order("id")
	}
	var rows []deploymentRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err, "deployments")
	}
	out := make([]release.Deployment, 0, len(rows))
	for _, row := range rows {
		d, err := row.deployment()
		if err != nil {
			return nil, err
		}
		if err := tx.loadWaves(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// UpdateDeployment implements release.DeploymentRepository.
func (tx *Tx) UpdateDeployment(ctx context.Context, d *release.Deployment, version int64) error {
	row := toDeploymentRow(*d)
	row.Version = version + 1
	res := tx.g.Model(&deploymentRow{}).Where("id = ? AND version = ?", d.ID, version).
		Select("state", "mode", "rollback_reason", "version", "updated_at", "finished_at").Updates(&row)
	if err := translate(res.Error, "deployment "+d.ID); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("deployment " + d.ID)
	}
	d.Version = row.Version
	return nil
}

// UpdateWave implements release.DeploymentRepository.
func (tx *Tx) UpdateWave(ctx context.Context, deploymentID string, w release.Wave, from release.WaveState) (bool, error) {
	row := toWaveRow(deploymentID, w)
	res := tx.g.Model(&waveRow{}).Where("deployment_id = ? AND number = ? AND state = ?", deploymentID, w.Number, string(from)).
		Select("state", "opened_at", "closed_at").Updates(&row)
	if err := translate(res.Error, "deployment wave"); err != nil {
		return false, err
	}
	return res.RowsAffected == 1, nil
}

// FindTarget implements release.DeploymentRepository.
func (tx *Tx) FindTarget(ctx context.Context, deploymentID, ciID string) (release.Target, error) {
	var row deploymentTargetRow
	err := tx.g.Where("deployment_id = ? AND ci_id = ?", deploymentID, ciID).Take(&row).Error
	if err != nil {
		return release.Target{}, translate(err, "target "+ciID+" in deployment "+deploymentID)
	}
	return row.target(), nil
}

// UpdateTarget implements release.DeploymentRepository.
func (tx *Tx) UpdateTarget(ctx context.Context, t *release.Target, version int64) error {
	row := toTargetRow(*t)
	row.Version = version + 1
	res := tx.g.Model(&deploymentTargetRow{}).Where("deployment_id = ? AND ci_id = ? AND version = ?", t.DeploymentID, t.CIID, version).
		Select("state", "attempt", "reboot_pending", "exit_code", "output", "started_at", "finished_at", "version", "updated_at").
		Updates(&row)
	if err := translate(res.Error, "target "+t.CIID); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return versionConflict("target " + t.CIID)
	}
	t.Version = row.Version
	return nil
}

// FindTargets implements release.DeploymentRepository, by CI id.
func (tx *Tx) FindTargets(ctx context.Context, f release.TargetFilter) ([]release.Target, error) {
	q := tx.g.Model(&deploymentTargetRow{}).Where("deployment_id = ?", f.DeploymentID)
	if f.Wave > 0 {
		q = q.Where("wave = ?", f.Wave)
	}
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, s := range f.States {
			states[i] = string(s)
		}
		q = q.Where("state IN ?", states)
	}
	if f.AfterCIID != "" {
		q = q.Where("ci_id > ?", f.AfterCIID)
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var rows []deploymentTargetRow
	if err := q.Order("ci_id").Find(&rows).Error; err != nil {
		return nil, translate(err, "targets")
	}
	return toTargets(rows), nil
}

// CountTargets implements release.DeploymentRepository.
func (tx *Tx) CountTargets(ctx context.Context, deploymentID string) (map[int]release.Counts, error) {
	var rows []struct {
		Wave  int
		State string
		N     int
	}
	err := tx.g.Raw("SELECT wave, state, COUNT(*) AS n FROM deployment_targets WHERE deployment_id = ? GROUP BY wave, state",
		deploymentID).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "target counts")
	}
	out := map[int]release.Counts{}
	for _, r := range rows {
		if out[r.Wave] == nil {
			out[r.Wave] = release.Counts{}
		}
		out[r.Wave][release.TargetState(r.State)] = r.N
	}
	return out, nil
}

// RecordReport implements release.DeploymentRepository.
func (tx *Tx) RecordReport(ctx context.Context, reportID, deploymentID, ciID string, at time.Time) error {
	err := tx.g.Exec("INSERT INTO deployment_reports (report_id, deployment_id, ci_id, received_at) VALUES (?, ?, ?, ?)",
		reportID, deploymentID, ciID, at.UTC()).Error
	return translate(err, "report "+reportID)
}

// FindReport implements release.DeploymentRepository.
func (tx *Tx) FindReport(ctx context.Context, reportID string) (string, string, error) {
	var row struct {
		DeploymentID string
		CIID         string `gorm:"column:ci_id"`
	}
	res := tx.g.Raw("SELECT deployment_id, ci_id FROM deployment_reports WHERE report_id = ?", reportID).Scan(&row)
	if err := translate(res.Error, "report "+reportID); err != nil {
		return "", "", err
	}
	if res.RowsAffected == 0 {
		return "", "", errs.E(errs.NotFound, "no report %s", reportID)
	}
	return row.DeploymentID, row.CIID, nil
}

// FindAgentTargets implements release.DeploymentRepository: targets to
// install in open waves, or to back out in a backout run.
func (tx *Tx) FindAgentTargets(ctx context.Context, agentID string) ([]release.Target, error) {
	var rows []deploymentTargetRow
	err := tx.g.Raw(`SELECT t.* FROM deployment_targets t
		JOIN cis c ON c.id = t.ci_id
		JOIN deployments d ON d.id = t.deployment_id
		JOIN deployment_waves w ON w.deployment_id = t.deployment_id AND w.number = t.wave
		WHERE c.agent_id = ? AND d.state = 'running'
		  AND ((d.mode = 'install' AND w.state = 'open' AND t.state IN ('pending', 'in_progress'))
		    OR (d.mode = 'backout' AND t.state = 'succeeded'))
		ORDER BY t.deployment_id, t.ci_id LIMIT 100`, agentID).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "agent work")
	}
	return toTargets(rows), nil
}

// FindCIDeployments implements release.DeploymentRepository; before is the
// keyset cursor "created_at|deployment_id" of the last item seen.
func (tx *Tx) FindCIDeployments(ctx context.Context, ciID, before string, limit int) ([]release.CIDeployment, error) {
	q := tx.g.Table("deployment_targets t").Select("t.*").
		Joins("JOIN deployments d ON d.id = t.deployment_id").Where("t.ci_id = ?", ciID)
	if at, id, ok := strings.Cut(before, "|"); ok {
		if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
			q = q.Where("(d.created_at < ? OR (d.created_at = ? AND d.id < ?))", t.UTC(), t.UTC(), id)
		}
	}
	var rows []deploymentTargetRow
	if err := q.Order("d.created_at DESC, d.id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "CI deployments")
	}
	out := make([]release.CIDeployment, len(rows))
	for i, r := range rows {
		var dep struct {
			ReleaseID   string
			ReleaseName string
			Mode        string
			CreatedAt   time.Time
		}
		err := tx.g.Raw(`SELECT d.release_id, r.name AS release_name, d.mode, d.created_at FROM deployments d
			JOIN releases r ON r.id = d.release_id WHERE d.id = ?`, r.DeploymentID).Scan(&dep).Error
		if err != nil {
			return nil, translate(err, "CI deployments")
		}
		out[i] = release.CIDeployment{Target: r.target(), ReleaseID: dep.ReleaseID, ReleaseName: dep.ReleaseName,
			Mode: release.Mode(dep.Mode), CreatedAt: dep.CreatedAt.UTC()}
	}
	return out, nil
}

// FindCIAgent implements release.DeploymentRepository: the agent a CI
// names, read from the CMDB's table in this transaction.
func (tx *Tx) FindCIAgent(ctx context.Context, idOrName string) (string, string, error) {
	var row struct {
		ID      string
		AgentID string
	}
	res := tx.g.Raw("SELECT id, agent_id FROM cis WHERE id = ? OR name = ? LIMIT 1", idOrName, idOrName).Scan(&row)
	if err := translate(res.Error, "CI "+idOrName); err != nil {
		return "", "", err
	}
	if res.RowsAffected == 0 {
		return "", "", errs.E(errs.NotFound, "no CI %s", idOrName)
	}
	return row.ID, row.AgentID, nil
}

// FindWavesBetween implements release.DeploymentRepository.
func (tx *Tx) FindWavesBetween(ctx context.Context, from, to time.Time) ([]release.PlannedWave, error) {
	var rows []struct {
		DeploymentID    string
		Number          int
		Name            string
		StartsAt        time.Time
		EndsAt          time.Time
		MaxFailedShare  float64
		RequirePrevious bool
		State           string
		ReleaseID       string
		ReleaseName     string
		Version         int64
	}
	err := tx.g.Raw(`SELECT w.deployment_id, w.number, w.name, w.starts_at, w.ends_at, w.max_failed_share,
		w.require_previous, w.state, d.release_id, r.name AS release_name, d.version FROM deployment_waves w
		JOIN deployments d ON d.id = w.deployment_id JOIN releases r ON r.id = d.release_id
		WHERE w.starts_at < ? AND w.ends_at > ? AND d.state IN ('scheduled', 'running', 'halted')
		  AND w.state IN ('pending', 'open')
		ORDER BY w.starts_at, w.deployment_id, w.number`, to.UTC(), from.UTC()).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "deployment waves")
	}
	out := make([]release.PlannedWave, 0, len(rows))
	for _, r := range rows {
		pw := release.PlannedWave{DeploymentID: r.DeploymentID, ReleaseID: r.ReleaseID, ReleaseName: r.ReleaseName,
			Wave: waveRow{Number: r.Number, Name: r.Name, StartsAt: r.StartsAt, EndsAt: r.EndsAt, MaxFailedShare: r.MaxFailedShare,
				RequirePrevious: r.RequirePrevious, State: r.State}.wave(), Version: r.Version}
		err := tx.g.Raw("SELECT ci_id FROM deployment_targets WHERE deployment_id = ? AND wave = ? ORDER BY ci_id",
			r.DeploymentID, r.Number).Scan(&pw.CIs).Error
		if err != nil {
			return nil, translate(err, "wave targets")
		}
		out = append(out, pw)
	}
	return out, nil
}
