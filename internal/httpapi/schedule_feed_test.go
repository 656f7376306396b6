package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/changeboard/changeboard/internal/apitest"
)

func parseCalendar(t *testing.T, body []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse the feed: %v\n%s", err, body)
	}
	return cal
}

func eventByUID(cal *ics.Calendar, uid string) *ics.VEvent {
	for _, e := range cal.Events() {
		if e.Id() == uid {
			return e
		}
	}
	return nil
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func TestScheduleFeed(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		sat := nextSaturday()
		w := c.mustWindow(t, map[string]any{"name": "db saturday nights", "kind": "maintenance", "scope": map[string]any{"cis": []string{c.db}},
			"time_zone": "Europe/Berlin", "start": sat.Format("2006-01-02") + "T22:00:00", "duration_minutes": 240,
			"rrule": "FREQ=WEEKLY;BYDAY=SA", "exdates": []string{sat.AddDate(0, 0, 7).Format("2006-01-02") + "T22:00:00"}})
		r := c.readyRFC(t, "db patches", []string{c.db}, "medium")
		inside := utcSpan(sat.Add(22*time.Hour), time.Hour)
		c.mustFire(t, c.rm, r.ID, "schedule", map[string]any{"window": inside})
		gone := c.readyRFC(t, "cancelled patches", []string{c.web}, "medium")
		c.mustFire(t, c.rm, gone.ID, "schedule", map[string]any{"window": inside})
		c.mustFire(t, c.cm, gone.ID, "cancel", map[string]any{"comment": "superseded"})

		t.Run("OKForwardSchedule", func(t *testing.T) {
			from, to := sat.Format(time.RFC3339), sat.AddDate(0, 0, 15).Format(time.RFC3339)
			var out struct {
				Items []struct {
					Kind, ID, UID, State string
				}
				NextCursor string `json:"next_cursor"`
			}
			get(t, s, "/api/v1/schedule?from="+from+"&to="+to, c.requester.token).JSON(t, &out)
			var kinds []string
			for _, e := range out.Items {
				kinds = append(kinds, e.Kind)
			}
			// Three Saturdays, the middle one excluded; one scheduled RFC.
			if got := strings.Join(kinds, ","); got != "maintenance,rfc,maintenance" {
				t.Fatalf("schedule: %s", got)
			}
			get(t, s, "/api/v1/schedule?limit=1&from="+from+"&to="+to+"&ci="+c.web, c.requester.token).JSON(t, &out)
			if len(out.Items) != 0 {
				t.Fatalf("web-01 has nothing scheduled: %+v", out.Items)
			}
			get(t, s, "/api/v1/schedule?limit=1&from="+from+"&to="+to+"&ci="+c.db, c.requester.token).JSON(t, &out)
			if len(out.Items) != 1 || out.NextCursor == "" {
				t.Fatalf("page 1: %+v", out)
			}
			get(t, s, "/api/v1/schedule?limit=5&from="+from+"&to="+to+"&ci="+c.db+"&cursor="+out.NextCursor, c.requester.token).JSON(t, &out)
			if len(out.Items) != 2 || out.Items[0].Kind != "rfc" {
				t.Fatalf("page 2: %+v", out)
			}
		})

		var tok struct {
			ID, Token, URL string
		}
		res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/feed-tokens", Token: c.requester.token, Body: map[string]any{"name": "phone"}})
		res.JSON(t, &tok)
		if res.Status != http.StatusCreated || !strings.HasPrefix(tok.URL, "/api/v1/schedule.ics?token=") {
			t.Fatalf("feed token: %d %s", res.Status, res.Body)
		}
		feed := func(t *testing.T) apitest.Response {
			return s.Do(t, apitest.Request{Method: "GET", Path: tok.URL})
		}
		var seq int
		t.Run("OKFeed", func(t *testing.T) {
			res := feed(t)
			if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
				t.Fatalf("feed: %d %s", res.Status, res.Body)
			}
			cal := parseCalendar(t, res.Body)
			ev := eventByUID(cal, "rfc-"+r.ID+"@changeboard")
			if ev == nil || prop(ev, ics.ComponentPropertyStatus) != "CONFIRMED" {
				t.Fatalf("no confirmed RFC event in\n%s", res.Body)
			}
			seq, _ = strconv.Atoi(prop(ev, ics.ComponentPropertySequence))
			if ev := eventByUID(cal, "rfc-"+gone.ID+"@changeboard"); ev == nil || prop(ev, ics.ComponentPropertyStatus) != "CANCELLED" {
				t.Fatalf("the cancelled RFC is not STATUS:CANCELLED")
			}
			win := eventByUID(cal, "window-"+w.ID+"@changeboard")
			if win == nil || prop(win, ics.ComponentPropertyRrule) != "FREQ=WEEKLY;BYDAY=SA" {
				t.Fatalf("window event: %+v", win)
			}
			if st := win.GetProperty(ics.ComponentPropertyDtStart); st.ICalParameters["TZID"][0] != "Europe/Berlin" {
				t.Fatalf("DTSTART: %+v", st)
			}
			if len(cal.Timezones()) != 1 {
				t.Fatalf("VTIMEZONE: %d", len(cal.Timezones()))
			}
		})
		t.Run("OKSequenceRisesWhenTheWindowMoves", func(t *testing.T) {
			c.mustFire(t, c.rm, r.ID, "reschedule", map[string]any{"window": utcSpan(sat.Add(23*time.Hour), time.Hour)})
			ev := eventByUID(parseCalendar(t, feed(t).Body), "rfc-"+r.ID+"@changeboard")
			if n, _ := strconv.Atoi(prop(ev, ics.ComponentPropertySequence)); n <= seq {
				t.Fatalf("SEQUENCE %d after the move, was %d", n, seq)
			}
		})
		t.Run("ErrNoToken", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/schedule.ics"})
			if res.Problem(t).Status != http.StatusUnauthorized {
				t.Fatalf("no token: %d", res.Status)
			}
		})
		t.Run("ErrDisabledUser", func(t *testing.T) {
			if res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/users/" + c.requester.id, Token: s.Admin, Body: map[string]any{"disabled": true}}); res.Status != http.StatusOK {
				t.Fatalf("disable: %d %s", res.Status, res.Body)
			}
			before := deniedEvents(t, s, c.requester.id)
			if res := feed(t); res.Problem(t).Status != http.StatusUnauthorized {
				t.Fatalf("feed token of a disabled user: %d", res.Status)
			}
			if after := deniedEvents(t, s, c.requester.id); after != before+1 {
				t.Fatalf("denied events %d → %d", before, after)
			}
			if res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/users/" + c.requester.id, Token: s.Admin, Body: map[string]any{"disabled": false}}); res.Status != http.StatusOK {
				t.Fatalf("enable: %d %s", res.Status, res.Body)
			}
			if res := feed(t); res.Status != http.StatusOK {
				t.Fatalf("feed after re-enabling: %d", res.Status)
			}
		})
		t.Run("ErrRevokedTokenIsAudited", func(t *testing.T) {
			if res := s.Do(t, apitest.Request{Method: "DELETE", Path: "/api/v1/feed-tokens/" + tok.ID, Token: c.cm.token}); res.Status != http.StatusNotFound {
				t.Fatalf("someone else's token: %d", res.Status)
			}
			if res := s.Do(t, apitest.Request{Method: "DELETE", Path: "/api/v1/feed-tokens/" + tok.ID, Token: c.requester.token}); res.Status != http.StatusNoContent {
				t.Fatalf("revoke: %d %s", res.Status, res.Body)
			}
			before := deniedEvents(t, s, c.requester.id)
			if res := feed(t); res.Problem(t).Status != http.StatusUnauthorized {
				t.Fatalf("revoked token: %d", res.Status)
			}
			if after := deniedEvents(t, s, c.requester.id); after != before+1 {
				t.Fatalf("denied events %d → %d", before, after)
			}
		})
	})
}

