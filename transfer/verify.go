package transfer

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	Filter
	// PageSize: see Options.PageSize.
	PageSize int
	// FromDify reads the source as Dify's own tables, with the versions
	// Import gives them (VersionOf): to check an import. Dify keeps one row
	// per id, rewritten in place, while an import run again after a run
	// finished adds its newer version, so the number of versions is not
	// compared then; ids, current statuses, tokens and the greatest
	// version are.
	FromDify bool
}

// DayStats are one table's measures over the rows created on one UTC day.
type DayStats struct {
	Versions   int64            // rows: every version
	IDs        int64            // distinct ids
	Duplicates int64            // rows whose (id, version) came already
	Status     map[string]int64 // ids by the status of their latest version
	Tokens     int64            // runs: total_tokens of their latest versions, summed
	MaxVersion int64
}

// Difference is one measure that differs between the two sides.
type Difference struct {
	Table   string // Runs or NodeExecutions
	Day     string // YYYY-MM-DD (UTC) of created_at
	Measure string // versions, ids, duplicates, tokens, max_version, status=<s>
	From    int64
	To      int64
}

// Report is what Verify found.
type Report struct {
	// Days are the days (UTC) either side has rows on, in order.
	Days []string
	// From and To are each side's measures: table → day → stats.
	From, To    map[string]map[string]*DayStats
	Differences []Difference
}

// OK reports whether the two sides agree on every measure of every day.
func (r Report) OK() bool { return len(r.Differences) == 0 }

// Verify compares two databases' workflow logs day by day (by created_at,
// in UTC): for runs and node executions, the number of versions, distinct
// ids, duplicated (id, version) pairs, ids by current status, runs' tokens
// (of their latest versions), and the greatest version. It is what to run
// before switching reads to a copy, and what `wflog copy --verify` runs.
//
// Both sides are read by keyset, a page at a time, and measured in Go, so
// the same numbers come from PostgreSQL and LogStore. A side without
// read-your-writes (LogStore shows a write up to 3 s after it returns)
// lacks the rows written last: right after a Copy, wait that long first,
// as wflog copy --verify does. It assumes what
// wflog writes: every version of an id has the same created_at.
func Verify(ctx context.Context, from, to *gorm.DB, opts VerifyOptions) (Report, error) {
	if err := opts.Filter.check(); err != nil {
		return Report{}, err
	}
	rep := Report{From: map[string]map[string]*DayStats{}, To: map[string]map[string]*DayStats{}}
	for _, side := range []struct {
		db   *gorm.DB
		dify bool
		into map[string]map[string]*DayStats
		name string
	}{{from, opts.FromDify, rep.From, "source"}, {to, false, rep.To, "target"}} {
		limit, err := pageSize(side.db, opts.PageSize)
		if err != nil {
			return rep, err
		}
		tx := side.db.WithContext(ctx)
		var runs, nodes map[string]*DayStats
		if side.dify {
			if err := CheckDify(tx); err != nil {
				return rep, err
			}
			runs, err = measureDify(tx, runTable, readDifyRuns, opts.Filter, limit)
			if err == nil {
				nodes, err = measureDify(tx, nodeTable, readDifyNodes, opts.Filter, limit)
			}
		} else {
			runs, err = measure(tx, runTable, opts.Filter, limit, []string{"created_at", "id", "version", "status", "total_tokens"})
			if err == nil {
				nodes, err = measure(tx, nodeTable, opts.Filter, limit, []string{"created_at", "id", "version", "status"})
			}
		}
		if err != nil {
			return rep, fmt.Errorf("transfer: measuring the %s: %w", side.name, err)
		}
		side.into[Runs], side.into[NodeExecutions] = runs, nodes
	}
	rep.compare(opts.FromDify)
	return rep, nil
}

