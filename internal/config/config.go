// Package config parses the service's configuration once, from the
// environment and flags, and validates it before anything starts.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of one process.
type Config struct {
	Addr            string
	DatabaseURL     string
	AdminPassword   string
	SigningKey      []byte
	Issuer          string
	Audience        string
	TokenTTL        time.Duration
	PublicMetrics   bool
	ShutdownTimeout time.Duration
	SealInterval    time.Duration
	LogLevel        string
	Demo            bool
	// RetroReviewWindow is how long after an emergency change starts its
	// retrospective CAB review is due.
	RetroReviewWindow time.Duration
	// InventoryMaxAge is how old a CI's inventory may be before compliance
	// computed from it counts as unknown.
	InventoryMaxAge time.Duration
	// Jobs configures the runner of work after commit.
	Jobs Jobs
	// Edge is what the HTTP edge trusts (proxies) and how long it waits.
	Edge Edge
	// Audit configures the audit key and checkpoints.
	Audit Audit
	// PprofAddr, when set, is a loopback address where net/http/pprof
	// serves the process's profiles (off by default).
	PprofAddr string
}

// Getenv reads one environment variable; tests pass a map's lookup.
type Getenv func(string) string

// Load reads the configuration from env (CHANGEBOARD_*) and then from args
// (flags of the same names override the environment), and validates it.
func Load(args []string, getenv Getenv) (Config, error) {
	c := Config{}
	var problems []string
	env := func(name, def string) string {
		if v := getenv("CHANGEBOARD_" + name); v != "" {
			return v
		}
		return def
	}
	secret := func(name string) string {
		if path := getenv("CHANGEBOARD_" + name + "_FILE"); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				problems = append(problems, fmt.Sprintf("CHANGEBOARD_%s_FILE: %v", name, err))
				return ""
			}
			return strings.TrimRight(string(b), "\r\n")
		}
		return getenv("CHANGEBOARD_" + name)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	fs.StringVar(&c.Addr, "addr", env("ADDR", ":8080"), "listen address (CHANGEBOARD_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", secret("DATABASE_URL"), "database URL (CHANGEBOARD_DATABASE_URL)")
	fs.StringVar(&c.Issuer, "token-issuer", env("TOKEN_ISSUER", "changeboard"), "JWT issuer (CHANGEBOARD_TOKEN_ISSUER)")
	fs.StringVar(&c.Audience, "token-audience", env("TOKEN_AUDIENCE", "changeboard-api"), "JWT audience (CHANGEBOARD_TOKEN_AUDIENCE)")
	ttl := fs.String("token-ttl", env("TOKEN_TTL", "15m"), "user token lifetime, at most 15m (CHANGEBOARD_TOKEN_TTL)")
	metrics := fs.String("public-metrics", env("PUBLIC_METRICS", "true"), "serve /metrics without a token (CHANGEBOARD_PUBLIC_METRICS)")
	shutdown := fs.String("shutdown-timeout", env("SHUTDOWN_TIMEOUT", "20s"), "graceful shutdown budget (CHANGEBOARD_SHUTDOWN_TIMEOUT)")
	seal := fs.String("audit-seal-interval", env("AUDIT_SEAL_INTERVAL", "500ms"), "how often audit events are sealed into the chain (CHANGEBOARD_AUDIT_SEAL_INTERVAL)")
	retro := fs.String("retro-review-window", env("RETRO_REVIEW_WINDOW", "168h"), "deadline of an emergency change's retrospective CAB review (CHANGEBOARD_RETRO_REVIEW_WINDOW)")
	invAge := fs.String("inventory-max-age", env("INVENTORY_MAX_AGE", "168h"), "age past which an inventory's compliance is unknown (CHANGEBOARD_INVENTORY_MAX_AGE)")
	fs.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (CHANGEBOARD_LOG_LEVEL)")
	demo := fs.String("demo", env("DEMO", "false"), "load demo data into an empty database (CHANGEBOARD_DEMO)")
	jobs := newJobFlags(fs, env)
	edge := newEdgeFlags(fs, env)
	auditf := newAuditFlags(fs, env)
	fs.StringVar(&c.PprofAddr, "pprof-addr", env("PPROF_ADDR", ""), "loopback address of the profiling listener, off if empty (CHANGEBOARD_PPROF_ADDR)")
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("flags: %w", err)
	}
	c.AdminPassword = secret("ADMIN_PASSWORD")
	c.SigningKey = []byte(secret("SIGNING_KEY"))
	parseDuration(&problems, "CHANGEBOARD_TOKEN_TTL", *ttl, &c.TokenTTL)
	parseDuration(&problems, "CHANGEBOARD_SHUTDOWN_TIMEOUT", *shutdown, &c.ShutdownTimeout)
	parseDuration(&problems, "CHANGEBOARD_AUDIT_SEAL_INTERVAL", *seal, &c.SealInterval)
	parseDuration(&problems, "CHANGEBOARD_RETRO_REVIEW_WINDOW", *retro, &c.RetroReviewWindow)
	parseDuration(&problems, "CHANGEBOARD_INVENTORY_MAX_AGE", *invAge, &c.InventoryMaxAge)
	parseBool(&problems, "CHANGEBOARD_PUBLIC_METRICS", *metrics, &c.PublicMetrics)
	parseBool(&problems, "CHANGEBOARD_DEMO", *demo, &c.Demo)
	c.Jobs = jobs.parse(&problems)
	c.Edge = edge.parse(&problems)
	c.Audit = auditf.parse(&problems, c.DatabaseURL)
	problems = append(problems, c.validate()...)
	if len(problems) > 0 {
		return c, errors.New("configuration: " + strings.Join(problems, "; "))
	}
	return c, nil
}

