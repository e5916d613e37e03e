package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wflog/wflog/dialect"
	"github.com/wflog/wflog/transfer"
)

func runImport(ctx context.Context, a *app, args []string) error {
	fs, m := a.moveFlags("import", "--from DIFY_DSN --to DSN [--tenant T] [--app A] [--since t] [--until t] [--state FILE] [--skip-existing] [--verify]",
		"Dify's PostgreSQL database, whose workflow_runs and workflow_node_executions are read, never changed (required)")
	state := fs.String("state", "", "checkpoint file: the import saves its progress there and resumes from it when run again")
	page := fs.Int("page", 0, "rows per page (default 5000)")
	verify := fs.Bool("verify", false, "run verify on the same rows when the import is done")
	skip := fs.Bool("skip-existing", false, "into LogStore: leave out the versions it already holds (one lookup per 500 rows), so that an import can run again")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := m.require(a, fs); err != nil {
		return err
	}
	from, err := open(ctx, *m.from)
	if err != nil {
		return err
	}
	defer closeDB(from)
	to, err := migrated(ctx, *m.to)
	if err != nil {
		return err
	}
	defer closeDB(to)
	fmt.Fprintf(a.stdout, "importing Dify's workflow logs from %s to %s (%s); each row becomes the version of its finished_at, or created_at while running\n",
		dialect.Redact(*m.from), dialect.Redact(*m.to), dialect.Of(to).Backend())
	if dialect.Of(to).Has(dialect.ArrivalTime) {
		fmt.Fprintln(a.stdout, ttlNote)
	}
	bar := &transferBar{w: a.stdout}
	start := time.Now()
	res, err := transfer.Import(ctx, from, to, transfer.ImportOptions{Filter: m.filter(), StateFile: *state, PageSize: *page, SkipExisting: *skip, Progress: bar.update})
	bar.finish()
	if res.Resumed {
		fmt.Fprintf(a.stdout, "resumed from %s\n", *state)
	}
	for _, r := range res.Rejected {
		fmt.Fprintf(a.stdout, "rejected %s\n", r)
	}
	if n := res.RejectedCount - int64(len(res.Rejected)); n > 0 {
		fmt.Fprintf(a.stdout, "… and %d more rejected rows\n", n)
	}
	printCopied(a.stdout, res.Runs, res.NodeExecutions, bar.shown, time.Since(start))
	if err != nil {
		if *state != "" {
			// On stdout too: a signal's exit replaces the error's text.
			fmt.Fprintf(a.stdout, "stopped: run the same command again to resume from %s\n", *state)
		}
		return err
	}
	if res.RejectedCount > 0 {
		return fmt.Errorf("%d rows were not imported (listed above): correct them in Dify's tables and run the import again (rows already imported are skipped on PostgreSQL)", res.RejectedCount)
	}
	if !*verify {
		return nil
	}
	return a.verify(ctx, from, to, transfer.VerifyOptions{Filter: m.filter(), FromDify: true})
}
