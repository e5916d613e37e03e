package transfer

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
)

// Options configure Copy.
type Options struct {
	Filter
	// StateFile, when set, is where Copy saves its progress after every
	// page the target acknowledges. Copy resumes from it when it exists
	// (with the same Filter), and leaves it behind when done, marked so.
	StateFile string
	// Source and Target name the two databases in the state file, and a
	// state file saved with other names is refused (ErrStateMismatch):
	// resumed against another database, a copy would start mid-way and
	// leave the first part out. They are stored in the file as they are,
	// so they must hold no secret: wflog copy passes each DSN's backend,
	// user, host, port, database and search_path (or SQLite's file). Empty:
	// not recorded, not checked.
	Source, Target string
	// PageSize is how many rows are read and written at a time (default
	// 5,000; at most 10,000 when either side is LogStore).
	PageSize int
	// Workers is how many connections write to a LogStore target at once
	// (default: the pool's limit, the DSN's max_conns).
	Workers int
	// Progress, when set, is called after every page with the rows done so far.
	Progress func(Progress)
	// SkipExisting makes a copy into LogStore, which has no keys, leave out
	// the versions the target already holds: before writing a page it reads
	// which of the page's (id, version) pairs are there (one narrow query
	// per page). It makes a copy re-runnable on LogStore — to bring over
	// what was written since an earlier copy, say. Rows LogStore received
	// in the last seconds may not be visible yet, so a run started right
	// after an interrupted one can still duplicate a few. PostgreSQL
	// and SQLite targets always skip what they hold.
	SkipExisting bool
}

// Progress is how far a Copy or an Import has come.
type Progress struct {
	Table  string // the table being moved
	Rows   int64  // rows read so far, both tables
	Total  int64  // rows to read, both tables, counted at the start
	Before int64  // of Rows, those read by the runs this one resumed
}

// TableResult is what happened to one table.
type TableResult struct {
	Read     int64 // rows read from the source (in this run and the runs it resumed)
	Written  int64 // rows the target did not have before
	Rejected int64 // Import: invalid rows, not written
}

// Skipped is how many rows the target had already: on PostgreSQL and
// SQLite a row whose (id, version) is there is skipped, never overwritten.
func (r TableResult) Skipped() int64 { return r.Read - r.Written - r.Rejected }

// Result summarises a Copy.
type Result struct {
	Runs           TableResult
	NodeExecutions TableResult
	Resumed        bool // the run continued from Options.StateFile
	// RenewedTime is set when the target stamps rows with their arrival
	// (LogStore's __time__): each row written got the
	// time it was received, so the logstore's TTL counts from the copy, not
	// from the row's created_at.
	RenewedTime bool
}

// Copy streams every version of both of wflog's tables that opts.Filter
// selects from one wflog database to another (any two backends), keeping
// each row's id and version. It reads by keyset on (created_at, id,
// version) and writes with the target's fastest path: COPY on PostgreSQL,
// multi-row INSERTs of the DSN's batch size over up to Workers connections
// on LogStore, multi-row INSERT … ON CONFLICT (id, version) DO NOTHING in
// one transaction per page on SQLite.
//
// With a StateFile an interrupted Copy continues where the target's last
// acknowledged page ended; when ctx ends, the page being written is
// finished first. On a PostgreSQL or SQLite target nothing is lost or
// duplicated: rows it already holds are skipped. A LogStore target has no keys, so a
// resumed Copy reads back which rows of its first page the target already
// has (the run that stopped may have written some) and writes the rest:
// duplicates can only come from rows LogStore received but did not show
// yet (it shows writes within seconds), and Verify reports them.
//
// Errors name the table and the page's rows; the source is only read.
func Copy(ctx context.Context, from, to *gorm.DB, opts Options) (Result, error) {
	if err := opts.Filter.check(); err != nil {
		return Result{}, err
	}
	limit, err := pageSize(from, opts.PageSize)
	if err == nil {
		_, err = pageSize(to, opts.PageSize)
	}
	if err != nil {
		return Result{}, err
	}
	t, err := newTarget(to.WithContext(ctx), opts.Workers)
	if err != nil {
		return Result{}, err
	}
	cp, resumed, err := loadCheckpoint(opts.StateFile, "copy", opts.Filter, opts.Source, opts.Target)
	if err != nil {
		return Result{}, err
	}
	res := Result{Resumed: resumed, RenewedTime: t.d.Has(dialect.ArrivalTime)}
	prog, err := newProgress(ctx, from, opts.Filter, cp, opts.Progress)
	if err != nil {
		return res, err
	}
	src := from.WithContext(ctx)
	// Saved before the first write: a run stopped during its first page is
	// then resumed, and checks that page.
	if err := cp.save(opts.StateFile); err != nil {
		return res, err
	}
	skip := opts.SkipExisting && !t.d.Has(dialect.Keys)
	err = moveTable(ctx, src, t, runTable, opts.Filter, limit, skip, resumed, cp, opts.StateFile, prog)
	if err == nil {
		err = moveTable(ctx, src, t, nodeTable, opts.Filter, limit, skip, resumed, cp, opts.StateFile, prog)
	}
	res.Runs = cp.table(Runs).result()
	res.NodeExecutions = cp.table(NodeExecutions).result()
	return res, err
}