func (r *Report) compare(fromDify bool) {
	days := map[string]bool{}
	for _, side := range []map[string]map[string]*DayStats{r.From, r.To} {
		for _, byDay := range side {
			for d := range byDay {
				days[d] = true
			}
		}
	}
	for d := range days {
		r.Days = append(r.Days, d)
	}
	slices.Sort(r.Days)
	for _, d := range r.Days {
		for _, t := range []string{Runs, NodeExecutions} {
			a, b := r.From[t][d], r.To[t][d]
			if a == nil {
				a = &DayStats{}
			}
			if b == nil {
				b = &DayStats{}
			}
			diff := func(measure string, x, y int64) {
				if x != y {
					r.Differences = append(r.Differences, Difference{Table: t, Day: d, Measure: measure, From: x, To: y})
				}
			}
			if !fromDify {
				diff("versions", a.Versions, b.Versions)
			}
			diff("ids", a.IDs, b.IDs)
			diff("duplicates", a.Duplicates, b.Duplicates)
			var statuses []string
			for s := range a.Status {
				statuses = append(statuses, s)
			}
			for s := range b.Status {
				if _, ok := a.Status[s]; !ok {
					statuses = append(statuses, s)
				}
			}
			slices.Sort(statuses)
			for _, s := range statuses {
				diff("status="+s, a.Status[s], b.Status[s])
			}
			diff("tokens", a.Tokens, b.Tokens)
			diff("max_version", a.MaxVersion, b.MaxVersion)
		}
	}
}

// tally measures rows that come grouped by id, versions in ascending order.
type tally struct {
	days map[string]*DayStats
	have bool
	last struct {
		id      uuid.UUID
		version int64
		day     string
		status  string
		tokens  int64
	}
}

func (t *tally) day(d string) *DayStats {
	s, ok := t.days[d]
	if !ok {
		s = &DayStats{Status: map[string]int64{}}
		t.days[d] = s
	}
	return s
}

func (t *tally) add(k key, status string, tokens int64) {
	day := k.CreatedAt.UTC().Format("2006-01-02")
	s := t.day(day)
	s.Versions++
	s.MaxVersion = max(s.MaxVersion, k.Version)
	switch {
	case t.have && k.ID == t.last.id && k.Version == t.last.version:
		s.Duplicates++
	case t.have && k.ID == t.last.id:
	default:
		t.flush()
		s.IDs++
	}
	t.have = true
	t.last.id, t.last.version, t.last.day, t.last.status, t.last.tokens = k.ID, k.Version, day, status, tokens
}

// flush counts the id that ended: its latest version's status and tokens.
func (t *tally) flush() {
	if !t.have {
		return
	}
	s := t.day(t.last.day)
	s.Status[t.last.status]++
	s.Tokens += t.last.tokens
}

func measure[T any](tx *gorm.DB, tb table[T], f Filter, limit int, cols []string) (map[string]*DayStats, error) {
	t := &tally{days: map[string]*DayStats{}}
	var after *key
	for {
		page, err := readPage[T](tx, f, after, limit, cols)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", tb.name, err)
		}
		for i := range page {
			t.add(tb.key(&page[i]), tb.status(&page[i]), tb.tokens(&page[i]))
		}
		if len(page) < limit {
			break
		}
		k := tb.key(&page[len(page)-1])
		after = &k
	}
	t.flush()
	return t.days, nil
}

func measureDify[T any](tx *gorm.DB, tb table[T], read difyReader[T], f Filter, limit int) (map[string]*DayStats, error) {
	t := &tally{days: map[string]*DayStats{}}
	var after uuid.UUID
	for {
		page, err := read(tx, f, after, limit)
		if err != nil {
			return nil, fmt.Errorf("reading Dify's %s: %w", tb.name, err)
		}
		for i := range page.rows {
			t.add(tb.key(&page.rows[i]), tb.status(&page.rows[i]), tb.tokens(&page.rows[i]))
		}
		if len(page.rows) < limit {
			break
		}
		after = page.last
	}
	t.flush()
	return t.days, nil
}
