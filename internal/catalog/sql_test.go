package catalog_test

import (
	"strconv"
	"strings"

	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/store"
)

// rebind turns ? placeholders into PostgreSQL's $n.
func rebind(db *store.DB, q string) string {
	if db.Dialect() != config.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
