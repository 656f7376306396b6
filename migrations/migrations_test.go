package migrations_test

import (
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/changeboard/changeboard/migrations"
)

// TestNumbering holds what goose needs and the dialects share: every file
// is NNNNN_name.sql, no version appears twice in a dialect (goose refuses
// to start then), and both dialects have the same versions with the same
// names. Engineers landing in parallel renumber on merge; this test is what
// catches two migrations that took the same free number.
func TestNumbering(t *testing.T) {
	names := map[string][]string{}
	for _, d := range []string{"sqlite", "postgres"} {
		entries, err := fs.ReadDir(migrations.FS, d)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int]string{}
		for _, e := range entries {
			num, _, ok := strings.Cut(e.Name(), "_")
			v, err := strconv.Atoi(num)
			if !ok || err != nil || len(num) != 5 || !strings.HasSuffix(e.Name(), ".sql") {
				t.Errorf("%s/%s: not NNNNN_name.sql", d, e.Name())
				continue
			}
			if other, dup := seen[v]; dup {
				t.Errorf("%s: version %d is taken twice: %s and %s (renumber the later one to the next free number)", d, v, other, e.Name())
			}
			seen[v] = e.Name()
			names[d] = append(names[d], e.Name())
		}
	}
	if !slices.Equal(names["sqlite"], names["postgres"]) {
		t.Errorf("the dialects differ:\nsqlite   %v\npostgres %v", names["sqlite"], names["postgres"])
	}
}
