-- query
SELECT count(*) FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "version" DESC) AS "wflog_rn" FROM "workflow_runs" WHERE __time__ > 0) AS "wflog_latest" WHERE status = 'running' AND "wflog_latest"."wflog_rn" = 1 LIMIT 1000000
