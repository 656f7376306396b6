package app

import (
	"time"

	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/jobs"
	"github.com/changeboard/changeboard/internal/release"
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
	return svc
}