func TestWindowsICalendar(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		c.mustWindow(t, map[string]any{"name": "second saturday", "kind": "maintenance", "scope": map[string]any{"environments": []string{"production"}},
			"time_zone": "Europe/Berlin", "start": "2026-01-10T22:00:00", "duration_minutes": 300,
			"rrule": "FREQ=MONTHLY;BYDAY=SA;BYSETPOS=2", "exdates": []string{"2026-02-14T22:00:00"}})
		c.mustWindow(t, map[string]any{"name": "year-end freeze", "kind": "blackout", "scope": map[string]any{"all": true},
			"time_zone": "America/New_York", "start": "2026-12-20T00:00:00", "end": "2027-01-04T00:00:00"})
		res := get(t, s, "/api/v1/windows.ics", c.auditor.token)
		if res.Status != http.StatusOK {
			t.Fatalf("export: %d %s", res.Status, res.Body)
		}
		exported := res.Body
		if n := len(parseCalendar(t, exported).Timezones()); n != 2 {
			t.Fatalf("%d VTIMEZONE, want 2\n%s", n, exported)
		}
		for _, name := range []string{"second saturday", "year-end freeze"} {
			s.Do(t, apitest.Request{Method: "DELETE", Path: "/api/v1/windows/" + strings.ReplaceAll(name, " ", "%20"), Token: c.cm.token})
		}
		importICS := func(t *testing.T, body []byte, query string) apitest.Response {
			return s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/windows/import" + query, Token: c.cm.token, Body: body,
				Header: map[string]string{"Content-Type": "text/calendar"}})
		}
		t.Run("OKRoundTripKeepsTheRule", func(t *testing.T) {
			res := importICS(t, exported, "")
			if res.Status != http.StatusCreated {
				t.Fatalf("import: %d %s", res.Status, res.Body)
			}
			var out struct{ Items []windowRecordOut }
			res.JSON(t, &out)
			if len(out.Items) != 2 || out.Items[0].Name != "second saturday" || out.Items[0].RRule != "FREQ=MONTHLY;BYDAY=SA;BYSETPOS=2" ||
				len(out.Items[0].ExDates) != 1 || out.Items[0].ExDates[0] != "2026-02-14T22:00:00" || out.Items[0].DurationMinutes != 300 {
				t.Fatalf("imported: %+v", out.Items)
			}
			var occ struct{ Items []occurrenceOut }
			get(t, s, "/api/v1/windows/"+out.Items[0].ID+"/occurrences?from=2026-01-01T00:00:00Z&to=2026-04-01T00:00:00Z", c.cm.token).JSON(t, &occ)
			var got []string
			for _, o := range occ.Items {
				got = append(got, o.LocalStart)
			}
			if strings.Join(got, " ") != "2026-01-10T22:00:00 2026-03-14T22:00:00" {
				t.Fatalf("occurrences after the round trip: %v", got)
			}
		})
		t.Run("ErrImportIsAllOrNothing", func(t *testing.T) {
			body := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n" +
				"BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:good\r\nDTSTART;TZID=Europe/Paris:20260103T220000\r\nDURATION:PT2H\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n" +
				"BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:bad\r\nDTSTART;TZID=Europe/Paris:20260103T220000\r\nDURATION:PT2H\r\nRRULE:FREQ=OFTEN\r\nEND:VEVENT\r\n" +
				"END:VCALENDAR\r\n"
			res := importICS(t, []byte(body), "?kind=maintenance&all=true")
			if p := res.Problem(t); p.Status != http.StatusBadRequest || !p.HasField("events[1].rrule") {
				t.Fatalf("bad import: %d %s", res.Status, res.Body)
			}
			if res := get(t, s, "/api/v1/windows/good", c.cm.token); res.Status != http.StatusNotFound {
				t.Fatalf("half an import written: %d", res.Status)
			}
		})
		t.Run("ErrNotICalendar", func(t *testing.T) {
			if res := importICS(t, []byte("hello"), "?kind=maintenance&all=true"); res.Problem(t).Status != http.StatusBadRequest {
				t.Fatalf("garbage: %d %s", res.Status, res.Body)
			}
		})
	})
}
