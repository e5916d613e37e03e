package repo_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/repo"
)

// What a tier costs a read, both tiers on PostgreSQL so that only the
// tiering differs from BenchmarkGet: a run of the newer tier is one lookup,
// a run of the older tier two (the newer tier is asked first).
//
//	go test ./repo -run '^$' -bench 'Get$|TieredGet' -count 10 > new.txt && benchstat new.txt
func BenchmarkTieredGet(b *testing.B) {
	older, _ := testdb.Open(b)
	newer, _ := testdb.Open(b)
	cutover := time.Now().UTC().Add(-time.Hour)
	runs := repo.NewRuns(newer, repo.WithOlderTier(older, cutover), repo.WithRecentWrites(0, 0))
	ctx := context.Background()
	tenant, app := uuid.New(), uuid.New()
	for name, created := range map[string]time.Time{"newer": cutover.Add(time.Minute), "older": cutover.Add(-time.Minute)} {
		run := newRun(tenant, app, created)
		for i := 0; i < 3; i++ {
			run.Version = 0
			if err := runs.Save(ctx, &run); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := runs.Get(ctx, tenant, app, run.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
