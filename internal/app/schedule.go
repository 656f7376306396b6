package app

import (
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/schedule"
	"github.com/changeboard/changeboard/internal/store"
)

// newSchedule builds the calendar and makes it change management's
// conflict checker: schedule and reschedule check their window, and the
// risk score's maintenance-window factor comes from it. Release
// management's waves are put on it with UseWaveSource.
func newSchedule(db *store.DB, auditSvc *audit.Service, cmdbSvc *cmdb.Service, changeSvc *change.Service, now func() time.Time) *schedule.Service {
	svc := schedule.NewService(store.Runner[schedule.Tx]{DB: db}, auditSvc, cmdbSvc, changeSvc, now)
	changeSvc.UseConflictChecker(svc)
	return svc
}
