package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
)

type windowRecordOut struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Kind            string   `json:"kind"`
	DurationMinutes int      `json:"duration_minutes"`
	RRule           string   `json:"rrule"`
	ExDates         []string `json:"exdates"`
	Version         int64    `json:"version"`
	LocalStart      string   `json:"local_start"`
}

type occurrenceOut struct {
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	LocalStart string    `json:"local_start"`
	LocalEnd   string    `json:"local_end"`
}

type conflictOut struct {
	CIID      string `json:"ci_id"`
	CIName    string `json:"ci_name"`
	Via       string `json:"via"`
	Reason    string `json:"reason"`
	Blocking  bool   `json:"blocking"`
	OtherType string `json:"other_type"`
	OtherName string `json:"other_name"`
}

func (c *cab) mustWindow(t *testing.T, body map[string]any) windowRecordOut {
	t.Helper()
	res := c.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/windows", Token: c.cm.token, Body: body})
	if res.Status != http.StatusCreated {
		t.Fatalf("window %v: %d %s", body["name"], res.Status, res.Body)
	}
	var w windowRecordOut
	res.JSON(t, &w)
	return w
}

// nextSaturday is 00:00 UTC of the first Saturday at least a week away.
func nextSaturday() time.Time {
	d := time.Now().UTC().AddDate(0, 0, 7).Truncate(24 * time.Hour)
	for d.Weekday() != time.Saturday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

func utcSpan(start time.Time, d time.Duration) map[string]string {
	return map[string]string{"start": start.Format(time.RFC3339), "end": start.Add(d).Format(time.RFC3339), "time_zone": "UTC"}
}

// readyRFC files a minor RFC on cis with a three-week planned window and
// takes it to ready_for_release.
func (c *cab) readyRFC(t *testing.T, title string, cis []string, priority string) rfcOut {
	t.Helper()
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	res := c.s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/changes", Token: c.requester.token, Body: map[string]any{
		"title": title, "reason": "CVE fixes", "affected_cis": cis, "implementation_plan": "apt-get upgrade",
		"backout_plan": "snapshot", "test_plan": "smoke", "window": utcSpan(start, 21*24*time.Hour)}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var r rfcOut
	res.JSON(t, &r)
	c.mustFire(t, c.requester, r.ID, "submit", nil)
	c.mustFire(t, c.cm, r.ID, "classify", map[string]any{"category": "minor", "priority": priority})
	if priority == "emergency" {
		out := c.mustFire(t, c.cm, r.ID, "request_approval", nil)
		for _, m := range c.members[:2] {
			if out.State != "awaiting_approval" {
				break
			}
			if res := c.vote(t, m, r.ID, "approve"); res.Status != http.StatusCreated {
				t.Fatalf("vote: %d %s", res.Status, res.Body)
			}
			out = c.get(t, r.ID)
		}
	} else {
		c.mustFire(t, c.cm, r.ID, "approve", nil)
	}
	c.mustFire(t, c.rm, r.ID, "start_development", nil)
	return c.mustFire(t, c.rm, r.ID, "ready", nil)
}

