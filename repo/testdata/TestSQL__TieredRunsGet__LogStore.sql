-- query
SELECT * FROM "workflow_runs" WHERE ("workflow_runs"."tenant_id" = '11111111-1111-4111-8111-111111111111' AND "workflow_runs"."app_id" = '22222222-2222-4222-8222-222222222222' AND "workflow_runs"."id" = '0193a1b2-0000-7000-8000-000000000001') AND __time__ > 0 ORDER BY "workflow_runs"."version" DESC LIMIT 1
-- query
SELECT * FROM "workflow_runs" WHERE ("workflow_runs"."tenant_id" = '11111111-1111-4111-8111-111111111111' AND "workflow_runs"."app_id" = '22222222-2222-4222-8222-222222222222' AND "workflow_runs"."id" = '0193a1b2-0000-7000-8000-000000000001') AND __time__ > 0 ORDER BY "workflow_runs"."version" DESC LIMIT 1
