package transfer_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/transfer"
)

// benchRuns is how many runs the copy benchmarks' data set has (about six
// rows each: three run versions at most, two node executions of two
// versions); WFLOG_BENCH_COPY_RUNS overrides it.
func benchRuns(b *testing.B) int {
	if s := os.Getenv("WFLOG_BENCH_COPY_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 10000
}

// benchSource builds the data set once per benchmark and returns it with
// its row count and DSN.
func benchSource(b *testing.B) (*gorm.DB, int64, string) {
	b.Helper()
	h := makeHistory(benchRuns(b))
	src, schema := testdb.Open(b)
	if err := src.CreateInBatches(h.runs, 2000).Error; err != nil {
		b.Fatal(err)
	}
	if err := src.CreateInBatches(h.nodes, 2000).Error; err != nil {
		b.Fatal(err)
	}
	for _, t := range []string{transfer.Runs, transfer.NodeExecutions} {
		if err := src.Exec("VACUUM ANALYZE " + t).Error; err != nil {
			b.Fatal(err)
		}
	}
	dsn, err := testdb.SchemaDSN(schema)
	if err != nil {
		b.Fatal(err)
	}
	return src, int64(len(h.runs) + len(h.nodes)), dsn
}

var benchColumns = map[string]string{
	transfer.Runs: "id, version, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version, graph, inputs, outputs, status, error, " +
		"elapsed_time, total_tokens, total_steps, exceptions_count, created_by_role, created_by, created_at, finished_at",
	transfer.NodeExecutions: `id, version, tenant_id, app_id, workflow_id, triggered_from, workflow_run_id, "index", predecessor_node_id, ` +
		"node_execution_id, node_id, node_type, title, inputs, process_data, outputs, execution_metadata, status, error, elapsed_time, " +
		"created_by_role, created_by, created_at, finished_at",
}

// rawCopy is the baseline: one pgx query per table streamed straight into
// CopyFrom on the target, no paging, no checkpoint, no model in between.
func rawCopy(ctx context.Context, src, dst *pgx.Conn) (int64, error) {
	var total int64
	for _, table := range []string{transfer.Runs, transfer.NodeExecutions} {
		rows, err := src.Query(ctx, "SELECT "+benchColumns[table]+" FROM "+table)
		if err != nil {
			return 0, err
		}
		cols := strings.Split(strings.ReplaceAll(strings.ReplaceAll(benchColumns[table], " ", ""), `"`, ""), ",")
		n, err := dst.CopyFrom(ctx, pgx.Identifier{table}, cols, rows)
		rows.Close()
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func truncate(b *testing.B, db *gorm.DB, tables ...string) {
	b.Helper()
	if err := db.Exec("TRUNCATE " + strings.Join(tables, ", ")).Error; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCopyPostgres copies the data set PostgreSQL → PostgreSQL with
// transfer.Copy and with rawCopy, alternating which goes first, into an
// emptied target each time, and reports both rates and their ratio.
func BenchmarkCopyPostgres(b *testing.B) {
	ctx := context.Background()
	src, rows, srcDSN := benchSource(b)
	dst, dstSchema := testdb.Open(b)
	dstDSN, err := testdb.SchemaDSN(dstSchema)
	if err != nil {
		b.Fatal(err)
	}
	srcConn, err := pgx.Connect(ctx, srcDSN)
	if err != nil {
		b.Fatal(err)
	}
	defer srcConn.Close(ctx)
	dstConn, err := pgx.Connect(ctx, dstDSN)
	if err != nil {
		b.Fatal(err)
	}
	defer dstConn.Close(ctx)

	var copyTime, rawTime, againTime time.Duration
	round := 0
	b.ResetTimer()
	for b.Loop() {
		sides := []func(){
			func() {
				b.StopTimer()
				truncate(b, dst, transfer.Runs, transfer.NodeExecutions)
				b.StartTimer()
				start := time.Now()
				res, err := transfer.Copy(ctx, src, dst, transfer.Options{PageSize: 5000})
				copyTime += time.Since(start)
				if err != nil || res.Runs.Written+res.NodeExecutions.Written != rows {
					b.Fatalf("transfer.Copy: %+v, %v; want %d rows", res, err, rows)
				}
				// The same copy again, every row already there: the path a
				// resumed copy takes for the page it repeats.
				start = time.Now()
				res, err = transfer.Copy(ctx, src, dst, transfer.Options{PageSize: 5000})
				againTime += time.Since(start)
				if err != nil || res.Runs.Written+res.NodeExecutions.Written != 0 {
					b.Fatalf("transfer.Copy again: %+v, %v", res, err)
				}
			},
			func() {
				b.StopTimer()
				truncate(b, dst, transfer.Runs, transfer.NodeExecutions)
				b.StartTimer()
				start := time.Now()
				n, err := rawCopy(ctx, srcConn, dstConn)
				rawTime += time.Since(start)
				if err != nil || n != rows {
					b.Fatalf("raw CopyFrom: %d rows, %v; want %d", n, err, rows)
				}
			},
		}
		if round%2 == 1 {
			sides[0], sides[1] = sides[1], sides[0]
		}
		sides[0]()
		sides[1]()
		round++
	}
	total := float64(rows) * float64(round)
	b.ReportMetric(total/copyTime.Seconds(), "copy-rows/s")
	b.ReportMetric(total/rawTime.Seconds(), "raw-rows/s")
	b.ReportMetric(rawTime.Seconds()/copyTime.Seconds(), "copy/raw")
	b.ReportMetric(total/againTime.Seconds(), "again-rows/s")
	b.ReportMetric(float64(rows), "rows")
}

// BenchmarkCopyLogStore copies the data set PostgreSQL → the LogStore
// emulator (batch=1000, max_conns=4) into emptied logstores.
func BenchmarkCopyLogStore(b *testing.B) {
	ctx := context.Background()
	src, rows, _ := benchSource(b)
	srv := logstoretest.New(b)
	ls := testdb.OpenDSN(b, srv.DSN()+"&batch=1000&max_conns=4")
	backing, err := testdb.SchemaDSN(srv.Schema())
	if err != nil {
		b.Fatal(err)
	}
	admin, err := wflog.Open(backing) // the emulator's own tables: not migrated
	if err != nil {
		b.Fatal(err)
	}
	defer testdb.Close(b, admin)
	var copyTime time.Duration
	round := 0
	for b.Loop() {
		b.StopTimer()
		truncate(b, admin, fmt.Sprintf("%q", transfer.Runs+"__rows"), fmt.Sprintf("%q", transfer.NodeExecutions+"__rows"))
		b.StartTimer()
		start := time.Now()
		res, err := transfer.Copy(ctx, src, ls, transfer.Options{PageSize: 5000})
		copyTime += time.Since(start)
		if err != nil || res.Runs.Written+res.NodeExecutions.Written != rows {
			b.Fatalf("transfer.Copy: %+v, %v; want %d rows", res, err, rows)
		}
		round++
	}
	b.ReportMetric(float64(rows)*float64(round)/copyTime.Seconds(), "copy-rows/s")
	b.ReportMetric(float64(rows), "rows")
}
