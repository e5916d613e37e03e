package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/transfer"
)

// importAgain is how to bring in the rows an import rejected, once they
// are corrected. A target with keys skips what it holds; one without
// (LogStore) would take every row again, so the advice is --skip-existing.
// A state file records the import as complete, so it must go.
func importAgain(to *gorm.DB, state string) string {
	d := dialect.Of(to)
	again, why := "run the import again", "the rows already imported are skipped"
	if !d.Has(dialect.Keys) {
		again += " with --skip-existing"
		why = d.Backend().String() + " has no keys: without it every row already imported would be written a second time"
	}
	if state != "" {
		again += " (after deleting " + state + ", which records this import as complete)"
	}
	return again + "; " + why
}

func runImport(ctx context.Context, a *app, args []string) error {
	fs, m := a.moveFlags("import", "--from DIFY_DSN --to DSN [--tenant T] [--app A] [--since t] [--until t] [--state FILE] [--skip-existing] [--verify]",
		"Dify's PostgreSQL database, whose workflow_runs and workflow_node_executions are read, never changed (required)")
	w := addWriteFlags(fs, "import", "an import", "rows per page (default 5000)", "one lookup per 500 rows")
	from, to, done, err := m.start(ctx, a, fs, args, true, func() error { return a.checkPage(*w.page, *m.to) })
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintf(a.stdout, "importing Dify's workflow logs from %s to %s (%s); each row becomes the version of its finished_at, or created_at while running\n",
		dialect.Redact(*m.from), dialect.Redact(*m.to), dialect.Of(to).Backend())
	ttlNotice(a, to)
	bar := &transferBar{w: a.stdout}
	start := time.Now()
	source, target := m.sides()
	res, err := transfer.Import(ctx, from, to, transfer.ImportOptions{Filter: m.filter(), StateFile: *w.state, Source: source, Target: target,
		PageSize: *w.page, SkipExisting: *w.skip, Progress: bar.update})
	bar.finish()
	if res.Resumed {
		fmt.Fprintf(a.stdout, "resumed from %s: the table counts the rows of every run since the first; \"this run read\" counts this one's\n", *w.state)
	}
	for _, r := range res.Rejected {
		fmt.Fprintf(a.stdout, "rejected %s\n", r)
	}
	if n := res.RejectedCount - int64(len(res.Rejected)); n > 0 {
		fmt.Fprintf(a.stdout, "… and %d more rejected rows\n", n)
	}
	if !errors.Is(err, transfer.ErrStateMismatch) { // else nothing was read: no table of zeros
		printCopied(a.stdout, res.Runs, res.NodeExecutions, bar.shown, time.Since(start))
	}
	if err != nil {
		return w.stopped(a, to, err)
	}
	if res.RejectedCount > 0 {
		return fmt.Errorf("%d rows were not imported (listed above): correct them in Dify's tables and %s", res.RejectedCount, importAgain(to, *w.state))
	}
	if !*w.verify {
		return nil
	}
	return a.verifyWritten(ctx, from, to, transfer.VerifyOptions{Filter: m.filter(), FromDify: true}, time.Now())
}
