package bench

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/store/storetest"
)

// BenchmarkEnqueue measures what a job enqueued in a write transaction
// costs it (docs/jobs.md): the same write — a CI row through the store, in
// one transaction — without a job, and with one River insert of
// cmdb.InventoryReported in that transaction, interleaved in the same run
// on the same server. It reports both rates and `enqueue/write`, the
// throughput of the write with a job relative to the write without.
func BenchmarkEnqueue(b *testing.B) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		b.Skip("TEST_DATABASE_URL is not set: this benchmark measures PostgreSQL")
	}
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			b.StopTimer()
			db := storetest.MustOpen(b, config.Postgres, store.Options{MaxOpenConns: clients + 8})
			ctx := context.Background()
			var seq atomic.Int64
			write := func(enqueue bool) func(context.Context, int64) error {
				return func(ctx context.Context, _ int64) error {
					return db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
						n := seq.Add(1)
						now := db.Now()
						c := cmdb.CI{ID: fmt.Sprintf("bench-ci-%09d", n), Name: fmt.Sprintf("bench-%09d", n), Type: cmdb.TypeServer,
							Criticality: cmdb.CriticalityLow, State: cmdb.StateActive, CreatedAt: now, UpdatedAt: now, Version: 1}
						if err := tx.CreateCI(ctx, &c); err != nil {
							return err
						}
						if enqueue {
							return tx.Enqueue(ctx, cmdb.InventoryReported{CIID: c.ID})
						}
						return nil
					})
				}
			}
			// Warm up the insert-only River client and the statements.
			_ = write(true)(ctx, 0)
			n := int64(b.N)
			b.StartTimer()
			plain := perClient(b, ctx, clients, n/2, write(false))
			withJob := perClient(b, ctx, clients, n, write(true))
			plain += perClient(b, ctx, clients, n-n/2, write(false))
			b.StopTimer()
			plainOps, jobOps := float64(n)/plain.Seconds(), float64(n)/withJob.Seconds()
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(plainOps, "write-ops/s")
			b.ReportMetric(jobOps, "write+enqueue-ops/s")
			b.ReportMetric(jobOps/plainOps, "enqueue/write")
			b.ReportMetric(float64(withJob-plain)/float64(n)/float64(time.Microsecond)*float64(clients), "enqueue-µs/op")
		})
	}
}