func (c *cab) conflicts(t *testing.T, id string) []conflictOut {
	t.Helper()
	var out struct {
		Items []conflictOut `json:"items"`
	}
	res := get(t, c.s, "/api/v1/changes/"+id+"/conflicts", c.requester.token)
	if res.Status != http.StatusOK {
		t.Fatalf("conflicts: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &out)
	return out.Items
}

func hasConflict(cs []conflictOut, ci, reason string, blocking bool) bool {
	for _, c := range cs {
		if c.CIName == ci && c.Reason == reason && c.Blocking == blocking {
			return true
		}
	}
	return false
}

// TestScheduleConflicts: db-01 has a Saturday-night maintenance window,
// web-01 (which runs on db-01) a Sunday blackout through its group.
func TestScheduleConflicts(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		sat := nextSaturday()
		res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/ci-groups", Token: c.cm.token,
			Body: map[string]any{"name": "frontends", "kind": "static", "members": []string{c.web}}})
		if res.Status != http.StatusCreated {
			t.Fatalf("group: %d %s", res.Status, res.Body)
		}
		c.mustWindow(t, map[string]any{"name": "db saturday nights", "kind": "maintenance", "scope": map[string]any{"cis": []string{c.db}},
			"time_zone": "UTC", "start": sat.Add(22 * time.Hour).Format(time.RFC3339), "duration_minutes": 240, "rrule": "FREQ=WEEKLY;BYDAY=SA"})
		c.mustWindow(t, map[string]any{"name": "frontend freeze", "kind": "blackout", "scope": map[string]any{"groups": []string{"frontends"}},
			"time_zone": "UTC", "start": sat.Add(24 * time.Hour).Format(time.RFC3339), "end": sat.Add(30 * time.Hour).Format(time.RFC3339)})

		r := c.readyRFC(t, "db patches", []string{c.db}, "medium")
		inside := utcSpan(sat.Add(22*time.Hour), time.Hour)
		t.Run("OKInsideMaintenance", func(t *testing.T) {
			out := c.mustFire(t, c.rm, r.ID, "schedule", map[string]any{"window": inside})
			if out.State != "scheduled" {
				t.Fatalf("state %s", out.State)
			}
			for _, f := range out.Risk.Factors {
				if f.Name == "maintenance_window" && f.Points != 0 {
					t.Fatalf("inside maintenance scored %d", f.Points)
				}
			}
			if cs := c.conflicts(t, r.ID); len(cs) != 0 {
				t.Fatalf("conflicts inside maintenance: %+v", cs)
			}
		})
		tuesday := utcSpan(sat.Add(3*24*time.Hour+10*time.Hour), time.Hour)
		t.Run("ErrOutsideMaintenance", func(t *testing.T) {
			res := c.fire(t, c.rm, r.ID, "reschedule", map[string]any{"window": tuesday})
			p := res.Problem(t)
			if p.Status != http.StatusConflict || !p.HasField("conflicts[0]") || !strings.Contains(p.Errors[0].Reason, "outside_maintenance on db-01") {
				t.Fatalf("outside maintenance: %d %s", res.Status, res.Body)
			}
			if got := c.get(t, r.ID); got.Version != r.Version+1 {
				t.Fatalf("refused reschedule wrote the RFC: version %d", got.Version)
			}
		})
		t.Run("ErrOverrideNeedsChangeManager", func(t *testing.T) {
			res := c.fire(t, c.rm, r.ID, "reschedule", map[string]any{"window": tuesday, "override_reason": "vendor deadline"})
			if res.Status != http.StatusForbidden {
				t.Fatalf("release manager override: %d %s", res.Status, res.Body)
			}
		})
		t.Run("OKOverride", func(t *testing.T) {
			res := c.fire(t, c.cm, r.ID, "reschedule", map[string]any{"window": tuesday, "override_reason": "vendor deadline"})
			if res.Status != http.StatusOK {
				t.Fatalf("override: %d %s", res.Status, res.Body)
			}
			var out struct {
				rfcOut
				ScheduleOverride struct {
					Reason    string   `json:"reason"`
					By        string   `json:"by"`
					Conflicts []string `json:"conflicts"`
				} `json:"schedule_override"`
			}
			res.JSON(t, &out)
			if out.ScheduleOverride.Reason != "vendor deadline" || out.ScheduleOverride.By != c.cm.id || len(out.ScheduleOverride.Conflicts) != 1 {
				t.Fatalf("override record: %+v", out.ScheduleOverride)
			}
			for _, f := range out.Risk.Factors {
				if f.Name == "maintenance_window" && f.Points != 10 {
					t.Fatalf("outside maintenance scored %d, want 10", f.Points)
				}
			}
			h := c.history(t, r.ID)
			if h[len(h)-1] != "rfc.reschedule:success" {
				t.Fatalf("history %v", h)
			}
		})
		t.Run("ErrBlackoutOfADependant", func(t *testing.T) {
			sunday := utcSpan(sat.Add(25*time.Hour), time.Hour)
			res := c.fire(t, c.rm, r.ID, "reschedule", map[string]any{"window": sunday})
			if p := res.Problem(t); p.Status != http.StatusConflict || !strings.Contains(string(res.Body), "blackout on web-01 (window frontend freeze)") {
				t.Fatalf("blackout: %d %s", res.Status, res.Body)
			}
		})
		t.Run("OKOverlapIsReported", func(t *testing.T) {
			other := c.readyRFC(t, "web patches", []string{c.web}, "medium")
			c.mustFire(t, c.cm, other.ID, "schedule", map[string]any{"window": tuesday, "override_reason": "web has no window but the blackout"})
			// From db's RFC, web-01 is a dependant reached through db-01;
			// from web's, db-01 is no dependant of web-01.
			if cs := c.conflicts(t, other.ID); hasConflict(cs, "db-01", "overlap", false) {
				t.Fatalf("an overlap upstream: %+v", cs)
			}
			cs := c.conflicts(t, r.ID)
			found := false
			for _, x := range cs {
				found = found || (x.Reason == "overlap" && x.CIName == "web-01" && x.Via == "db-01" && x.OtherType == "rfc")
			}
			if !found {
				t.Fatalf("no overlap through the graph: %+v", cs)
			}
		})
		t.Run("OKEmergencyIgnoresBlockingConflicts", func(t *testing.T) {
			e := c.readyRFC(t, "zero-day", []string{c.db}, "emergency")
			out := c.mustFire(t, c.rm, e.ID, "schedule", map[string]any{"window": tuesday})
			if out.State != "scheduled" {
				t.Fatalf("emergency: %s", out.State)
			}
		})
	})
}

