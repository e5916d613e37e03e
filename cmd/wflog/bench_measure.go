package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
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
