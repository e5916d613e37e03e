-- wflog's pre-aggregated run statistics on PostgreSQL. rollup.Install
-- applies it (wflog.Migrate calls Install); it is idempotent.
--
-- workflow_runs stays append-only and remains the truth: every table here
-- is derived from it by the triggers below, and rollup.Rebuild can recreate
-- them from it at any time (wflog stats --rebuild; --verify compares).
--
-- Time is cut into 15-minute UTC buckets. Every time zone in use today is
-- offset from UTC by a multiple of 15 minutes, so each calendar day of any
-- zone — daylight saving days included — is a union of whole buckets.

-- Each run's current state and its latest finished state, as the triggers
-- last saw them. The keys (tenant_id … created_at) are the run's first
-- version's; they are the same in every version of a run.
CREATE TABLE IF NOT EXISTS wflog_run_state (
    id             uuid         NOT NULL PRIMARY KEY,
    tenant_id      uuid         NOT NULL,
    app_id         uuid         NOT NULL,
    triggered_from varchar(255) NOT NULL,
    created_by     uuid         NOT NULL,
    created_at     timestamptz  NOT NULL,
    version        bigint       NOT NULL,
    status         varchar(255) NOT NULL,
    total_tokens   bigint       NOT NULL,
    fin_version    bigint,       -- the latest version with finished_at set; NULL: none yet
    fin_status     varchar(255),
    fin_tokens     bigint,
    -- What the row held before the statement that last changed it: the
    -- insert trigger reads it back through RETURNING to count the change.
    was_version     bigint,
    was_status      varchar(255),
    was_tokens      bigint,
    was_fin_version bigint,
    was_fin_status  varchar(255),
    was_fin_tokens  bigint
);

-- Runs and tokens per bucket and trigger: each run counted once, in its
-- current state (finished = false) or as it last finished (finished =
-- true). The daily statistics sum a day's buckets. Beside each trigger's
-- rows, triggered_from = '*' counts all triggers together (here and in
-- wflog_run_users): a statistic of every trigger, the usual one, reads a
-- quarter of the rows it would read summing four triggers.
CREATE TABLE IF NOT EXISTS wflog_run_buckets (
    tenant_id      uuid         NOT NULL,
    app_id         uuid         NOT NULL,
    finished       boolean      NOT NULL,
    bucket         timestamptz  NOT NULL,
    triggered_from varchar(255) NOT NULL,
    runs           bigint       NOT NULL,
    tokens         bigint       NOT NULL,
    PRIMARY KEY (tenant_id, app_id, finished, bucket, triggered_from)
);

-- Runs by current status, per UTC day (whole_day) and per bucket: a count
-- since any time is whole days, then the buckets of the day it starts in.
CREATE TABLE IF NOT EXISTS wflog_run_statuses (
    tenant_id      uuid         NOT NULL,
    app_id         uuid         NOT NULL,
    whole_day      boolean      NOT NULL,
    start          timestamptz  NOT NULL,
    triggered_from varchar(255) NOT NULL,
    status         varchar(255) NOT NULL,
    runs           bigint       NOT NULL,
    PRIMARY KEY (tenant_id, app_id, whole_day, start, triggered_from, status)
);

-- Who started runs: one row per user and UTC day, with a bit for each of
-- the day's 96 buckets in which the user has a run (of any status; for
-- finished = true, a finished one). A zone's day is, within each UTC day it
-- touches, a range of buckets, so its distinct users are exact.
CREATE TABLE IF NOT EXISTS wflog_run_users (
    tenant_id      uuid         NOT NULL,
    app_id         uuid         NOT NULL,
    finished       boolean      NOT NULL,
    day            date         NOT NULL,
    triggered_from varchar(255) NOT NULL,
    created_by     uuid         NOT NULL,
    buckets        bit(96)      NOT NULL,
    -- buckets in the index too: a day's users are an index-only range. A
    -- row changes only when its user starts a run in a new bucket.
    PRIMARY KEY (tenant_id, app_id, finished, day, triggered_from, created_by) INCLUDE (buckets)
);

