package workload

import (
	"testing"
	"time"
)

// TestCreationTimes: runs are created inside [Start, Start+Days), and in
// time order when Runs is set — for a million runs over a month too.
func TestCreationTimes(t *testing.T) {
	start := time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC)
	for _, cfg := range []Config{
		{Seed: 1, AppsPerTenant: 20, Days: 30, Runs: 1_000_000, Versions: 3},
		{Seed: 2, AppsPerTenant: 3, Days: 3, Runs: 36},
		{Seed: 3, AppsPerTenant: 2, Days: 7},
	} {
		cfg.Start = start
		g := New(cfg)
		end := start.AddDate(0, 0, cfg.Days)
		n := cfg.Runs
		if n == 0 {
			n = 1000
		}
		var prev time.Time
		for _, i := range []int{0, 1, 2, n / 3, n / 2, n - 2, n - 1} {
			h := g.Run(i)
			at := h.Runs[0].CreatedAt
			if at.Before(start) || !at.Before(end) {
				t.Fatalf("%+v: run %d created %v, outside [%v, %v)", cfg, i, at, start, end)
			}
			if cfg.Runs > 0 && at.Before(prev) {
				t.Fatalf("%+v: run %d created %v, before run created %v", cfg, i, at, prev)
			}
			prev = at
			if late := g.Run(n + i).Runs[0].CreatedAt; late.Before(start) || !late.Before(end) {
				t.Fatalf("%+v: run %d (past Runs) created %v, outside the window", cfg, n+i, late)
			}
			if cfg.Versions > 0 && len(h.Runs) != cfg.Versions {
				t.Fatalf("run %d has %d versions, want %d", i, len(h.Runs), cfg.Versions)
			}
		}
	}
}

// TestDeterministic: the same config and run number give the same run.
func TestDeterministic(t *testing.T) {
	cfg := Config{Seed: 9, AppsPerTenant: 4, Days: 5, NodesPerRun: 3, TiesEvery: 3}
	a, b := New(cfg).Run(17), New(cfg).Run(17)
	if a.Runs[0].ID != b.Runs[0].ID || !a.Runs[0].CreatedAt.Equal(b.Runs[0].CreatedAt) || len(a.Nodes) != len(b.Nodes) {
		t.Error("the same run came out differently")
	}
	g := New(cfg)
	if tie, prev := g.Run(12), g.Run(8); !tie.Runs[0].CreatedAt.Equal(prev.Runs[0].CreatedAt) || tie.Runs[0].AppID != prev.Runs[0].AppID {
		t.Error("run 12 does not share its creation time with run 8, the previous run of its app")
	}
}
