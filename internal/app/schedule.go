package app

import (
	"context"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/release"
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

// releaseWindows is release management's Windows port over the calendar:
// the blackouts and the lack of maintenance over a deployment span.
type releaseWindows struct{ s *schedule.Service }

func (w releaseWindows) SpanConflicts(ctx context.Context, ciIDs []string, from, to time.Time) ([]release.WindowConflict, error) {
	found, err := w.s.SpanConflicts(ctx, ciIDs, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]release.WindowConflict, 0, len(found))
	for _, c := range found {
		reason := string(c.Reason)
		if c.OtherName != "" {
			reason += " (" + c.OtherName + ")"
		}
		out = append(out, release.WindowConflict{CIID: c.CIID, Reason: reason})
	}
	return out, nil
}
