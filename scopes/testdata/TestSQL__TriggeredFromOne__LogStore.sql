-- query
SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "version" DESC) AS "wflog_rn" FROM "workflow_runs" WHERE __time__ > 0) AS "workflow_runs" WHERE "workflow_runs"."triggered_from" = 'app-run' AND __time__ > 0 AND "workflow_runs"."wflog_rn" = 1 LIMIT 1000000
