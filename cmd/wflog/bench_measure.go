package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wflog/wflog/repo"
)

// sample is one measurement's durations, one per round.
type sample []time.Duration

func (s sample) sorted() sample {
	c := append(sample(nil), s...)
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	return c
}

func (s sample) median() time.Duration {
	c := s.sorted()
	if len(c) == 0 {
		return 0
	}
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

func (s sample) spread() string {
	c := s.sorted()
	if len(c) == 0 {
		return "-"
	}
	return fmt.Sprintf("%s–%s", short(c[0]), short(c[len(c)-1]))
}

func short(d time.Duration) string {
	switch {
	case d >= 100*time.Millisecond:
		return fmt.Sprintf("%.0fms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.0fµs", float64(d)/1e3)
	}
}

// goal is what a comparison must show.
type goal struct {
	// faster: the baseline must take at least this many times as long;
	// within: wflog may take at most this many times as long.
	faster, within float64
	// under: wflog's median must also be below this.
	under time.Duration
}

func (g goal) String() string {
	var parts []string
	if g.faster > 0 {
		parts = append(parts, fmt.Sprintf("≥%gx faster", g.faster))
	}
	if g.within > 0 {
		parts = append(parts, fmt.Sprintf("≤%gx the baseline", g.within))
	}
	if g.under > 0 {
		parts = append(parts, "median < "+short(g.under))
	}
	return strings.Join(parts, ", ")
}

// pair is a library call and its baseline, timed alternately.
type pair struct {
	name, baseline string
	goal           goal
	reps           int // operations per timed sample; the sample is their mean
	lib, base      func(ctx context.Context, rep int) error
}

// result is a measured pair.
type result struct {
	pair
	libTimes, baseTimes sample
}

func (r result) ratio() float64 {
	return float64(r.baseTimes.median()) / float64(r.libTimes.median())
}

func (r result) met() bool {
	ok := true
	if r.goal.faster > 0 {
		ok = ok && r.ratio() >= r.goal.faster
	}
	if r.goal.within > 0 {
		ok = ok && 1/r.ratio() <= r.goal.within
	}
	if r.goal.under > 0 {
		ok = ok && r.libTimes.median() < r.goal.under
	}
	return ok
}

// measure times p: warmup rounds, then rounds, alternating which side goes
// first so that neither always runs on a cache the other warmed.
func measure(ctx context.Context, p pair, warmup, rounds int) (result, error) {
	r := result{pair: p}
	reps := max(p.reps, 1)
	timeOne := func(f func(context.Context, int) error, round int) (time.Duration, error) {
		start := time.Now()
		for i := 0; i < reps; i++ {
			if err := f(ctx, round*reps+i); err != nil {
				return 0, err
			}
		}
		return time.Since(start) / time.Duration(reps), nil
	}
	for round := 0; round < warmup+rounds; round++ {
		sides := []struct {
			f    func(context.Context, int) error
			into *sample
			name string
		}{{p.lib, &r.libTimes, "wflog"}, {p.base, &r.baseTimes, "baseline"}}
		if round%2 == 1 {
			sides[0], sides[1] = sides[1], sides[0]
		}
		for _, side := range sides {
			d, err := timeOne(side.f, round)
			if err != nil {
				return r, fmt.Errorf("%s (%s): %w", p.name, side.name, err)
			}
			if round >= warmup {
				*side.into = append(*side.into, d)
			}
		}
	}
	return r, nil
}

// measureAll measures pairs in turn, printing each one's medians to
// progress as it is done.
func measureAll(ctx context.Context, pairs []pair, warmup, rounds int, progress io.Writer) ([]result, error) {
	var out []result
	for _, p := range pairs {
		r, err := measure(ctx, p, warmup, rounds)
		if err != nil {
			return out, err
		}
		out = append(out, r)
		fmt.Fprintf(progress, "  %-44s %9s vs %9s\n", p.name, short(r.libTimes.median()), short(r.baseTimes.median()))
	}
	return out, nil
}

// windowBaseline is the seed's window queries in one backend's SQL, and
// how that backend runs one.
type windowBaseline struct {
	statusCount, dailyRuns, dailyUsers, dailyTokens, average, list string
	args                                                           func() []any // the measured app and window
	listArgs                                                       func() []any // the measured app alone, for list
	query                                                          func(sql string, args func() []any) func(context.Context, int) error
}

// statsPairs are the comparisons both backends make, in this order: each
// statistic exact, then FinishedOnly (held to statsGoal), then List (held
// to listGoal), wflog's calls on runs against the seed's queries.
func statsPairs(runs *repo.Runs, st repo.Stats, seed windowBaseline, statsGoal, listGoal goal) []pair {
	finished := st
	finished.FinishedOnly = true
	window := func(sql string) func(context.Context, int) error { return seed.query(sql, seed.args) }
	return []pair{
		{name: "CountByStatus (exact)", baseline: "window, status count", goal: statsGoal, lib: func(ctx context.Context, _ int) error {
			_, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: st.TenantID, AppID: st.AppID, Since: st.From})
			return err
		}, base: window(seed.statusCount)},
		{name: "DailyRuns (exact)", baseline: "window, runs by day", goal: statsGoal, lib: dailyCall(runs.DailyRuns, st), base: window(seed.dailyRuns)},
		{name: "DailyTerminals (exact)", baseline: "window, users by day", goal: statsGoal, lib: dailyCall(runs.DailyTerminals, st), base: window(seed.dailyUsers)},
		{name: "DailyTokenCosts (exact)", baseline: "window, tokens by day", goal: statsGoal, lib: dailyCall(runs.DailyTokenCosts, st), base: window(seed.dailyTokens)},
		{name: "AverageInteractions (exact)", baseline: "window, runs per user by day", goal: statsGoal, lib: averageCall(runs, st), base: window(seed.average)},
		{name: "DailyRuns (FinishedOnly)", baseline: "window, runs by day", goal: statsGoal, lib: dailyCall(runs.DailyRuns, finished), base: window(seed.dailyRuns)},
		{name: "DailyTerminals (FinishedOnly)", baseline: "window, users by day", goal: statsGoal, lib: dailyCall(runs.DailyTerminals, finished), base: window(seed.dailyUsers)},
		{name: "DailyTokenCosts (FinishedOnly)", baseline: "window, tokens by day", goal: statsGoal, lib: dailyCall(runs.DailyTokenCosts, finished), base: window(seed.dailyTokens)},
		{name: "AverageInteractions (FinishedOnly)", baseline: "window, runs per user by day", goal: statsGoal, lib: averageCall(runs, finished), base: window(seed.average)},
		{name: "List, newest 20", baseline: "window + ORDER BY + LIMIT 20", goal: listGoal, reps: 10, lib: func(ctx context.Context, _ int) error {
			_, err := runs.List(ctx, repo.ListRuns{TenantID: st.TenantID, AppID: st.AppID, Limit: 20})
			return err
		}, base: seed.query(seed.list, seed.listArgs)},
	}
}

