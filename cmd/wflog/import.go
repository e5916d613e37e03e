package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/transfer"
)

func runImport(ctx context.Context, a *app, args []string) error {
	fs, m := a.moveFlags("import", "--from DIFY_DSN --to DSN [--tenant T] [--app A] [--since t] [--until t] [--state FILE] [--skip-existing] [--verify]",
		"Dify's PostgreSQL database, whose workflow_runs and workflow_node_executions are read, never changed (required)")
	w := addWriteFlags(fs, "import", "an import", "rows per page (default 5000)", "one lookup per 500 rows")
	from, to, done, err := m.start(ctx, a, fs, args, true)
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintf(a.stdout, "importing Dify's workflow logs from %s to %s (%s); each row becomes the version of its finished_at, or created_at while running\n",
		dialect.Redact(*m.from), dialect.Redact(*m.to), dialect.Of(to).Backend())
	ttlNotice(a, to)
	bar := &transferBar{w: a.stdout}
	start := time.Now()
	res, err := transfer.Import(ctx, from, to, transfer.ImportOptions{Filter: m.filter(), StateFile: *w.state, PageSize: *w.page, SkipExisting: *w.skip, Progress: bar.update})
	bar.finish()
	if res.Resumed {
		fmt.Fprintf(a.stdout, "resumed from %s\n", *w.state)
	}
	for _, r := range res.Rejected {
		fmt.Fprintf(a.stdout, "rejected %s\n", r)
	}
	if n := res.RejectedCount - int64(len(res.Rejected)); n > 0 {
		fmt.Fprintf(a.stdout, "… and %d more rejected rows\n", n)
	}
	printCopied(a.stdout, res.Runs, res.NodeExecutions, bar.shown, time.Since(start))
	if err != nil {
		return w.stopped(a, err)
	}
	if res.RejectedCount > 0 {
		return fmt.Errorf("%d rows were not imported (listed above): correct them in Dify's tables and run the import again (rows already imported are skipped on PostgreSQL)", res.RejectedCount)
	}
	if !*w.verify {
		return nil
	}
	return a.verify(ctx, from, to, transfer.VerifyOptions{Filter: m.filter(), FromDify: true})
}
