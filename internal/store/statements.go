package store

import (
	"context"
	"sync/atomic"

	"gorm.io/gorm"
)

// Statement counting, for the tests that pin how many round trips a
// request costs and for the HTTP benchmark's statements-per-request
// column. It is per ctx (the request's), so that the sealer and the job
// workers running beside a request do not add to its count. River's own
// inserts (Tx.Enqueue) bypass gorm and are not counted.

type statementCounterKey struct{}

// CountStatements returns a ctx under which every SQL statement the store
// sends through gorm adds one to n, BEGIN and COMMIT (or ROLLBACK) of a
// transaction included.
func CountStatements(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, statementCounterKey{}, n)
}

// countStatements adds k to the counter ctx carries, if any.
func countStatements(ctx context.Context, k int64) {
	if n, ok := ctx.Value(statementCounterKey{}).(*atomic.Int64); ok {
		n.Add(k)
	}
}

// registerStatementCounter hooks the counter after each of gorm's
// statement-sending callbacks.
func registerStatementCounter(g *gorm.DB) error {
	count := func(g *gorm.DB) {
		if g.Statement != nil && g.Statement.Context != nil {
			countStatements(g.Statement.Context, 1)
		}
	}
	cb := g.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("changeboard:count_create", count),
		cb.Query().After("gorm:query").Register("changeboard:count_query", count),
		cb.Update().After("gorm:update").Register("changeboard:count_update", count),
		cb.Delete().After("gorm:delete").Register("changeboard:count_delete", count),
		cb.Row().After("gorm:row").Register("changeboard:count_row", count),
		cb.Raw().After("gorm:raw").Register("changeboard:count_raw", count),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
