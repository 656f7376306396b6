package release

import (
	"slices"
	"strings"
	"time"

	"github.com/changeboard/changeboard/internal/errs"
)

// DeploymentState is where a deployment is as a whole.
type DeploymentState string

// The deployment states: scheduled until its first wave opens, running
// while waves open and close, halted by a failed wave or the release
// manager, finished when its last wave has closed (or its backout run has
// ended), cancelled before it finished.
const (
	DeploymentScheduled DeploymentState = "scheduled"
	DeploymentRunning   DeploymentState = "running"
	DeploymentHalted    DeploymentState = "halted"
	DeploymentFinished  DeploymentState = "finished"
	DeploymentCancelled DeploymentState = "cancelled"
)

// Active reports whether the deployment may still open waves or take reports.
func (s DeploymentState) Active() bool {
	return s == DeploymentScheduled || s == DeploymentRunning || s == DeploymentHalted
}

// Mode is what the deployment's agents run: the install templates, or the
// backout templates of a rollback run.
type Mode string

// The modes.
const (
	ModeInstall Mode = "install"
	ModeBackout Mode = "backout"
)

// Deployment is one rollout of a release: its targets, frozen when it was
// created and split into ordered waves, and the packages and command
// templates frozen with them.
type Deployment struct {
	ID        string
	ReleaseID string
	State     DeploymentState
	Mode      Mode
	// Emergency records that the window rules were waived because every
	// RFC covering the targets is an authorised emergency (DESIGN §3.2).
	Emergency bool
	Packages  []Item
	Commands  []Commands
	UpdateIDs []string
	CreatedBy string
	Waves     []Wave
	// RollbackReason is why the backout run was started, if it was.
	RollbackReason string
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	FinishedAt     *time.Time
}

// WaveState is where a wave is.
type WaveState string

// The wave states.
const (
	WavePending   WaveState = "pending"
	WaveOpen      WaveState = "open"
	WavePassed    WaveState = "passed"
	WaveFailed    WaveState = "failed"
	WaveCancelled WaveState = "cancelled"
)

// Wave is one step of a deployment.
type Wave struct {
	Number int
	Name   string
	Start  time.Time
	End    time.Time
	// MaxFailedShare is the failure threshold: a wave whose failed (and
	// skipped) share of targets passes it fails and halts the rest.
	MaxFailedShare float64
	// RequirePrevious says the wave opens only after the previous passed.
	RequirePrevious bool
	State           WaveState
	OpenedAt        *time.Time
	ClosedAt        *time.Time
}

// Target is one CI of a deployment: its wave, the RFC that authorises it
// and its latest result.
type Target struct {
	DeploymentID string
	CIID         string
	CIName       string
	// Platform is the CI's os when the deployment was created.
	Platform      string
	RFCID         string
	Wave          int
	State         TargetState
	Attempt       int
	RebootPending bool
	ExitCode      *int
	Output        string
	StartedAt     *time.Time
	FinishedAt    *time.Time
	Version       int64
	UpdatedAt     time.Time
}

// WaveInput is one wave as the release manager plans it: its window,
// threshold and the CIs, groups or environments it targets.
type WaveInput struct {
	Name            string
	Start, End      time.Time
	MaxFailedShare  float64
	RequirePrevious bool
	CIs             []string
	Groups          []string
	Environments    []string
}

// DeploymentInput is what creating a deployment takes.
type DeploymentInput struct {
	Waves  []WaveInput
	Reason string
}

// Limits of a deployment.
const (
	MaxWaves   = 20
	MaxTargets = 20000
	// MaxOutput bounds the output tail kept per target.
	MaxOutput = 4096
)

