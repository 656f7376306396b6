// Package migrations embeds the versioned SQL migrations, one folder per
// dialect with the same numbers in each.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