func (p *position) result() TableResult {
	return TableResult{Read: p.Read, Written: p.Written, Rejected: p.Rejected}
}

// progress counts rows for Options.Progress.
type progress struct {
	fn                  func(Progress)
	rows, total, before int64
}

func newProgress(ctx context.Context, from *gorm.DB, f Filter, cp *checkpoint, fn func(Progress)) (*progress, error) {
	p := &progress{fn: fn}
	if fn == nil {
		return p, nil
	}
	tx := from.WithContext(ctx)
	runs, err := count[runModel](tx, f)
	if err != nil {
		return nil, fmt.Errorf("transfer: counting %s: %w", Runs, err)
	}
	nodes, err := count[nodeModel](tx, f)
	if err != nil {
		return nil, fmt.Errorf("transfer: counting %s: %w", NodeExecutions, err)
	}
	p.total = runs + nodes
	for _, pos := range cp.Tables {
		p.rows += pos.Read
	}
	p.before = p.rows
	return p, nil
}

func (p *progress) add(table string, n int64) {
	p.rows += n
	if p.fn != nil {
		p.fn(Progress{Table: table, Rows: p.rows, Total: max(p.total, p.rows), Before: p.before})
	}
}

// moveTable copies one table page by page: the next page is read while the
// current one is written, and the checkpoint moves only once the target
// has acknowledged a page. When ctx ends, the page being written is
// finished first, so that the checkpoint stays exact.
//
// Resuming into a target without keys (LogStore), the first page is
// checked against what the target holds: the run that stopped may have
// written part or all of it.
func moveTable[T any](ctx context.Context, src *gorm.DB, t *target, tb table[T], f Filter, limit int, skipExisting, resumed bool, cp *checkpoint, state string, prog *progress) error {
	pos := cp.table(tb.name)
	if pos.Done {
		return nil
	}
	type page struct {
		rows []T
		err  error
	}
	readCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan page, 1)
	go func() {
		defer close(pages)
		after := pos.After
		pool := pgxPool(src)
		for {
			var rows []T
			var err error
			if pool != nil {
				rows, err = readPagePgx(readCtx, src.WithContext(readCtx), pool, tb, f, after, limit)
			} else {
				rows, err = readPage[T](src.WithContext(readCtx), f, after, limit, nil)
			}
			if err != nil {
				err = fmt.Errorf("transfer: reading %s: %w", tb.name, err)
			}
			// The next page's key is read before the page is handed over:
			// from then on the writer owns the rows (GORM's Create writes
			// into them).
			last := err != nil || len(rows) < limit
			if !last {
				k := tb.key(&rows[len(rows)-1])
				after = &k
			}
			select {
			case pages <- page{rows, err}:
			case <-readCtx.Done():
				return
			}
			if last {
				return
			}
		}
	}()
	writeCtx := context.WithoutCancel(ctx)
	checkFirst := resumed && !t.d.Has(dialect.Keys)
	for {
		var p page
		var ok bool
		select {
		case p, ok = <-pages:
		case <-ctx.Done():
		}
		if err := ctx.Err(); err != nil {
			return stoppedError(tb.name, pos.Read, state, err)
		}
		if !ok {
			return nil
		}
		if p.err != nil {
			return p.err
		}
		if len(p.rows) > 0 {
			rows := p.rows
			if skipExisting || checkFirst {
				var err error
				if rows, err = missing(writeCtx, t.db, tb, f, rows, limit); err != nil {
					return err
				}
				checkFirst = false
			}
			n, err := write(writeCtx, t, tb, rows)
			if err != nil {
				return err
			}
			k := tb.key(&p.rows[len(p.rows)-1])
			pos.After = &k
			pos.Read += int64(len(p.rows))
			pos.Written += n
		}
		if len(p.rows) < limit {
			pos.Done = true
		}
		if err := cp.save(state); err != nil {
			return err
		}
		prog.add(tb.name, int64(len(p.rows)))
	}
}

// missing returns the rows of page whose (id, version) the target does not
// hold: it reads the target's keys over the page's created_at range, by
// keyset, a page at a time.
func missing[T any](ctx context.Context, db *gorm.DB, tb table[T], f Filter, page []T, limit int) ([]T, error) {
	type idVersion struct {
		id      [16]byte
		version int64
	}
	first, last := tb.key(&page[0]), tb.key(&page[len(page)-1])
	rng := f
	rng.Since, rng.Until = first.CreatedAt, last.CreatedAt.Add(time.Microsecond)
	have := map[idVersion]bool{}
	var after *key
	for {
		got, err := readPage[T](db.WithContext(ctx), rng, after, limit, []string{"created_at", "id", "version"})
		if err != nil {
			return nil, fmt.Errorf("transfer: reading what the target's %s holds: %w", tb.name, err)
		}
		for i := range got {
			k := tb.key(&got[i])
			have[idVersion{k.ID, k.Version}] = true
		}
		if len(got) < limit {
			break
		}
		k := tb.key(&got[len(got)-1])
		after = &k
	}
	if len(have) == 0 {
		return page, nil
	}
	out := make([]T, 0, len(page))
	for i := range page {
		k := tb.key(&page[i])
		if !have[idVersion{k.ID, k.Version}] {
			out = append(out, page[i])
		}
	}
	return out, nil
}