// Validate checks the plan before any target is resolved.
func (in DeploymentInput) Validate() error {
	var f errs.Fields
	switch {
	case len(in.Waves) == 0:
		f.Add("waves", "must hold at least one wave (a pilot first)")
	case len(in.Waves) > MaxWaves:
		f.Add("waves", "must hold at most 20 waves")
	}
	for i, w := range in.Waves {
		p := indexed("waves", i)
		if w.Start.IsZero() {
			f.Add(p+".start", "is required")
		}
		if w.End.IsZero() {
			f.Add(p+".end", "is required")
		}
		if !w.Start.IsZero() && !w.End.IsZero() && !w.Start.Before(w.End) {
			f.Add(p+".end", "must be after the start")
		}
		if i > 0 && !w.Start.IsZero() && w.Start.Before(in.Waves[i-1].Start) {
			f.Add(p+".start", "must not be before the previous wave's start")
		}
		if w.MaxFailedShare < 0 || w.MaxFailedShare > 1 {
			f.Add(p+".max_failed_share", "must be between 0 and 1")
		}
		if len(w.CIs)+len(w.Groups)+len(w.Environments) == 0 {
			f.Add(p+".targets", "must name at least one CI, group or environment")
		}
		if len(w.Name) > maxName {
			f.Add(p+".name", "must be at most 200 characters")
		}
	}
	return f.Err()
}

// Span is the deployment's whole window: the first start to the last end.
func (d Deployment) Span() (time.Time, time.Time) {
	var from, to time.Time
	for i, w := range d.Waves {
		if i == 0 || w.Start.Before(from) {
			from = w.Start
		}
		if w.End.After(to) {
			to = w.End
		}
	}
	return from, to
}

// Wave returns the wave numbered n.
func (d Deployment) Wave(n int) (Wave, bool) {
	for _, w := range d.Waves {
		if w.Number == n {
			return w, true
		}
	}
	return Wave{}, false
}

// Counts are the number of targets per state.
type Counts map[TargetState]int

// Total is the number of targets counted.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Done is the number of targets with their result.
func (c Counts) Done() int { return c.Total() - c[TargetPending] - c[TargetInProgress] }

// FailedShare is the failed and skipped share of the targets.
func (c Counts) FailedShare() float64 {
	if c.Total() == 0 {
		return 0
	}
	return float64(c[TargetFailed]+c[TargetSkipped]) / float64(c.Total())
}

// Progress is a deployment's progress: counts per wave and in total.
type Progress struct {
	Waves   map[int]Counts
	Total   Counts
	Percent float64
	// ETA is when the last result is expected, extrapolated from the pace
	// so far; nil before the first result or once everything is done.
	ETA *time.Time
}

// progress computes percent and ETA from the counts.
func progress(d Deployment, waves map[int]Counts, now time.Time) Progress {
	p := Progress{Waves: waves, Total: Counts{}}
	for _, c := range waves {
		for s, n := range c {
			p.Total[s] += n
		}
	}
	if t := p.Total.Total(); t > 0 {
		p.Percent = float64(p.Total.Done()) * 100 / float64(t)
	}
	var opened *time.Time
	for _, w := range d.Waves {
		if w.OpenedAt != nil && (opened == nil || w.OpenedAt.Before(*opened)) {
			opened = w.OpenedAt
		}
	}
	if done, total := p.Total.Done(), p.Total.Total(); opened != nil && done > 0 && done < total && d.State.Active() {
		elapsed := now.Sub(*opened)
		eta := now.Add(time.Duration(float64(elapsed) / float64(done) * float64(total-done)))
		p.ETA = &eta
	}
	return p
}

// tail keeps the end of an agent's output, at most MaxOutput bytes, cut
// at a rune boundary.
func tail(s string) string {
	if len(s) <= MaxOutput {
		return s
	}
	s = s[len(s)-MaxOutput:]
	for i := 0; i < 4 && i < len(s); i++ {
		if s[i]&0xC0 != 0x80 {
			return s[i:]
		}
	}
	return strings.ToValidUTF8(s, "")
}

// approvedForDeployment are the RFC states in which a release may deploy
// for an RFC: authorised and not yet implemented.
func approvedForDeployment(s string) bool {
	return slices.Contains([]string{"approved", "in_development", "ready_for_release", "scheduled", "implementing"}, s)
}
