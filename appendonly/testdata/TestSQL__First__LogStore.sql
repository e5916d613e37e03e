-- query
SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "version" DESC) AS "wflog_rn" FROM "workflow_runs" WHERE __time__ > 0) AS "wflog_latest" WHERE id = '0193a1b2-0000-7000-8000-000000000001' AND "wflog_latest"."wflog_rn" = 1 ORDER BY "wflog_latest"."id" LIMIT 1