func (c Config) validate() []string {
	var p []string
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		p = append(p, fmt.Sprintf("CHANGEBOARD_ADDR %q: want host:port or :port", c.Addr))
	}
	if _, err := ParseDatabaseURL(c.DatabaseURL); err != nil {
		p = append(p, "CHANGEBOARD_DATABASE_URL: "+err.Error())
	}
	if c.TokenTTL <= 0 || c.TokenTTL > 15*time.Minute {
		p = append(p, fmt.Sprintf("CHANGEBOARD_TOKEN_TTL %s: must be between 1s and 15m", c.TokenTTL))
	}
	if len(c.SigningKey) > 0 && len(c.SigningKey) < 32 {
		p = append(p, "CHANGEBOARD_SIGNING_KEY: must be at least 32 bytes")
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 12 {
		p = append(p, "CHANGEBOARD_ADMIN_PASSWORD: must be at least 12 characters")
	}
	if c.RetroReviewWindow < time.Hour {
		p = append(p, "CHANGEBOARD_RETRO_REVIEW_WINDOW: must be at least 1h")
	}
	if c.InventoryMaxAge < time.Minute {
		p = append(p, "CHANGEBOARD_INVENTORY_MAX_AGE: must be at least 1m")
	}
	if c.SealInterval < 10*time.Millisecond {
		p = append(p, "CHANGEBOARD_AUDIT_SEAL_INTERVAL: must be at least 10ms")
	}
	p = append(p, validatePprofAddr(c.PprofAddr)...)
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		p = append(p, fmt.Sprintf("CHANGEBOARD_LOG_LEVEL %q: want debug, info, warn or error", c.LogLevel))
	}
	return p
}

func parseDuration(problems *[]string, name, v string, out *time.Duration) {
	d, err := time.ParseDuration(v)
	if err != nil {
		*problems = append(*problems, fmt.Sprintf("%s %q: not a duration (like 15m)", name, v))
		return
	}
	*out = d
}

func parseBool(problems *[]string, name, v string, out *bool) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		*problems = append(*problems, fmt.Sprintf("%s %q: want true or false", name, v))
		return
	}
	*out = b
}

// Dialect is the kind of database a URL names.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Database is a parsed database URL.
type Database struct {
	Dialect Dialect
	// DSN is a file path for SQLite, the URL itself for PostgreSQL.
	DSN string
}

// DefaultSQLitePath is where the embedded database lives when no URL is set.
const DefaultSQLitePath = "./data/changeboard.db"

// ParseDatabaseURL maps "" to the default SQLite file, "sqlite:PATH" to that
// file and postgres:// or postgresql:// URLs to PostgreSQL.
func ParseDatabaseURL(raw string) (Database, error) {
	switch {
	case raw == "":
		return Database{Dialect: SQLite, DSN: DefaultSQLitePath}, nil
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if path == "" {
			return Database{}, errors.New("sqlite: needs a file path, like sqlite:./data/changeboard.db")
		}
		return Database{Dialect: SQLite, DSN: path}, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return Database{Dialect: Postgres, DSN: raw}, nil
	default:
		return Database{}, errors.New("want empty, sqlite:PATH or postgres://…")
	}
}
