package webui_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/changeboard/changeboard/internal/apitest"
)

// chromium returns the path of Debian's Chromium. Without it the browser
// tests skip on a laptop and fail in CI (CI=true), which installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but Chromium is missing: the browser tests cannot be skipped in CI (.ci/run installs it)")
	}
	t.Skip("Chromium is not installed (apt-get install chromium); the browser tests run in CI")
	return ""
}

// headless starts one headless Chromium for the test and returns a tab.
func headless(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 1000),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	// A generous bound for a shared, slow machine; no assertion depends on it.
	ctx, cancelTimeout := context.WithTimeout(ctx, 10*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// tab is one browser tab on the service, failing the test (with a
// screenshot kept as an artefact) at the first step that fails.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (b tab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	// A step that waits for an element that never comes (a refused form
	// renders no notice) fails after this bound instead of hanging; it is
	// generous for a loaded machine and no assertion depends on it.
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.screenshot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

// artefacts is where failure screenshots go: $CHANGEBOARD_ARTIFACTS (CI
// keeps it), else a folder under the system's temp dir.
func artefacts() string {
	if d := os.Getenv("CHANGEBOARD_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "changeboard-artifacts")
}

func (b tab) screenshot(name string) string {
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	dir := artefacts()
	_ = os.MkdirAll(dir, 0o755)
	path := filepath.Join(dir, strings.ReplaceAll(b.t.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

func (b tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.screenshot("failed-read")
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

func (b tab) login(user string) {
	b.t.Helper()
	b.run("log in as "+user,
		chromedp.Navigate(b.base+"/ui/login"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), user),
		chromedp.SendKeys(chromedp.CSS(`#password`), apitest.UserPassword),
		chromedp.Click(chromedp.CSS(`form[action="/ui/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.logout`)),
	)
	if h := b.text("h1"); h != "Dashboard" {
		b.t.Fatalf("after logging in as %s the page says %q", user, h)
	}
}

func (b tab) logout() {
	b.t.Helper()
	b.run("log out", chromedp.Click(chromedp.CSS(`form.logout button`)), chromedp.WaitVisible(chromedp.CSS(`#username`)))
}

// clearNotice removes the page's notice, so that waiting for one waits
// for the next page.
func clearNotice() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`document.querySelectorAll('.notice').forEach(n => n.remove()); true`)(ctx, t)
		return err
	})
}

// act submits the action form of event on the RFC page.
func (b tab) act(event string, fill ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	actions := append([]chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`button[value=%q]`, event)))}, fill...)
	actions = append(actions, clearNotice(), chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[value=%q]`, event))),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	b.run(event, actions...)
}

func (b tab) has(sel string) bool {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		b.t.Fatalf("count %s: %v", sel, err)
	}
	return n > 0
}

// TestBrowserChangeFlow walks an RFC from a requester's draft to a
// schedule in a real Chromium, one user after another, and checks each
// step on the page and through the API.
func TestBrowserChangeFlow(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		e := newEstate(t, s)
		b := tab{t: t, ctx: headless(t), base: s.URL}

		b.login("rita")
		b.run("open the new RFC form", chromedp.Navigate(s.URL+"/ui/changes/new"), chromedp.WaitVisible(chromedp.CSS(`#rfc-title`)))
		b.run("submit without a title",
			chromedp.SendKeys(chromedp.CSS(`#rfc-reason`), "CVE-2026-1234 on the web tier"),
			chromedp.SendKeys(chromedp.CSS(`#rfc-implementation_plan`), "apt-get upgrade openssl"),
			chromedp.SendKeys(chromedp.CSS(`#rfc-backout_plan`), "apt-get install openssl=3.0.1"),
			chromedp.SendKeys(chromedp.CSS(`#rfc-test_plan`), "smoke tests"),
			chromedp.Click(chromedp.CSS(`form[action="/ui/changes"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#rfc-title-err`)),
		)
		if msg := b.text("#rfc-title-err"); msg == "" {
			t.Fatal("no error next to the title")
		}
		b.run("fix the title and create",
			chromedp.SendKeys(chromedp.CSS(`#rfc-title`), "Patch OpenSSL on web-01"),
			chromedp.SetAttributeValue(chromedp.CSS(fmt.Sprintf(`#rfc-affected_cis option[value=%q]`, e.web)), "selected", "selected"),
			chromedp.SetAttributeValue(chromedp.CSS(fmt.Sprintf(`#rfc-affected_cis option[value=%q]`, e.db)), "selected", "selected"),
			chromedp.Click(chromedp.CSS(`form[action="/ui/changes"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.notice`)),
		)
		loc, err := chromedp.Run(b.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		m := rfcPath.FindStringSubmatch(strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], s.URL))
		if m == nil {
			t.Fatalf("after create the browser is at %s", loc)
		}
		id := m[1]
		if state, _ := e.rfc(t, id); state != "draft" {
			t.Fatalf("state %s, want draft", state)
		}
		b.act("submit")
		if state, _ := e.rfc(t, id); state != "submitted" {
			t.Fatalf("state %s, want submitted", state)
		}
		b.logout()

		b.login("carl")
		b.run("open the RFC", chromedp.Navigate(s.URL+"/ui/changes/"+id))
		b.act("classify", chromedp.SetValue(chromedp.CSS(`#classify-category`), "significant"),
			chromedp.SetValue(chromedp.CSS(`#classify-priority`), "medium"))
		b.act("request_approval")
		if state, _ := e.rfc(t, id); state != "awaiting_approval" {
			t.Fatalf("state %s, want awaiting_approval", state)
		}
		b.logout()

		b.login("rita")
		b.run("open the RFC", chromedp.Navigate(s.URL+"/ui/changes/"+id), chromedp.WaitVisible(chromedp.CSS(`#actions`)))
		if b.has(`form[action$="/votes"]`) {
			t.Error("the requester is offered the vote form")
		}
		b.logout()

		// The change manager calls a CAB meeting and records who attends.
		b.login("carl")
		b.run("call a meeting", chromedp.Navigate(s.URL+"/ui/cab"), chromedp.WaitVisible(chromedp.CSS(`#m-title`)),
			chromedp.SetValue(chromedp.CSS(`#m-board`), e.cabID),
			chromedp.SendKeys(chromedp.CSS(`#m-title`), "Weekly CAB"),
			// The meeting is held now: votes are taken in it from its start.
			chromedp.SetValue(chromedp.CSS(`#m-start`), time.Now().UTC().Add(-10*time.Minute).Format("2006-01-02T15:04")),
			chromedp.Click(chromedp.CSS(`form[action="/ui/cab/meetings"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`.notice`)))
		if agenda := b.text("#agenda + table"); !strings.Contains(agenda, "Patch OpenSSL") {
			t.Fatalf("the RFC is not on the meeting's agenda:\n%s", agenda)
		}
		b.run("record attendance",
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`#att-%s`, e.members[0]))),
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`#att-%s`, e.members[1]))),
			clearNotice(), chromedp.Click(chromedp.CSS(`form[action$="/attendance"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`.notice`)))
		meeting, err := chromedp.Run(b.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		meeting = strings.SplitN(meeting, "?", 2)[0]
		b.logout()

		// Two CAB members vote in the meeting.
		for i, who := range []string{"member0", "member1"} {
			b.login(who)
			if !strings.Contains(b.text("#approvals + table"), "Patch OpenSSL") {
				t.Errorf("%s's dashboard does not list the RFC waiting for the vote", who)
			}
			b.run("open the meeting", chromedp.Navigate(meeting))
			b.run("vote in the meeting",
				chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#vote-%s-reason`, id))),
				chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`#vote-%s-decision`, id)), "approve"),
				chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`#vote-%s-reason`, id)), "back-out plan is sound"),
				clearNotice(), chromedp.Click(chromedp.CSS(`.inline-vote button`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice`)))
			if _, votes := e.rfc(t, id); votes != i+1 {
				t.Fatalf("%d votes after %s, want %d", votes, who, i+1)
			}
			b.logout()
		}
		if state, _ := e.rfc(t, id); state != "approved" {
			t.Fatalf("state %s after two approvals, want approved", state)
		}
		var inMeeting struct {
			Items []struct {
				MeetingID string `json:"meeting_id"`
			}
		}
		s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/changes/" + id + "/votes", Token: s.Admin}).JSON(t, &inMeeting)
		for _, v := range inMeeting.Items {
			if v.MeetingID == "" || !strings.HasSuffix(meeting, v.MeetingID) {
				t.Errorf("a vote was not recorded in the meeting: %+v", v)
			}
		}

		b.login("carl")
		if !strings.Contains(b.text("#to-schedule + table"), "Patch OpenSSL") {
			t.Error("the approved RFC is not on the change manager's dashboard")
		}
		b.run("open the RFC", chromedp.Navigate(s.URL+"/ui/changes/"+id))
		start := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Hour)
		b.act("schedule",
			chromedp.SetValue(chromedp.CSS(`#schedule-start`), start.Format("2006-01-02T15:04")),
			chromedp.SetValue(chromedp.CSS(`#schedule-end`), start.Add(2*time.Hour).Format("2006-01-02T15:04")),
			chromedp.SetValue(chromedp.CSS(`#schedule-tz`), "UTC"))
		if state, _ := e.rfc(t, id); state != "scheduled" {
			t.Fatalf("state %s, want scheduled", state)
		}
		b.run("open the schedule", chromedp.Navigate(s.URL+"/ui/schedule?from="+start.Format("2006-01-02")),
			chromedp.WaitVisible(chromedp.CSS(`.calendar`)))
		if cal := b.text(".calendar"); !strings.Contains(cal, "Patch OpenSSL") {
			t.Errorf("the scheduled RFC is not on the calendar:\n%s", cal)
		}
		b.run("back to the RFC", chromedp.Navigate(s.URL+"/ui/changes/"+id), chromedp.WaitVisible(chromedp.CSS(`.timeline`)))
		if got := b.text(".meta .badge"); got != "scheduled" {
			t.Errorf("the page shows the state %q, want scheduled", got)
		}
		if h := b.text(".timeline"); !strings.Contains(h, "rfc.vote") || !strings.Contains(h, "member1") {
			t.Errorf("the history does not show the votes and who cast them:\n%s", h)
		}
		b.logout()

		// The auditor reads the RFC's events and verifies the chain.
		s.Seal(t)
		b.login("audrey")
		b.run("open the audit trail", chromedp.Navigate(s.URL+"/ui/audit?entity_id="+id+"&verify=1"),
			chromedp.WaitVisible(chromedp.CSS(`#events`)))
		if v := b.text("#chain + p"); !strings.Contains(v, "The chain verifies") {
			t.Errorf("verification shows %q", v)
		}
		if ev := b.text("#events + table"); !strings.Contains(ev, "rfc.vote") || !strings.Contains(ev, "rfc.schedule") {
			t.Errorf("the RFC's events are missing:\n%s", ev)
		}
		b.run("open the RFC's history", chromedp.Navigate(s.URL+"/ui/changes/"+id), chromedp.WaitVisible(chromedp.CSS(`.timeline`)))
		if h := b.text(".timeline"); !strings.Contains(h, "member1") {
			t.Errorf("the auditor's history does not say who voted:\n%s", h)
		}
		if b.has(`form.action`) {
			t.Error("the auditor is offered actions")
		}
		b.run("back to the RFC as its change manager", chromedp.Click(chromedp.CSS(`form.logout button`)), chromedp.WaitVisible(chromedp.CSS(`#username`)))
		b.login("carl")
		b.run("open the RFC", chromedp.Navigate(s.URL+"/ui/changes/"+id), chromedp.WaitVisible(chromedp.CSS(`.timeline`)))
		if os.Getenv("CHANGEBOARD_SCREENSHOT_DOCS") != "" {
			png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("..", "..", "docs", "ui-rfc.png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
}
