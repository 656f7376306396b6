package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoadJobs(t *testing.T) {
	load := func(vars map[string]string, args ...string) (Config, error) {
		return Load(args, func(k string) string { return vars[k] })
	}
	t.Run("OKDefaults", func(t *testing.T) {
		c, err := load(nil)
		want := Jobs{Workers: 4, PollInterval: time.Second, MaxAttempts: 10, RetryBase: time.Second, RetryMax: time.Hour}
		if err != nil || c.Jobs != want {
			t.Fatalf("%+v %v, want %+v", c.Jobs, err, want)
		}
	})
	t.Run("OKSet", func(t *testing.T) {
		c, err := load(map[string]string{"CHANGEBOARD_JOBS_WORKERS": "0", "CHANGEBOARD_JOBS_POLL_INTERVAL": "50ms",
			"CHANGEBOARD_JOBS_MAX_ATTEMPTS": "3"}, "--jobs-retry-base", "10ms", "--jobs-retry-max", "1s")
		want := Jobs{Workers: 0, PollInterval: 50 * time.Millisecond, MaxAttempts: 3, RetryBase: 10 * time.Millisecond, RetryMax: time.Second}
		if err != nil || c.Jobs != want {
			t.Fatalf("%+v %v, want %+v", c.Jobs, err, want)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := load(map[string]string{"CHANGEBOARD_JOBS_WORKERS": "-1", "CHANGEBOARD_JOBS_POLL_INTERVAL": "0s",
			"CHANGEBOARD_JOBS_MAX_ATTEMPTS": "many", "CHANGEBOARD_JOBS_RETRY_BASE": "2h", "CHANGEBOARD_JOBS_RETRY_MAX": "1h"})
		if err == nil {
			t.Fatal("accepted")
		}
		for _, name := range []string{"CHANGEBOARD_JOBS_WORKERS", "CHANGEBOARD_JOBS_POLL_INTERVAL", "CHANGEBOARD_JOBS_MAX_ATTEMPTS \"many\"",
			"CHANGEBOARD_JOBS_RETRY_MAX: must be at least"} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("%v does not name %s", err, name)
			}
		}
	})
}
