package mirror_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/mirror"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// What a mirror costs a write: Save on PostgreSQL alone, and mirrored to a
// second PostgreSQL schema (the mirror's INSERT is synchronous).
//
//	go test ./mirror -run '^$' -bench Save -count 10 > new.txt && benchstat new.txt
func BenchmarkSave(b *testing.B) {
	to, _ := testdb.Open(b)
	m, err := mirror.New(to, mirror.Config{Policy: mirror.Required})
	if err != nil {
		b.Fatal(err)
	}
	plain, _ := testdb.Open(b)
	mirrored, _ := testdb.Open(b, wflog.WithMirror(m))
	ctx := context.Background()
	for _, c := range []struct {
		name string
		runs *repo.Runs
	}{{"alone", repo.NewRuns(plain)}, {"mirrored", repo.NewRuns(mirrored)}} {
		run := models.WorkflowRun{TenantID: uuid.New(), AppID: uuid.New(), Status: models.RunRunning, CreatedAt: time.Now()}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.runs.Save(ctx, &run); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
