-- query
SELECT * FROM "workflow_runs" ORDER BY "created_at","id","version" LIMIT $1
-- args: 10000
-- query
SELECT * FROM "workflow_node_executions" WHERE "tenant_id" = $1 AND "app_id" = $2 AND "created_at" >= $3 AND "created_at" < $4 AND ("created_at","id","version") > ($5,$6,$7) ORDER BY "created_at","id","version" LIMIT $8
-- args: "0192f0e0-0000-7000-8000-00000000000a" | "0192f0e0-0000-7000-8000-0000000000a1" | "2026-11-01T00:00:00Z" | "2026-12-01T00:00:00Z" | "2026-11-02T03:04:05.000006Z" | "01a22a03-bb37-7b93-aaf7-e251af56b11d" | 1795544566101616000 | 5000
-- query
SELECT "created_at","id","version","status","total_tokens" FROM "workflow_runs" WHERE "tenant_id" = $1 AND "app_id" = $2 AND "created_at" >= $3 AND "created_at" < $4 AND ("created_at","id","version") > ($5,$6,$7) ORDER BY "created_at","id","version" LIMIT $8
-- args: "0192f0e0-0000-7000-8000-00000000000a" | "0192f0e0-0000-7000-8000-0000000000a1" | "2026-11-01T00:00:00Z" | "2026-12-01T00:00:00Z" | "2026-11-02T03:04:05.000006Z" | "01a22a03-bb37-7b93-aaf7-e251af56b11d" | 1795544566101616000 | 5000
-- query
SELECT count(*) FROM "workflow_runs" WHERE "tenant_id" = $1 AND "app_id" = $2 AND "created_at" >= $3 AND "created_at" < $4
-- args: "0192f0e0-0000-7000-8000-00000000000a" | "0192f0e0-0000-7000-8000-0000000000a1" | "2026-11-01T00:00:00Z" | "2026-12-01T00:00:00Z"
