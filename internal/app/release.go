package app

import (
	"context"
	"strconv"
	"time"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/jobs"
	"github.com/changeboard/changeboard/internal/release"
	"github.com/changeboard/changeboard/internal/schedule"
	"github.com/changeboard/changeboard/internal/store"
)

// releaseSweepInterval is how often the leader looks at every active
// deployment: waves whose window opened or ended since.
const releaseSweepInterval = time.Minute

// newRelease builds release management over its ports and registers its
// jobs: the wave advancement of one deployment and the periodic sweep.
func newRelease(db *store.DB, a *App, runner *jobs.Runner, now func() time.Time,
	changeSvc *change.Service, cmdbSvc *cmdb.Service, catalogSvc *catalog.Service) *release.Service {
	svc := release.NewService(store.Runner[release.Tx]{DB: db}, a.Audit, release.Deps{
		Changes: changeSvc, CIs: cmdbSvc, Catalog: catalogSvc,
		// The calendar's maintenance and blackout windows (schedule.go).
		Windows: releaseWindows{a.Schedule},
	}, now)
	// A wave's window opening or ending, a final report, an operation:
	// each enqueues WaveDue in its transaction; the sweep catches the rest
	// (a clock moved by a test, a report that landed while one ran).
	jobs.Handle(runner, func(ctx context.Context, j release.WaveDue) error { return svc.Advance(ctx, j.DeploymentID) })
	a.Schedule.UseWaveSource(releaseWaves{svc})
	runner.Every("release-sweep", releaseSweepInterval, func(ctx context.Context, _ time.Time) error { return svc.Sweep(ctx) })
	return svc
}

// releaseWaves is the calendar's WaveSource over release management: the
// deployment waves on the forward schedule and in its overlap check.
type releaseWaves struct{ r *release.Service }

func (w releaseWaves) WavesBetween(ctx context.Context, from, to time.Time) ([]schedule.Wave, error) {
	found, err := w.r.WavesBetween(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]schedule.Wave, 0, len(found))
	for _, pw := range found {
		name := pw.Wave.Name
		if name == "" {
			name = "wave " + strconv.Itoa(pw.Wave.Number)
		}
		out = append(out, schedule.Wave{ID: pw.DeploymentID + "/" + strconv.Itoa(pw.Wave.Number), ReleaseID: pw.ReleaseID,
			Name: pw.ReleaseName + ": " + name, State: string(pw.Wave.State), Start: pw.Wave.Start, End: pw.Wave.End,
			CIs: pw.CIs, Sequence: pw.Version})
	}
	return out, nil
}