func TestWindows(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		berlin := c.mustWindow(t, map[string]any{"name": "berlin nights", "kind": "maintenance", "scope": map[string]any{"all": true},
			"time_zone": "Europe/Berlin", "start": "2026-03-27T02:00:00", "end": "2026-03-27T04:00:00",
			"rrule": "FREQ=DAILY;COUNT=300", "exdates": []string{"2026-03-28T02:00:00"}})
		if berlin.DurationMinutes != 120 || berlin.LocalStart != "2026-03-27T02:00:00" || len(berlin.ExDates) != 1 {
			t.Fatalf("window: %+v", berlin)
		}
		t.Run("OKOccurrencesAcrossDST", func(t *testing.T) {
			var out struct{ Items []occurrenceOut }
			res := get(t, s, "/api/v1/windows/"+berlin.ID+"/occurrences?from=2026-03-27T00:00:00Z&to=2026-03-31T00:00:00Z", c.auditor.token)
			res.JSON(t, &out)
			want := []string{"2026-03-27T01:00:00Z/2026-03-27T03:00:00Z", "2026-03-29T01:00:00Z/2026-03-29T02:00:00Z",
				"2026-03-30T00:00:00Z/2026-03-30T02:00:00Z"}
			if len(out.Items) != len(want) {
				t.Fatalf("occurrences: %s", res.Body)
			}
			for i, o := range out.Items {
				if got := o.Start.Format(time.RFC3339) + "/" + o.End.Format(time.RFC3339); got != want[i] {
					t.Errorf("occurrence %d: %s, want %s", i, got, want[i])
				}
			}
			if out.Items[1].LocalStart != "2026-03-29T03:00:00" || out.Items[1].LocalEnd != "2026-03-29T04:00:00" {
				t.Errorf("spring-forward night on the clock: %+v", out.Items[1])
			}
		})
		t.Run("OKCIWindows", func(t *testing.T) {
			var out struct {
				Items []struct {
					Window      windowRecordOut `json:"window"`
					Occurrences []occurrenceOut `json:"occurrences"`
				}
			}
			get(t, s, "/api/v1/cis/"+c.web+"/windows?from=2026-03-27T00:00:00Z&to=2026-03-28T00:00:00Z", c.requester.token).JSON(t, &out)
			if len(out.Items) != 1 || out.Items[0].Window.Name != "berlin nights" || len(out.Items[0].Occurrences) != 1 {
				t.Fatalf("CI windows: %+v", out.Items)
			}
		})
		t.Run("ErrStaleIfMatch", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/windows/" + berlin.ID, Token: c.cm.token,
				Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"end": "2026-03-27T05:00:00"}})
			var w windowRecordOut
			res.JSON(t, &w)
			if res.Status != http.StatusOK || w.DurationMinutes != 180 || w.Version != 2 || res.Header.Get("ETag") != `"2"` {
				t.Fatalf("patch: %d %s", res.Status, res.Body)
			}
			res = s.Do(t, apitest.Request{Method: "PATCH", Path: "/api/v1/windows/" + berlin.ID, Token: c.cm.token,
				Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"description": "stale"}})
			if res.Problem(t).Status != http.StatusPreconditionFailed {
				t.Fatalf("stale: %d", res.Status)
			}
		})
		t.Run("ErrNotAWriter", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/windows", Token: c.rm.token, Body: map[string]any{
				"name": "mine", "kind": "maintenance", "scope": map[string]any{"all": true}, "time_zone": "UTC",
				"start": "2026-01-01T00:00:00Z", "duration_minutes": 60}})
			if res.Problem(t).Status != http.StatusForbidden {
				t.Fatalf("release manager: %d", res.Status)
			}
		})
		bad := map[string]struct {
			body  map[string]any
			field string
		}{
			"ErrInvalidRRule": {map[string]any{"rrule": "FREQ=SOMETIMES"}, "rrule"},
			"ErrUnknownZone":  {map[string]any{"time_zone": "Europe/Atlantis"}, "time_zone"},
			"ErrEndBeforeStart": {map[string]any{"end": "2026-01-01T00:00:00Z", "duration_minutes": nil,
				"start": "2026-01-02T00:00:00Z"}, "end"},
			"ErrUnknownCI":  {map[string]any{"scope": map[string]any{"cis": []string{"nope"}}}, "scope.cis[0]"},
			"ErrBadExDate":  {map[string]any{"exdates": []string{"next tuesday"}}, "exdates[0]"},
			"ErrNoScope":    {map[string]any{"scope": map[string]any{}}, "scope"},
			"ErrUnknownKey": {map[string]any{"colour": "red"}, "colour"},
		}
		for name, tc := range bad {
			t.Run(name, func(t *testing.T) {
				body := map[string]any{"name": "bad " + name, "kind": "blackout", "scope": map[string]any{"all": true},
					"time_zone": "UTC", "start": "2026-01-01T00:00:00Z", "duration_minutes": 60}
				for k, v := range tc.body {
					if v == nil {
						delete(body, k)
					} else {
						body[k] = v
					}
				}
				res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/windows", Token: c.cm.token, Body: body})
				if p := res.Problem(t); p.Status != http.StatusBadRequest || !p.HasField(tc.field) {
					t.Fatalf("%d %s, want 400 naming %s", res.Status, res.Body, tc.field)
				}
				if res := get(t, s, "/api/v1/windows/bad%20"+strings.ReplaceAll(name, " ", "%20"), c.cm.token); res.Status != http.StatusNotFound {
					t.Fatalf("refused window was written: %d", res.Status)
				}
			})
		}
		t.Run("ErrTenYearExpansion", func(t *testing.T) {
			res := get(t, s, "/api/v1/windows/"+berlin.ID+"/occurrences?from=2026-01-01T00:00:00Z&to=2036-01-01T00:00:00Z", c.cm.token)
			if p := res.Problem(t); p.Status != http.StatusBadRequest || !p.HasField("to") {
				t.Fatalf("ten years: %d %s", res.Status, res.Body)
			}
		})
		t.Run("OKDelete", func(t *testing.T) {
			res := s.Do(t, apitest.Request{Method: "DELETE", Path: "/api/v1/windows/berlin%20nights", Token: c.cm.token})
			if res.Status != http.StatusNoContent {
				t.Fatalf("delete: %d %s", res.Status, res.Body)
			}
			if res := get(t, s, "/api/v1/windows/"+berlin.ID, c.cm.token); res.Status != http.StatusNotFound {
				t.Fatalf("after delete: %d", res.Status)
			}
		})
	})
}

