package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"
)

const agentUsage = `usage: changeboard agent report [flags]

Reads the local package database (dpkg's status file; rpm where present)
and sends it as the CI's full inventory. The token is an API token of a
user with the agent role whom the CI names as its agent_id.

flags:
  --server URL        the Changeboard server (or CHANGEBOARD_SERVER)
  --token T           the API token (or CHANGEBOARD_AGENT_TOKEN)
  --ci NAME           the CI's name or id (default: this host's name)
  --dpkg-status PATH  dpkg's status file (default /var/lib/dpkg/status)
  --rpm auto|always|never  query rpm (auto: when rpm and its database exist)
`

// agentPackage is one package as the API takes it.
type agentPackage struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Version      string `json:"version"`
	Architecture string `json:"architecture"`
}

// agentOptions are the flags of agent report.
type agentOptions struct {
	server, token, ci, dpkgStatus, rpm string
}

func agentCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "run" {
		return agentRun(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "report" {
		fmt.Fprint(stderr, agentUsage+"\n"+agentRunUsage)
		return errUsage
	}
	opt, err := parseAgentFlags(args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	pkgs, err := readPackages(ctx, opt, stderr)
	if err != nil {
		return err
	}
	return sendInventory(ctx, opt, pkgs, time.Now().UTC(), stdout)
}

func parseAgentFlags(args []string, getenv func(string) string, stderr io.Writer) (agentOptions, error) {
	fs := flag.NewFlagSet("agent report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, agentUsage) }
	host, _ := os.Hostname()
	var o agentOptions
	fs.StringVar(&o.server, "server", getenv("CHANGEBOARD_SERVER"), "the Changeboard server")
	fs.StringVar(&o.token, "token", getenv("CHANGEBOARD_AGENT_TOKEN"), "the API token")
	fs.StringVar(&o.ci, "ci", host, "the CI's name or id")
	fs.StringVar(&o.dpkgStatus, "dpkg-status", "/var/lib/dpkg/status", "dpkg's status file")
	fs.StringVar(&o.rpm, "rpm", "auto", "query rpm: auto, always or never")
	if err := fs.Parse(args); err != nil {
		return o, errUsage
	}
	switch {
	case o.server == "" || o.token == "" || o.ci == "":
		return o, fmt.Errorf("%w: --server, --token and --ci are required", errUsage)
	case o.rpm != "auto" && o.rpm != "always" && o.rpm != "never":
		return o, fmt.Errorf("%w: --rpm must be auto, always or never", errUsage)
	case fs.NArg() > 0:
		return o, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return o, nil
}

// readPackages reads dpkg's status file when it exists and rpm's database
// when asked; finding no package database at all is an error.
func readPackages(ctx context.Context, o agentOptions, stderr io.Writer) ([]agentPackage, error) {
	pkgs := []agentPackage{}
	found := false
	f, err := os.Open(o.dpkgStatus)
	switch {
	case err == nil:
		deb, perr := parseDpkgStatus(f)
		_ = f.Close()
		if perr != nil {
			return nil, fmt.Errorf("read %s: %w", o.dpkgStatus, perr)
		}
		pkgs, found = append(pkgs, deb...), true
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	if o.rpm == "always" || (o.rpm == "auto" && rpmPresent()) {
		rpms, err := queryRPM(ctx)
		if err != nil && o.rpm == "always" {
			return nil, err
		}
		if err != nil {
			fmt.Fprintln(stderr, "changeboard agent: rpm skipped:", err)
		} else {
			pkgs, found = append(pkgs, rpms...), true
		}
	}
	if !found {
		return nil, fmt.Errorf("no package database found (%s, rpm)", o.dpkgStatus)
	}
	return pkgs, nil
}

// parseDpkgStatus reads the installed packages from a dpkg status file:
// paragraphs of "Field: value" lines separated by blank lines, with
// continuation lines starting with a space. Only packages whose status
// ends in "installed" count (not those removed with their configuration
// kept, or half-installed).
func parseDpkgStatus(r io.Reader) ([]agentPackage, error) {
	var out []agentPackage
	fields := map[string]string{}
	flush := func() {
		st := strings.Fields(fields["Status"])
		if fields["Package"] != "" && len(st) == 3 && st[2] == "installed" {
			out = append(out, agentPackage{Kind: "deb", Name: fields["Package"], Version: fields["Version"],
				Architecture: fields["Architecture"]})
		}
		clear(fields)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == ' ' || line[0] == '\t':
			// a continuation of a multi-line field: nothing we read
		default:
			if k, v, ok := strings.Cut(line, ":"); ok {
				fields[k] = strings.TrimSpace(v)
			}
		}
	}
	flush()
	return out, sc.Err()
}

// rpmPresent reports whether rpm and an rpm database exist here.
func rpmPresent() bool {
	if _, err := exec.LookPath("rpm"); err != nil {
		return false
	}
	for _, dir := range []string{"/var/lib/rpm", "/usr/lib/sysimage/rpm"} {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return true
		}
	}
	return false
}

// rpmQueryFormat prints name, epoch (0 when none), version, release and
// architecture, tab-separated.
const rpmQueryFormat = `%{NAME}\t%|EPOCH?{%{EPOCH}}:{0}|\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n`

func queryRPM(ctx context.Context) ([]agentPackage, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "rpm", "-qa", "--qf", rpmQueryFormat).Output()
	if err != nil {
		return nil, fmt.Errorf("rpm -qa: %w", err)
	}
	return parseRPMQuery(bytes.NewReader(out))
}

// parseRPMQuery reads rpmQueryFormat lines into packages versioned
// [epoch:]version-release, as RPM compares them. The gpg-pubkey entries
// are keys, not packages.
func parseRPMQuery(r io.Reader) ([]agentPackage, error) {
	var out []agentPackage
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 5 || f[0] == "gpg-pubkey" {
			continue
		}
		v := f[2] + "-" + f[3]
		if f[1] != "0" && f[1] != "" {
			v = f[1] + ":" + v
		}
		arch := f[4]
		if arch == "(none)" {
			arch = ""
		}
		out = append(out, agentPackage{Kind: "rpm", Name: f[0], Version: v, Architecture: arch})
	}
	return out, sc.Err()
}

// sendInventory PUTs the report and prints what the server recorded.
func sendInventory(ctx context.Context, o agentOptions, pkgs []agentPackage, now time.Time, stdout io.Writer) error {
	body, err := json.Marshal(map[string]any{"reported_at": now.Format(time.RFC3339Nano), "packages": pkgs})
	if err != nil {
		return err
	}
	endpoint := strings.TrimRight(o.server, "/") + "/api/v1/cis/" + url.PathEscape(o.ci) + "/inventory"
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+o.token)
	res, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return problemError(res.StatusCode, raw)
	}
	var out struct {
		CIName       string `json:"ci_name"`
		PackageCount int    `json:"package_count"`
		Unchanged    bool   `json:"unchanged"`
		Diff         struct{ Added, Removed, Changed []json.RawMessage }
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("the server's answer: %w", err)
	}
	fmt.Fprintf(stdout, "reported %d packages for %s: %d added, %d removed, %d changed\n", out.PackageCount,
		out.CIName, len(out.Diff.Added), len(out.Diff.Removed), len(out.Diff.Changed))
	return nil
}

// problemError turns a problem+json answer into an error that says what
// the server refused.
func problemError(status int, raw []byte) error {
	var p struct {
		Detail string `json:"detail"`
		Errors []struct{ Field, Reason string }
	}
	if json.Unmarshal(raw, &p) != nil || p.Detail == "" {
		return fmt.Errorf("the server answered %d", status)
	}
	msg := p.Detail
	for _, e := range p.Errors {
		msg += fmt.Sprintf("; %s: %s", e.Field, e.Reason)
	}
	return fmt.Errorf("the server answered %d: %s", status, msg)
}
