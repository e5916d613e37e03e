-- query
SELECT * FROM "workflow_runs" WHERE id = '0193a1b2-0000-7000-8000-000000000001' AND __time__ > 0 ORDER BY version LIMIT 1000000
