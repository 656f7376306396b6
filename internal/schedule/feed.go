package schedule

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/errs"
	"github.com/changeboard/changeboard/internal/identity"
)

// The feed's range: what a calendar client shows of the past and plans
// ahead.
const (
	FeedPast   = 30 * 24 * time.Hour
	FeedFuture = 180 * 24 * time.Hour
)

// Feed is GET /schedule.ics: the forward schedule as a subscribable
// iCalendar document for the feed token's user. RFCs and waves are events
// whose UID is stable and whose SEQUENCE is their version (it rises when
// the window moves); cancelled RFCs stay, STATUS:CANCELLED; windows are
// recurring events (RRULE, EXDATE, RDATE) in their zone, with VTIMEZONE.
func (s *Service) Feed(ctx context.Context, secret string) (string, error) {
	if _, err := s.FeedActor(ctx, secret); err != nil {
		return "", err
	}
	now := s.now().UTC()
	from, to := now.Add(-FeedPast), now.Add(FeedFuture)
	var entries []Entry
	var ws []Window
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		if entries, err = s.entries(ctx, tx, ScheduleFilter{From: from, To: to}, true); err != nil {
			return err
		}
		ws, err = tx.FindWindows(ctx, WindowFilter{From: &from, To: &to})
		return err
	})
	if err != nil {
		return "", err
	}
	return feedCalendar(entries, ws, now), nil
}

func feedCalendar(entries []Entry, ws []Window, now time.Time) string {
	cal := newCalendar("Changeboard forward schedule of change")
	cal.SetRefreshInterval("PT15M")
	zones := make([]string, 0, len(ws))
	for _, w := range ws {
		zones = append(zones, w.TimeZone)
	}
	addTimezones(cal, zones, now.Year())
	for _, e := range entries {
		if e.Kind != EntryRFC && e.Kind != EntryWave {
			continue
		}
		ev := cal.AddEvent(e.UID)
		ev.SetDtStampTime(now)
		ev.SetSequence(int(e.Sequence))
		ev.SetSummary(e.Title)
		ev.SetStartAt(e.Start.UTC())
		ev.SetEndAt(e.End.UTC())
		ev.SetDescription(string(e.Kind) + " " + e.State + "; CIs: " + strings.Join(e.CIs, ", "))
		ev.SetProperty(ics.ComponentPropertyCategories, strings.ToUpper(string(e.Kind)))
		if e.Cancelled {
			ev.SetStatus(ics.ObjectStatusCancelled)
		} else {
			ev.SetStatus(ics.ObjectStatusConfirmed)
		}
	}
	for _, w := range ws {
		addWindowEvent(cal, w, now)
	}
	return cal.Serialize()
}

// ExportWindowsICS is GET /windows.ics: every window as an iCalendar
// document that ImportWindows reads back (everyone but agents).
func (s *Service) ExportWindowsICS(ctx context.Context, actor identity.Actor) (string, error) {
	if err := s.requireReader(ctx, actor, "window.export", "window", ""); err != nil {
		return "", err
	}
	var ws []Window
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		ws, err = tx.FindWindows(ctx, WindowFilter{})
		return err
	})
	if err != nil {
		return "", err
	}
	return ExportWindows(ws, s.now().UTC()), nil
}

// ImportWindowsICS creates the windows of an iCalendar document, all or
// none, in one transaction (change managers and admins). Events without
// Changeboard's kind and scope take def's.
func (s *Service) ImportWindowsICS(ctx context.Context, actor identity.Actor, r io.Reader, def ImportDefaults) ([]Window, error) {
	if err := s.requireWriter(ctx, actor, "window.import", ""); err != nil {
		return nil, err
	}
	ins, err := ParseWindows(r, def)
	if err != nil {
		return nil, err
	}
	var f errs.Fields
	ws := make([]Window, 0, len(ins))
	for i, in := range ins {
		w, err := in.Build()
		if err != nil {
			for _, fe := range fieldsOf(err) {
				f.Add("events["+itoa(i)+"]."+fe.Field, fe.Reason)
			}
			continue
		}
		ws = append(ws, w)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := s.stamp()
	err = s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		for i := range ws {
			w := &ws[i]
			w.ID, w.Version, w.CreatedAt, w.UpdatedAt = newID(), 1, now, now
			if err := s.checkScopeExists(ctx, &w.Scope); err != nil {
				return prefixFields(err, "events["+itoa(i)+"].")
			}
			if err := tx.CreateWindow(ctx, w); err != nil {
				return err
			}
			if err := s.record(ctx, tx, audit.Record{Actor: actor, Role: actor.PrimaryRole(writers...),
				Action: "window.import", EntityType: "window", EntityID: w.ID, After: w.auditView()}); err != nil {
				return err
			}
		}
		return nil
	})
	slices.SortFunc(ws, func(a, b Window) int { return strings.Compare(a.Name, b.Name) })
	return ws, err
}

func prefixFields(err error, prefix string) error {
	e, ok := err.(*errs.Error)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = nil
	for _, fe := range e.Fields {
		out.Fields = append(out.Fields, errs.FieldError{Field: prefix + fe.Field, Reason: fe.Reason})
	}
	return &out
}
