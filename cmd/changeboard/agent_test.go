package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/apitest"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

const dpkgSample = `Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: libc6
Status: install ok installed
Architecture: i386
Version: 2.36-9+deb12u4

Package: old-tool
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: tzdata
Status: hold ok installed
Architecture: all
Version: 2024a-0+deb12u1
`

func TestParseDpkgStatus(t *testing.T) {
	got, err := parseDpkgStatus(strings.NewReader(dpkgSample))
	if err != nil {
		t.Fatal(err)
	}
	want := []agentPackage{
		{Kind: "deb", Name: "libc6", Version: "2.36-9+deb12u4", Architecture: "amd64"},
		{Kind: "deb", Name: "libc6", Version: "2.36-9+deb12u4", Architecture: "i386"},
		{Kind: "deb", Name: "tzdata", Version: "2024a-0+deb12u1", Architecture: "all"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed %+v", got)
	}
}

func TestParseRPMQuery(t *testing.T) {
	out := "bash\t0\t5.1.8\t9.el9\tx86_64\nopenssl\t1\t3.0.7\t27.el9\tx86_64\ngpg-pubkey\t0\tfd431d51\t4ae0493b\t(none)\nbroken line\n"
	got, err := parseRPMQuery(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []agentPackage{
		{Kind: "rpm", Name: "bash", Version: "5.1.8-9.el9", Architecture: "x86_64"},
		{Kind: "rpm", Name: "openssl", Version: "1:3.0.7-27.el9", Architecture: "x86_64"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed %+v", got)
	}
}

func TestAgentUsage(t *testing.T) {
	for _, args := range [][]string{{"agent"}, {"agent", "report", "--server", "http://x"}, {"agent", "report", "--rpm", "maybe", "--server", "x", "--token", "t"}} {
		if r := runCmd(t, nil, "", args...); r.err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// installedCount counts the installed packages of a dpkg status file in
// the plainest way: the Status lines that end in " installed".
func installedCount(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "Status: ") && strings.HasSuffix(l, " installed") {
			n++
		}
	}
	return n
}

// TestAgentReportEndToEnd runs the reporter against this machine's real
// dpkg status file and the real service on each database: the agent's
// API token reports, the server keeps what dpkg knows, and a second run
// finds nothing changed.
func TestAgentReportEndToEnd(t *testing.T) {
	const status = "/var/lib/dpkg/status"
	if _, err := os.Stat(status); err != nil {
		t.Skip("no dpkg status file on this machine")
	}
	want := installedCount(t, status)
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			s := apitest.New(t, d, nil)
			agentID, login := s.MustUser(t, "agent-host", "agent")
			res := s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/tokens", Token: login, Body: map[string]any{
				"name": "reporter", "roles": []string{"agent"}, "expires_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}})
			var tok struct {
				Token string `json:"token"`
			}
			res.JSON(t, &tok)
			res = s.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/cis", Token: s.Admin, Body: map[string]any{
				"name": "host-1", "type": "server", "criticality": "medium", "agent_id": agentID}})
			if res.Status != http.StatusCreated || tok.Token == "" {
				t.Fatalf("set-up: %d %s", res.Status, res.Body)
			}
			args := []string{"agent", "report", "--server", s.URL, "--token", tok.Token, "--ci", "host-1", "--dpkg-status", status}
			out := mustRun(t, nil, args...)
			if !strings.Contains(out, "for host-1") {
				t.Fatalf("output: %q", out)
			}
			var inv struct {
				PackageCount int `json:"package_count"`
				Packages     []struct{ Kind, Name, Version string }
			}
			s.Do(t, apitest.Request{Method: "GET", Path: "/api/v1/cis/host-1/inventory", Token: s.Admin}).JSON(t, &inv)
			if inv.PackageCount != want || len(inv.Packages) < want {
				t.Fatalf("the server holds %d packages, dpkg lists %d installed", inv.PackageCount, want)
			}
			checkDpkgVersion(t, inv.Packages)
			if out := mustRun(t, nil, args...); !strings.Contains(out, "0 added, 0 removed, 0 changed") {
				t.Fatalf("second run: %q", out)
			}
			r := runCmd(t, nil, "", "agent", "report", "--server", s.URL, "--token", "not-a-token", "--ci", "host-1")
			if r.err == nil || !strings.Contains(r.err.Error(), "401") {
				t.Fatalf("bad token: %v", r.err)
			}
		})
	}
}

// checkDpkgVersion compares what the server holds for dpkg itself with
// what dpkg-query says, when it is there to ask.
func checkDpkgVersion(t *testing.T, pkgs []struct{ Kind, Name, Version string }) {
	t.Helper()
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", "dpkg").Output()
	if err != nil {
		return
	}
	for _, p := range pkgs {
		if p.Kind == "deb" && p.Name == "dpkg" {
			if p.Version != string(out) {
				t.Fatalf("dpkg %s on the server, %s by dpkg-query", p.Version, out)
			}
			return
		}
	}
	t.Fatal("dpkg itself is not in the inventory")
}
