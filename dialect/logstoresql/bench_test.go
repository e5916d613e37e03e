package logstoresql

import (
	"database/sql/driver"
	"strings"
	"testing"
	"time"
)

// A run's INSERT as GORM writes it, with its 21 arguments.
var (
	benchInsert = `INSERT INTO "workflow_runs" ("id","version","tenant_id","app_id","workflow_id","type","triggered_from","workflow_version","graph","inputs","outputs","status","error","elapsed_time","total_tokens","total_steps","exceptions_count","created_by_role","created_by","created_at","finished_at") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)`
	benchArgs   = named([]driver.Value{"0193a1b2-0000-7000-8000-000000000001", int64(1795680000000000000), "11111111-1111-4111-8111-111111111111",
		"22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333", "workflow", "app-run", "v1",
		`{"nodes":[],"edges":[]}`, `{"query":"it's"}`, `{"answer":"` + strings.Repeat("x", 500) + `"}`, "succeeded", nil, 1.25, int64(1234),
		int64(3), int64(0), "account", "44444444-4444-4444-8444-444444444444", time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC), nil})
	benchSelect = `SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "version" DESC) AS "wflog_rn" FROM "workflow_runs" WHERE __time__ > 0 AND ("workflow_runs"."tenant_id" = $1 AND "workflow_runs"."app_id" = $2)) AS "workflow_runs" WHERE __time__ > 0 AND "workflow_runs"."wflog_rn" = 1 ORDER BY "workflow_runs"."created_at" DESC,"workflow_runs"."id" DESC LIMIT 21`
)

func BenchmarkRenderInsert(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := renderStatement(benchInsert, benchArgs, false, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderSelect(b *testing.B) {
	args := named([]driver.Value{"11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := renderStatement(benchSelect, args, false, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLexSQL(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lexSQL(benchSelect); err != nil {
			b.Fatal(err)
		}
	}
}
