package store

import (
	"net/url"
	"strings"
)

// StatementTimeout bounds every PostgreSQL statement, so that a hung
// database cannot hold a request for longer (the request's own deadline
// bounds the wait for a connection). A DSN that sets statement_timeout
// itself keeps its own.
const StatementTimeout = "30s"

// withStatementTimeout adds statement_timeout to a PostgreSQL DSN, in URL
// or key=value form; pgx sends unknown parameters as run-time settings.
func withStatementTimeout(dsn string) string {
	if strings.Contains(dsn, "statement_timeout") {
		return dsn
	}
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("statement_timeout", StatementTimeout)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " statement_timeout=" + StatementTimeout
}