-- An online fill in progress: rollup.Install, on a workflow_runs that
-- already has rows, installs the triggers first and then fills the tables
-- from those rows, a range of the table's pages at a time, while writers
-- go on. Applying a version twice changes nothing (a run's state keeps its
-- latest version; a user's mark is OR-ed in), so rows the triggers counted
-- that land in pages not yet filled are harmless. The row says how far it
-- got; no row means the tables are complete, and only then do
-- repositories read them (rollup.Installed).
CREATE TABLE IF NOT EXISTS wflog_run_stats_fill (
    singleton  boolean     NOT NULL PRIMARY KEY DEFAULT true CHECK (singleton),
    next_page  bigint      NOT NULL DEFAULT 0, -- pages before it are filled
    pages      bigint      NOT NULL,           -- workflow_runs' pages when it started
    started_at timestamptz NOT NULL DEFAULT now()
);

-- Writers do not update the counts above: each statement appends its
-- changes of count to these delta tables (INSERT only, so writers of one
-- app never wait for each other's counter rows), and a compaction folds
-- them into the counts now and then (wflog_run_stats_compact). A count is
-- its counter row plus its pending deltas: read the *_now views, one
-- statement, one snapshot — a compaction deletes deltas and updates
-- counters in one transaction, so a reader sees each change exactly once.
CREATE TABLE IF NOT EXISTS wflog_run_bucket_deltas (
    tenant_id      uuid         NOT NULL,
    app_id         uuid         NOT NULL,
    finished       boolean      NOT NULL,
    bucket         timestamptz  NOT NULL,
    triggered_from varchar(255) NOT NULL,
    runs           bigint       NOT NULL,
    tokens         bigint       NOT NULL
);
CREATE INDEX IF NOT EXISTS wflog_run_bucket_deltas_app ON wflog_run_bucket_deltas (tenant_id, app_id);
-- Folds delete rows all the time: vacuum after a thousand, not a fifth.
ALTER TABLE wflog_run_bucket_deltas SET (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000, autovacuum_vacuum_insert_scale_factor = 0);

CREATE TABLE IF NOT EXISTS wflog_run_status_deltas (
    tenant_id      uuid         NOT NULL,
    app_id         uuid         NOT NULL,
    whole_day      boolean      NOT NULL,
    start          timestamptz  NOT NULL,
    triggered_from varchar(255) NOT NULL,
    status         varchar(255) NOT NULL,
    runs           bigint       NOT NULL
);
CREATE INDEX IF NOT EXISTS wflog_run_status_deltas_app ON wflog_run_status_deltas (tenant_id, app_id);
-- Folds delete rows all the time: vacuum after a thousand, not a fifth.
ALTER TABLE wflog_run_status_deltas SET (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000, autovacuum_vacuum_insert_scale_factor = 0);

-- Bits to OR into wflog_run_users (OR is idempotent: a mark folded twice,
-- or both folded and pending, counts once).
CREATE TABLE IF NOT EXISTS wflog_run_user_deltas (
    tenant_id      uuid         NOT NULL,
    app_id         uuid         NOT NULL,
    finished       boolean      NOT NULL,
    day            date         NOT NULL,
    triggered_from varchar(255) NOT NULL,
    created_by     uuid         NOT NULL,
    buckets        bit(96)      NOT NULL
);
CREATE INDEX IF NOT EXISTS wflog_run_user_deltas_app ON wflog_run_user_deltas (tenant_id, app_id);
-- Folds delete rows all the time: vacuum after a thousand, not a fifth.
ALTER TABLE wflog_run_user_deltas SET (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000, autovacuum_vacuum_insert_scale_factor = 0);

-- The counts as of now: sum runs and tokens (and OR buckets) per key.
CREATE OR REPLACE VIEW wflog_run_buckets_now AS
    SELECT tenant_id, app_id, finished, bucket, triggered_from, runs, tokens FROM wflog_run_buckets
    UNION ALL
    SELECT tenant_id, app_id, finished, bucket, triggered_from, runs, tokens FROM wflog_run_bucket_deltas;
CREATE OR REPLACE VIEW wflog_run_statuses_now AS
    SELECT tenant_id, app_id, whole_day, start, triggered_from, status, runs FROM wflog_run_statuses
    UNION ALL
    SELECT tenant_id, app_id, whole_day, start, triggered_from, status, runs FROM wflog_run_status_deltas;
CREATE OR REPLACE VIEW wflog_run_users_now AS
    SELECT tenant_id, app_id, finished, day, triggered_from, created_by, buckets FROM wflog_run_users
    UNION ALL
    SELECT tenant_id, app_id, finished, day, triggered_from, created_by, buckets FROM wflog_run_user_deltas;

-- The advisory lock that compactions (and the resync below) hold: one per
-- schema, keyed by the bucket deltas table.
CREATE OR REPLACE FUNCTION wflog_run_stats_lock_key() RETURNS bigint LANGUAGE sql STABLE SET search_path FROM CURRENT
    AS $$ SELECT (2037541991::bigint << 32) | to_regclass('wflog_run_bucket_deltas')::oid::bigint $$;

-- Folds every committed delta into the counts. The caller holds the lock
-- above (so no two folds move the same deltas), in a transaction: each
-- statement deletes the deltas it sees and adds them to the counters, so
-- the move is atomic, and deltas committed meanwhile wait for the next fold.
CREATE OR REPLACE FUNCTION wflog_run_stats_fold() RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    WITH moved AS (DELETE FROM wflog_run_bucket_deltas RETURNING *)
    INSERT INTO wflog_run_buckets AS b (tenant_id, app_id, finished, bucket, triggered_from, runs, tokens)
    SELECT tenant_id, app_id, finished, bucket, triggered_from, sum(runs), sum(tokens)
    FROM moved GROUP BY 1, 2, 3, 4, 5 HAVING sum(runs) <> 0 OR sum(tokens) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, app_id, finished, bucket, triggered_from) DO UPDATE
        SET runs = b.runs + excluded.runs, tokens = b.tokens + excluded.tokens;
    WITH moved AS (DELETE FROM wflog_run_status_deltas RETURNING *)
    INSERT INTO wflog_run_statuses AS c (tenant_id, app_id, whole_day, start, triggered_from, status, runs)
    SELECT tenant_id, app_id, whole_day, start, triggered_from, status, sum(runs)
    FROM moved GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(runs) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (tenant_id, app_id, whole_day, start, triggered_from, status) DO UPDATE
        SET runs = c.runs + excluded.runs;
    WITH moved AS (DELETE FROM wflog_run_user_deltas RETURNING *)
    INSERT INTO wflog_run_users AS u (tenant_id, app_id, finished, day, triggered_from, created_by, buckets)
    SELECT tenant_id, app_id, finished, day, triggered_from, created_by, bit_or(buckets)
    FROM moved GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (tenant_id, app_id, finished, day, triggered_from, created_by) DO UPDATE
        SET buckets = u.buckets | excluded.buckets
        WHERE u.buckets | excluded.buckets <> u.buckets;
END
$$;

-- Folds the deltas unless another compaction holds the lock; reports
-- whether it did. Its transaction holds the lock until it ends.
CREATE OR REPLACE FUNCTION wflog_run_stats_compact() RETURNS boolean LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock(wflog_run_stats_lock_key()) THEN
        RETURN false;
    END IF;
    PERFORM wflog_run_stats_fold();
    RETURN true;
END
$$;

-- The version of these tables' contents: an Install that finds an older
-- one fills them again (online, as on a table with rows).
CREATE OR REPLACE FUNCTION wflog_run_stats_schema() RETURNS int LANGUAGE sql IMMUTABLE RETURN 2;

CREATE OR REPLACE FUNCTION wflog_bucket(t timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN date_bin('15 minutes', t, timestamptz '2000-01-01 00:00:00+00');

-- The start of t's UTC day.
CREATE OR REPLACE FUNCTION wflog_day(t timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN date_bin('1 day', t, timestamptz '2000-01-01 00:00:00+00');

-- The bit of t's bucket within its UTC day.
CREATE OR REPLACE FUNCTION wflog_bucket_bit(t timestamptz) RETURNS bit(96)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN set_bit(0::bit(96), (extract(hour FROM t AT TIME ZONE 'UTC') * 4 + floor(extract(minute FROM t AT TIME ZONE 'UTC') / 15))::int, 1);

-- The trigger functions keep the search_path they were created with, so
-- that a writer whose session points elsewhere (INSERT INTO
-- other_schema.workflow_runs) still updates this schema's tables.

-- New versions: upsert each run's state (a version older than the state
-- changes nothing), then append the moves of its counts from what it was to
-- what it is, and the mark of its user's bucket, to the delta tables. The
-- only rows locked are the runs' state rows, in id order, so writers of
-- one run wait for each other instead of deadlocking, and writers of
-- different runs do not wait at all.
--
-- The statement is a template (rollup.go renders this file with Go's
-- text/template): the trigger applies it to the statement's new rows, and
-- the online fill (rollup.Install on a table that already has rows) to
-- each chunk of the rows that were there before the trigger.
{{define "apply"}}
    WITH latest AS (
        SELECT DISTINCT ON (id) id, tenant_id, app_id, triggered_from, created_by, created_at, version, status, total_tokens
        FROM {{.}} ORDER BY id, version DESC
    ), finished AS (
        SELECT DISTINCT ON (id) id, version, status, total_tokens
        FROM {{.}} WHERE finished_at IS NOT NULL ORDER BY id, version DESC
    ), changed AS (
        INSERT INTO wflog_run_state AS s (id, tenant_id, app_id, triggered_from, created_by, created_at,
            version, status, total_tokens, fin_version, fin_status, fin_tokens)
        SELECT l.id, l.tenant_id, l.app_id, l.triggered_from, l.created_by, l.created_at,
            l.version, l.status, l.total_tokens, f.version, f.status, f.total_tokens
        FROM latest l LEFT JOIN finished f USING (id)
        ORDER BY l.id
        ON CONFLICT (id) DO UPDATE SET
            was_version = s.version, was_status = s.status, was_tokens = s.total_tokens,
            was_fin_version = s.fin_version, was_fin_status = s.fin_status, was_fin_tokens = s.fin_tokens,
            version      = CASE WHEN excluded.version > s.version THEN excluded.version      ELSE s.version      END,
            status       = CASE WHEN excluded.version > s.version THEN excluded.status       ELSE s.status       END,
            total_tokens = CASE WHEN excluded.version > s.version THEN excluded.total_tokens ELSE s.total_tokens END,
            fin_version  = CASE WHEN excluded.fin_version > coalesce(s.fin_version, -1) THEN excluded.fin_version ELSE s.fin_version END,
            fin_status   = CASE WHEN excluded.fin_version > coalesce(s.fin_version, -1) THEN excluded.fin_status  ELSE s.fin_status  END,
            fin_tokens   = CASE WHEN excluded.fin_version > coalesce(s.fin_version, -1) THEN excluded.fin_tokens  ELSE s.fin_tokens  END
        WHERE excluded.version > s.version OR excluded.fin_version > coalesce(s.fin_version, -1)
        RETURNING s.*, s.was_version IS NULL AS inserted
    ), moves AS (
        -- What each changed run was (-1) and is (+1), in both kinds.
        SELECT tenant_id, app_id, false AS finished, created_at, triggered_from, was_status AS status, -1 AS runs, -was_tokens AS tokens
        FROM changed WHERE NOT inserted AND version <> was_version
        UNION ALL
        SELECT tenant_id, app_id, false, created_at, triggered_from, status, 1, total_tokens
        FROM changed WHERE inserted OR version <> was_version
        UNION ALL
        SELECT tenant_id, app_id, true, created_at, triggered_from, was_fin_status, -1, -was_fin_tokens
        FROM changed WHERE NOT inserted AND was_fin_version IS NOT NULL AND fin_version <> was_fin_version
        UNION ALL
        SELECT tenant_id, app_id, true, created_at, triggered_from, fin_status, 1, fin_tokens
        FROM changed WHERE fin_version IS NOT NULL AND (inserted OR fin_version IS DISTINCT FROM was_fin_version)
    ), bucketed AS (
        -- A change of status alone moves nothing here: skipped.
        INSERT INTO wflog_run_bucket_deltas (tenant_id, app_id, finished, bucket, triggered_from, runs, tokens)
        SELECT tenant_id, app_id, finished, wflog_bucket(created_at) AS bucket, per.trigger_key, sum(runs), sum(tokens)
        FROM moves CROSS JOIN LATERAL (VALUES (moves.triggered_from), ('*')) AS per (trigger_key)
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(runs) <> 0 OR sum(tokens) <> 0
    ), counted AS (
        INSERT INTO wflog_run_status_deltas (tenant_id, app_id, whole_day, start, triggered_from, status, runs)
        SELECT tenant_id, app_id, whole_day, start, triggered_from, status, sum(runs)
        FROM moves CROSS JOIN LATERAL (VALUES (true, wflog_day(created_at)), (false, wflog_bucket(created_at))) AS p (whole_day, start)
        WHERE NOT finished
        GROUP BY 1, 2, 3, 4, 5, 6
        HAVING sum(runs) <> 0
    ), joined AS (
        -- A run joins its bucket's users with its first version, and the
        -- finished users with its first finished one; it never leaves
        -- (versions are only added), except by a delete.
        SELECT tenant_id, app_id, false AS finished, created_at, triggered_from, created_by
        FROM changed WHERE inserted
        UNION ALL
        SELECT tenant_id, app_id, true, created_at, triggered_from, created_by
        FROM changed WHERE fin_version IS NOT NULL AND (inserted OR was_fin_version IS NULL)
    ), marks AS (
        SELECT tenant_id, app_id, finished, (created_at AT TIME ZONE 'UTC')::date AS day, per.trigger_key, created_by, bit_or(wflog_bucket_bit(created_at)) AS buckets
        FROM joined CROSS JOIN LATERAL (VALUES (joined.triggered_from), ('*')) AS per (trigger_key)
        GROUP BY 1, 2, 3, 4, 5, 6
    )
    INSERT INTO wflog_run_user_deltas (tenant_id, app_id, finished, day, triggered_from, created_by, buckets)
    SELECT * FROM marks
{{end}}
CREATE OR REPLACE FUNCTION wflog_run_stats_insert() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
{{template "apply" "new_rows"}};
    -- Now and then a writer folds the deltas into the counts, unless
    -- another compaction is running: one statement in 32, and every
    -- statement of 64 versions or more (a batch leaves many deltas, which
    -- every read would add up until the next fold). Not under REPEATABLE
    -- READ or SERIALIZABLE: there, a fold could fail the writer's
    -- transaction with a serialization error.
    IF (random() < 1.0 / 32 OR (SELECT count(*) FROM new_rows) >= 64)
        AND current_setting('transaction_isolation') = 'read committed' THEN
        PERFORM wflog_run_stats_compact();
    END IF;
    RETURN NULL;
END
$$;

-- Rows deleted (retention) or changed in place (not something wflog does;
-- another writer might): recompute the state of every run touched from the
-- versions that remain, move the counts, and recompute the users of every
-- UTC day touched. It holds wflog_run_state against inserts meanwhile, so
-- that the recomputation sees every committed version and none arrives
-- half-counted.
CREATE OR REPLACE FUNCTION wflog_run_stats_resync() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    LOCK TABLE wflog_run_state IN SHARE ROW EXCLUSIVE MODE;
    -- No insert is under way now (each holds wflog_run_state), so every
    -- delta is committed: fold them all, waiting for a compaction that is
    -- running, and work on the counters alone.
    PERFORM pg_advisory_xact_lock(wflog_run_stats_lock_key());
    PERFORM wflog_run_stats_fold();
    CREATE TEMP TABLE IF NOT EXISTS wflog_touched (id uuid PRIMARY KEY) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wflog_moves (tenant_id uuid, app_id uuid, finished boolean, created_at timestamptz,
        triggered_from varchar(255), status varchar(255), runs bigint, tokens bigint) ON COMMIT DELETE ROWS;
    TRUNCATE wflog_touched, wflog_moves;
    INSERT INTO wflog_touched SELECT DISTINCT id FROM old_rows ON CONFLICT DO NOTHING;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO wflog_touched SELECT DISTINCT id FROM new_rows ON CONFLICT DO NOTHING;
    END IF;

    -- Every touched run leaves the counts as the state had it …
    INSERT INTO wflog_moves
    SELECT s.tenant_id, s.app_id, false, s.created_at, s.triggered_from, s.status, -1, -s.total_tokens
    FROM wflog_run_state s JOIN wflog_touched USING (id)
    UNION ALL
    SELECT s.tenant_id, s.app_id, true, s.created_at, s.triggered_from, s.fin_status, -1, -s.fin_tokens
    FROM wflog_run_state s JOIN wflog_touched USING (id) WHERE s.fin_version IS NOT NULL;
    DELETE FROM wflog_run_state s USING wflog_touched t WHERE s.id = t.id;

    -- … and comes back as the versions that remain make it.
    INSERT INTO wflog_run_state (id, tenant_id, app_id, triggered_from, created_by, created_at,
        version, status, total_tokens, fin_version, fin_status, fin_tokens)
    SELECT l.id, l.tenant_id, l.app_id, l.triggered_from, l.created_by, l.created_at,
        l.version, l.status, l.total_tokens, f.version, f.status, f.total_tokens
    FROM (SELECT DISTINCT ON (r.id) r.* FROM workflow_runs r JOIN wflog_touched USING (id) ORDER BY r.id, r.version DESC) l
    LEFT JOIN (SELECT DISTINCT ON (r.id) r.id, r.version, r.status, r.total_tokens FROM workflow_runs r JOIN wflog_touched USING (id)
               WHERE r.finished_at IS NOT NULL ORDER BY r.id, r.version DESC) f USING (id);
    INSERT INTO wflog_moves
    SELECT s.tenant_id, s.app_id, false, s.created_at, s.triggered_from, s.status, 1, s.total_tokens
    FROM wflog_run_state s JOIN wflog_touched USING (id)
    UNION ALL
    SELECT s.tenant_id, s.app_id, true, s.created_at, s.triggered_from, s.fin_status, 1, s.fin_tokens
    FROM wflog_run_state s JOIN wflog_touched USING (id) WHERE s.fin_version IS NOT NULL;

    INSERT INTO wflog_run_buckets AS b (tenant_id, app_id, finished, bucket, triggered_from, runs, tokens)
    SELECT tenant_id, app_id, finished, wflog_bucket(created_at), per.trigger_key, sum(runs), sum(tokens)
    FROM wflog_moves CROSS JOIN LATERAL (VALUES (wflog_moves.triggered_from), ('*')) AS per (trigger_key)
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(runs) <> 0 OR sum(tokens) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, app_id, finished, bucket, triggered_from) DO UPDATE
        SET runs = b.runs + excluded.runs, tokens = b.tokens + excluded.tokens;
    INSERT INTO wflog_run_statuses AS c (tenant_id, app_id, whole_day, start, triggered_from, status, runs)
    SELECT tenant_id, app_id, whole_day, start, triggered_from, status, sum(runs)
    FROM wflog_moves CROSS JOIN LATERAL (VALUES (true, wflog_day(created_at)), (false, wflog_bucket(created_at))) AS p (whole_day, start)
    WHERE NOT finished GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(runs) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (tenant_id, app_id, whole_day, start, triggered_from, status) DO UPDATE
        SET runs = c.runs + excluded.runs;
    DELETE FROM wflog_run_buckets b USING (SELECT DISTINCT tenant_id, app_id FROM wflog_moves) a
    WHERE b.tenant_id = a.tenant_id AND b.app_id = a.app_id AND b.runs = 0 AND b.tokens = 0;
    DELETE FROM wflog_run_statuses c USING (SELECT DISTINCT tenant_id, app_id FROM wflog_moves) a
    WHERE c.tenant_id = a.tenant_id AND c.app_id = a.app_id AND c.runs = 0;

    -- Recompute the users of each touched UTC day from the versions that
    -- remain (an index range of workflow_runs per app and day).
    CREATE TEMP TABLE IF NOT EXISTS wflog_days (tenant_id uuid, app_id uuid, day date) ON COMMIT DELETE ROWS;
    TRUNCATE wflog_days;
    INSERT INTO wflog_days SELECT DISTINCT tenant_id, app_id, (created_at AT TIME ZONE 'UTC')::date FROM wflog_moves;
    DELETE FROM wflog_run_users u USING wflog_days d
    WHERE u.tenant_id = d.tenant_id AND u.app_id = d.app_id AND u.day = d.day;
    INSERT INTO wflog_run_users (tenant_id, app_id, finished, day, triggered_from, created_by, buckets)
    SELECT r.tenant_id, r.app_id, false, d.day, per.trigger_key, r.created_by, bit_or(wflog_bucket_bit(r.created_at))
    FROM wflog_days d
    JOIN workflow_runs r ON r.tenant_id = d.tenant_id AND r.app_id = d.app_id
        AND r.created_at >= d.day::timestamp AT TIME ZONE 'UTC' AND r.created_at < (d.day + 1)::timestamp AT TIME ZONE 'UTC'
    CROSS JOIN LATERAL (VALUES (r.triggered_from), ('*')) AS per (trigger_key)
    GROUP BY 1, 2, 3, 4, 5, 6;
    INSERT INTO wflog_run_users (tenant_id, app_id, finished, day, triggered_from, created_by, buckets)
    SELECT r.tenant_id, r.app_id, true, d.day, per.trigger_key, r.created_by, bit_or(wflog_bucket_bit(r.created_at))
    FROM wflog_days d
    JOIN workflow_runs r ON r.tenant_id = d.tenant_id AND r.app_id = d.app_id
        AND r.created_at >= d.day::timestamp AT TIME ZONE 'UTC' AND r.created_at < (d.day + 1)::timestamp AT TIME ZONE 'UTC'
        AND r.finished_at IS NOT NULL
    CROSS JOIN LATERAL (VALUES (r.triggered_from), ('*')) AS per (trigger_key)
    GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION wflog_run_stats_truncate() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    TRUNCATE wflog_run_state, wflog_run_buckets, wflog_run_statuses, wflog_run_users,
        wflog_run_bucket_deltas, wflog_run_status_deltas, wflog_run_user_deltas;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER wflog_run_stats_insert AFTER INSERT ON workflow_runs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wflog_run_stats_insert();
CREATE OR REPLACE TRIGGER wflog_run_stats_delete AFTER DELETE ON workflow_runs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wflog_run_stats_resync();
CREATE OR REPLACE TRIGGER wflog_run_stats_update AFTER UPDATE ON workflow_runs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wflog_run_stats_resync();
CREATE OR REPLACE TRIGGER wflog_run_stats_truncate AFTER TRUNCATE ON workflow_runs
    FOR EACH STATEMENT EXECUTE FUNCTION wflog_run_stats_truncate();
