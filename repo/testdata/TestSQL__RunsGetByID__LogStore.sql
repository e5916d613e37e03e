-- query
SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "version" DESC) AS "wflog_rn" FROM "workflow_runs" WHERE __time__ > 0 AND "workflow_runs"."id" = '0193a1b2-0000-7000-8000-000000000001') AS "workflow_runs" WHERE __time__ > 0 AND "workflow_runs"."wflog_rn" = 1 LIMIT 1