func TestNextSlot(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		c := newCAB(t, s)
		sat := nextSaturday()
		c.mustWindow(t, map[string]any{"name": "db saturday nights", "kind": "maintenance", "scope": map[string]any{"cis": []string{c.db}},
			"time_zone": "UTC", "start": sat.Add(22 * time.Hour).Format(time.RFC3339), "duration_minutes": 240, "rrule": "FREQ=WEEKLY;BYDAY=SA"})
		// web-01 runs on db-01: its blackout keeps db-01's changes out too.
		c.mustWindow(t, map[string]any{"name": "web launch", "kind": "blackout", "scope": map[string]any{"cis": []string{c.web}},
			"time_zone": "UTC", "start": sat.Add(21 * time.Hour).Format(time.RFC3339), "duration_minutes": 120})
		slot := func(t *testing.T, duration string) (apitest.Response, string) {
			res := get(t, s, "/api/v1/schedule/next-slot?ci="+c.db+"&duration="+duration+"&after="+sat.Format(time.RFC3339), c.requester.token)
			var out struct{ Start, End time.Time }
			if res.Status == http.StatusOK {
				res.JSON(t, &out)
			}
			return res, out.Start.UTC().Format(time.RFC3339) + "/" + out.End.UTC().Format(time.RFC3339)
		}
		if _, got := slot(t, "2h"); got != sat.Add(23*time.Hour).Format(time.RFC3339)+"/"+sat.Add(25*time.Hour).Format(time.RFC3339) {
			t.Fatalf("slot after the blackout: %s", got)
		}
		r := c.readyRFC(t, "db patches", []string{c.db}, "medium")
		c.mustFire(t, c.rm, r.ID, "schedule", map[string]any{"window": utcSpan(sat.Add(23*time.Hour), time.Hour)})
		if _, got := slot(t, "2h"); got != sat.Add(24*time.Hour).Format(time.RFC3339)+"/"+sat.Add(26*time.Hour).Format(time.RFC3339) {
			t.Fatalf("slot after the scheduled RFC: %s", got)
		}
		if res, _ := slot(t, "5h"); res.Problem(t).Status != http.StatusNotFound {
			t.Fatalf("five hours never fit a four-hour window: %d %s", res.Status, res.Body)
		}
		if res, _ := slot(t, "soon"); !res.Problem(t).HasField("duration") {
			t.Fatalf("bad duration: %d %s", res.Status, res.Body)
		}
		t.Run("OKAgendaListsConflicts", func(t *testing.T) {
			awaiting := c.toAwaiting(t, "significant db change", "significant", "medium")
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/cab-meetings", Token: c.cm.token,
				Body: map[string]any{"board_id": c.cabID, "starts_at": time.Now().UTC().Add(time.Hour).Format(time.RFC3339)}})
			var m struct {
				Agenda []struct {
					RFCID     string   `json:"rfc_id"`
					Conflicts []string `json:"conflicts"`
				} `json:"agenda"`
			}
			res.JSON(t, &m)
			if res.Status != http.StatusCreated || len(m.Agenda) != 1 || m.Agenda[0].RFCID != awaiting.ID ||
				!strings.Contains(strings.Join(m.Agenda[0].Conflicts, "|"), "outside_maintenance on db-01") {
				t.Fatalf("agenda: %d %s", res.Status, res.Body)
			}
		})
	})
}