// dailyCall is a measured call of one of the daily statistics.
func dailyCall(f func(context.Context, repo.Stats) ([]repo.DailyCount, error), s repo.Stats) func(context.Context, int) error {
	return func(ctx context.Context, _ int) error { _, err := f(ctx, s); return err }
}

// averageCall is a measured call of AverageInteractions.
func averageCall(runs *repo.Runs, s repo.Stats) func(context.Context, int) error {
	return func(ctx context.Context, _ int) error { _, err := runs.AverageInteractions(ctx, s); return err }
}

// agree refuses a measurement whose two sides answer differently: a faster
// wrong answer is no result.
func agree(name string, lib, base any) error {
	if !reflect.DeepEqual(lib, base) {
		return fmt.Errorf("%s: wflog and the baseline disagree:\n  wflog    %v\n  baseline %v", name, lib, base)
	}
	return nil
}

// throughput is an ingest measurement in rows per second.
type throughput struct {
	name  string
	rates []float64
}

func (t throughput) median() float64 {
	c := append([]float64(nil), t.rates...)
	sort.Float64s(c)
	if len(c) == 0 {
		return 0
	}
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

func (t throughput) spread() string {
	c := append([]float64(nil), t.rates...)
	sort.Float64s(c)
	if len(c) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f–%.0f", c[0], c[len(c)-1])
}

// report writes the results as a table, or as markdown.
type report struct {
	title    string
	queries  []result
	ingest   []throughput
	indexes  []throughput
	growth   []growthRow
	notes    []string
	markdown bool
}

type growthRow struct {
	name          string
	before, after sample
}

// writeMarkdown writes the report as markdown to the file path; "" writes
// nothing.
func (r report) writeMarkdown(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	r.markdown = true
	r.write(f)
	return f.Close()
}

func (r report) write(w io.Writer) {
	md := r.markdown
	row := func(tw io.Writer, cells ...string) {
		if md {
			fmt.Fprintf(tw, "| %s |\n", strings.Join(cells, " | "))
		} else {
			fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		}
	}
	rule := func(tw io.Writer, n int) {
		if md {
			fmt.Fprintln(tw, "|"+strings.Repeat("---|", n))
		}
	}
	section := func(title string) {
		if md {
			fmt.Fprintf(w, "\n### %s\n\n", title)
		} else {
			fmt.Fprintf(w, "\n%s\n", title)
		}
	}
	newTable := func() *tabwriter.Writer {
		if md {
			return tabwriter.NewWriter(w, 0, 0, 0, ' ', 0)
		}
		return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	}
	if r.title != "" {
		if md {
			fmt.Fprintf(w, "## %s\n", r.title)
		} else {
			fmt.Fprintln(w, r.title)
		}
	}
	if len(r.queries) > 0 {
		section("Queries and writes (medians over rounds; min–max in brackets)")
		tw := newTable()
		row(tw, "measurement", "wflog", "baseline", "baseline time", "ratio", "goal", "met")
		rule(tw, 7)
		for _, q := range r.queries {
			met, goalText := "yes", q.goal.String()
			if q.goal == (goal{}) {
				met, goalText = "-", "-"
			} else if !q.met() {
				met = "**no**"
				if !md {
					met = "NO"
				}
			}
			ratio := fmt.Sprintf("%.1fx faster", q.ratio())
			if q.goal.within > 0 || q.ratio() < 1 {
				ratio = fmt.Sprintf("%.2fx the baseline", 1/q.ratio())
			}
			row(tw, q.name, fmt.Sprintf("%s (%s)", short(q.libTimes.median()), q.libTimes.spread()), q.baseline,
				fmt.Sprintf("%s (%s)", short(q.baseTimes.median()), q.baseTimes.spread()), ratio, goalText, met)
		}
		tw.Flush()
	}
	if len(r.ingest) > 0 {
		section("Ingest (rows/s, median over batches; min–max)")
		tw := newTable()
		row(tw, "writer", "rows/s", "range")
		rule(tw, 3)
		for _, t := range r.ingest {
			row(tw, t.name, fmt.Sprintf("%.0f", t.median()), t.spread())
		}
		tw.Flush()
	}
	if len(r.indexes) > 0 {
		section("What each index costs on ingest (raw COPY without the statistics triggers, rows/s; cost relative to the primary key alone)")
		tw := newTable()
		row(tw, "table with", "rows/s", "range", "throughput lost")
		rule(tw, 4)
		base := r.indexes[0].median()
		for _, t := range r.indexes {
			row(tw, t.name, fmt.Sprintf("%.0f", t.median()), t.spread(), fmt.Sprintf("%.0f%%", 100*(1-t.median()/base)))
		}
		tw.Flush()
	}
	if len(r.growth) > 0 {
		section("Growth: the measured app's timings as the other apps grow")
		tw := newTable()
		row(tw, "measurement", "before", "after", "growth", "goal", "met")
		rule(tw, 6)
		for _, g := range r.growth {
			f := float64(g.after.median()) / float64(g.before.median())
			met := "yes"
			if f > 1.3 {
				met = "**no**"
				if !md {
					met = "NO"
				}
			}
			row(tw, g.name, short(g.before.median()), short(g.after.median()), fmt.Sprintf("%.2fx", f), "≤1.3x", met)
		}
		tw.Flush()
	}
	for _, n := range r.notes {
		fmt.Fprintf(w, "\n%s\n", n)
	}
}
