-- query
SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "version" DESC) AS "wflog_rn" FROM "workflow_runs" WHERE __time__ > 0 AND ("workflow_runs"."tenant_id" = '11111111-1111-4111-8111-111111111111' AND "workflow_runs"."app_id" = '22222222-2222-4222-8222-222222222222')) AS "wflog_latest" WHERE "wflog_latest"."wflog_rn" = 1 LIMIT 1000000
