// Package bench holds Changeboard's benchmarks: measurements, not tests, of
// the paths docs/design.md §7 sets targets for. They run against PostgreSQL
// (TEST_DATABASE_URL) and skip without it:
//
//	go test -bench . -run '^$' -benchtime 3s ./bench/
package bench
