package config

import (
	"flag"
	"net/url"
	"path/filepath"
	"regexp"
	"time"
)

// Audit configures the audit trail's key material and checkpoints.
type Audit struct {
	// KeyFile holds the Ed25519 key that signs checkpoints, exports and
	// evidence packs, generated on first start. It must live outside the
	// database (and be shared by every replica).
	KeyFile string
	// CheckpointFile receives every signed checkpoint, one JSON line each;
	// "-" publishes to no file.
	CheckpointFile string
	// CheckpointWebhook, if set, receives every checkpoint as a JSON POST.
	CheckpointWebhook string
	// CheckpointInterval is how often the chain's head is signed.
	CheckpointInterval time.Duration
	// AppRole is the PostgreSQL role the service connects as, when it is
	// not the owner that migrates: `changeboard migrate up` grants it what
	// it needs and no UPDATE, DELETE or TRUNCATE on the audit tables.
	AppRole string
}

type auditFlags struct{ key, file, hook, interval, role *string }

func newAuditFlags(fs *flag.FlagSet, env func(name, def string) string) auditFlags {
	return auditFlags{
		key:      fs.String("audit-key-file", env("AUDIT_KEY_FILE", ""), "Ed25519 audit key, generated if missing; default beside the SQLite file or ./data (CHANGEBOARD_AUDIT_KEY_FILE)"),
		file:     fs.String("audit-checkpoint-file", env("AUDIT_CHECKPOINT_FILE", ""), "file the signed checkpoints are appended to, - for none; default beside the key (CHANGEBOARD_AUDIT_CHECKPOINT_FILE)"),
		hook:     fs.String("audit-checkpoint-webhook", env("AUDIT_CHECKPOINT_WEBHOOK", ""), "URL every checkpoint is POSTed to (CHANGEBOARD_AUDIT_CHECKPOINT_WEBHOOK)"),
		interval: fs.String("audit-checkpoint-interval", env("AUDIT_CHECKPOINT_INTERVAL", "1h"), "how often the chain's head is signed (CHANGEBOARD_AUDIT_CHECKPOINT_INTERVAL)"),
		role:     fs.String("database-app-role", env("DATABASE_APP_ROLE", ""), "PostgreSQL role of the service, granted no UPDATE/DELETE on audit tables (CHANGEBOARD_DATABASE_APP_ROLE)"),
	}
}

var roleName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

func (f auditFlags) parse(problems *[]string, databaseURL string) Audit {
	a := Audit{KeyFile: *f.key, CheckpointFile: *f.file, CheckpointWebhook: *f.hook, AppRole: *f.role}
	parseDuration(problems, "CHANGEBOARD_AUDIT_CHECKPOINT_INTERVAL", *f.interval, &a.CheckpointInterval)
	if a.CheckpointInterval < time.Second {
		*problems = append(*problems, "CHANGEBOARD_AUDIT_CHECKPOINT_INTERVAL: must be at least 1s")
	}
	if a.KeyFile == "" {
		dir := filepath.Dir(DefaultSQLitePath)
		if db, err := ParseDatabaseURL(databaseURL); err == nil && db.Dialect == SQLite {
			dir = filepath.Dir(db.DSN)
		}
		a.KeyFile = filepath.Join(dir, "audit-ed25519.key")
	}
	if a.CheckpointFile == "" {
		a.CheckpointFile = filepath.Join(filepath.Dir(a.KeyFile), "audit-checkpoints.jsonl")
	}
	if a.CheckpointWebhook != "" {
		if u, err := url.Parse(a.CheckpointWebhook); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			*problems = append(*problems, "CHANGEBOARD_AUDIT_CHECKPOINT_WEBHOOK: want an http(s) URL")
		}
	}
	if a.AppRole != "" && !roleName.MatchString(a.AppRole) {
		*problems = append(*problems, "CHANGEBOARD_DATABASE_APP_ROLE: want a lower-case SQL identifier")
	}
	return a
}
