package config

import (
	"flag"
	"fmt"
	"strconv"
	"time"
)

// Jobs configures the job runner (internal/jobs).
type Jobs struct {
	// Workers is how many jobs this process runs at once; 0 runs none
	// (the process still enqueues; another replica works the jobs).
	Workers int
	// PollInterval is how often idle workers look for new jobs.
	PollInterval time.Duration
	// MaxAttempts is how often a job is tried before it is dead.
	MaxAttempts int
	// RetryBase is the wait after the first failed attempt, doubled after
	// each further one up to RetryMax.
	RetryBase time.Duration
	RetryMax  time.Duration
}

// jobFlags declares the runner's flags; parse reads them once fs is parsed.
type jobFlags struct{ workers, poll, attempts, base, max *string }

func newJobFlags(fs *flag.FlagSet, env func(name, def string) string) jobFlags {
	return jobFlags{
		workers:  fs.String("jobs-workers", env("JOBS_WORKERS", "4"), "jobs run at once by this process, 0 for none (CHANGEBOARD_JOBS_WORKERS)"),
		poll:     fs.String("jobs-poll-interval", env("JOBS_POLL_INTERVAL", "1s"), "how often idle workers look for jobs (CHANGEBOARD_JOBS_POLL_INTERVAL)"),
		attempts: fs.String("jobs-max-attempts", env("JOBS_MAX_ATTEMPTS", "10"), "attempts before a job is dead (CHANGEBOARD_JOBS_MAX_ATTEMPTS)"),
		base:     fs.String("jobs-retry-base", env("JOBS_RETRY_BASE", "1s"), "wait before a job's first retry, doubled each time (CHANGEBOARD_JOBS_RETRY_BASE)"),
		max:      fs.String("jobs-retry-max", env("JOBS_RETRY_MAX", "1h"), "longest wait between two attempts (CHANGEBOARD_JOBS_RETRY_MAX)"),
	}
}

func (f jobFlags) parse(problems *[]string) Jobs {
	var j Jobs
	parseInt(problems, "CHANGEBOARD_JOBS_WORKERS", *f.workers, &j.Workers)
	parseDuration(problems, "CHANGEBOARD_JOBS_POLL_INTERVAL", *f.poll, &j.PollInterval)
	parseInt(problems, "CHANGEBOARD_JOBS_MAX_ATTEMPTS", *f.attempts, &j.MaxAttempts)
	parseDuration(problems, "CHANGEBOARD_JOBS_RETRY_BASE", *f.base, &j.RetryBase)
	parseDuration(problems, "CHANGEBOARD_JOBS_RETRY_MAX", *f.max, &j.RetryMax)
	if j.Workers < 0 || j.Workers > 1000 {
		*problems = append(*problems, "CHANGEBOARD_JOBS_WORKERS: must be between 0 and 1000")
	}
	// River polls no faster than its fetch cooldown's floor.
	if j.PollInterval < time.Millisecond {
		*problems = append(*problems, "CHANGEBOARD_JOBS_POLL_INTERVAL: must be at least 1ms")
	}
	if j.MaxAttempts < 1 || j.MaxAttempts > 100 {
		*problems = append(*problems, "CHANGEBOARD_JOBS_MAX_ATTEMPTS: must be between 1 and 100")
	}
	if j.RetryBase < time.Millisecond {
		*problems = append(*problems, "CHANGEBOARD_JOBS_RETRY_BASE: must be at least 1ms")
	}
	if j.RetryMax < j.RetryBase {
		*problems = append(*problems, "CHANGEBOARD_JOBS_RETRY_MAX: must be at least CHANGEBOARD_JOBS_RETRY_BASE")
	}
	return j
}

func parseInt(problems *[]string, name, v string, out *int) {
	n, err := strconv.Atoi(v)
	if err != nil {
		*problems = append(*problems, fmt.Sprintf("%s %q: want a whole number", name, v))
		return
	}
	*out = n
}
