-- wflog's pre-aggregated run statistics on SQLite: the tables of
-- schema.sql in SQLite's types, kept by row triggers. rollup.Install
-- applies it (wflog.Migrate calls Install); it is idempotent.
--
-- Times are the fixed-width UTC text of workflow_runs.created_at
-- ('2026-11-26 08:05:00.000000'). SQLite has no functions of its own to
-- name here, so Install expands these before applying the script, and the
-- triggers are plain SQL that any writer's connection can run:
--   @bucket(t)  the start of t's 15-minute UTC bucket, as text of that form
--   @day(t)     the start of t's UTC day, as text of that form
--   @date(t)    t's UTC day, 'YYYY-MM-DD'
--   @am(t)      the bit of t's bucket among the day's buckets 0-47, or 0
--   @pm(t)      the bit of t's bucket among the day's buckets 48-95, or 0
--   @next(t)    the start of the bucket after @bucket(t)
--   @canonical(t) whether t is text of exactly that form (the guards)
-- Booleans are 0 and 1.

CREATE TABLE IF NOT EXISTS wflog_run_state (
    id             TEXT      NOT NULL PRIMARY KEY,
    tenant_id      TEXT      NOT NULL,
    app_id         TEXT      NOT NULL,
    triggered_from TEXT      NOT NULL,
    created_by     TEXT      NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    version        INTEGER   NOT NULL,
    status         TEXT      NOT NULL,
    total_tokens   INTEGER   NOT NULL,
    fin_version    INTEGER,
    fin_status     TEXT,
    fin_tokens     INTEGER
);

CREATE TABLE IF NOT EXISTS wflog_run_buckets (
    tenant_id      TEXT      NOT NULL,
    app_id         TEXT      NOT NULL,
    finished       INTEGER   NOT NULL,
    bucket         TIMESTAMP NOT NULL,
    triggered_from TEXT      NOT NULL,
    runs           INTEGER   NOT NULL,
    tokens         INTEGER   NOT NULL,
    PRIMARY KEY (tenant_id, app_id, finished, bucket, triggered_from)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS wflog_run_statuses (
    tenant_id      TEXT      NOT NULL,
    app_id         TEXT      NOT NULL,
    whole_day      INTEGER   NOT NULL,
    start          TIMESTAMP NOT NULL,
    triggered_from TEXT      NOT NULL,
    status         TEXT      NOT NULL,
    runs           INTEGER   NOT NULL,
    PRIMARY KEY (tenant_id, app_id, whole_day, start, triggered_from, status)
) WITHOUT ROWID;

-- One row per user and UTC day: the day's 96 buckets as two integers of 48
-- bits (SQLite's integers have 64), a bit set for each bucket in which the
-- user started a run (for finished = 1, a finished one).
CREATE TABLE IF NOT EXISTS wflog_run_users (
    tenant_id      TEXT      NOT NULL,
    app_id         TEXT      NOT NULL,
    finished       INTEGER   NOT NULL,
    day            TEXT      NOT NULL,
    triggered_from TEXT      NOT NULL,
    created_by     TEXT      NOT NULL,
    am             INTEGER   NOT NULL,
    pm             INTEGER   NOT NULL,
    PRIMARY KEY (tenant_id, app_id, finished, day, triggered_from, created_by)
) WITHOUT ROWID;

-- Every writer's times in wflog's one text: the triggers below cut buckets
-- and days out of created_at by position, and reads compare created_at and
-- finished_at as text (ranges, keyset pages, the covering indexes), which
-- is right only while every row holds the text wflog writes. Another
-- writer's valid time in another form ('2026-01-02T03:04:05Z',
-- '2026-01-02 03:04:05+08:00', no or fewer fraction digits) would be
-- counted in the wrong bucket and sorted out of order, silently, and the
-- recomputation of rollup.Verify would agree with it; so it is refused
-- instead, with the form to use. BEFORE triggers rather than CHECK
-- constraints: SQLite cannot add a constraint to an existing table, and
-- these reach files created before them at the next wflog.Migrate.
-- @canonical(t) is wflog's text: 'YYYY-MM-DD HH:MM:SS.ffffff', UTC, a
-- real date and time.
CREATE TRIGGER IF NOT EXISTS wflog_runs_time_text_insert BEFORE INSERT ON workflow_runs FOR EACH ROW
WHEN NOT @canonical(NEW.created_at) OR (NEW.finished_at IS NOT NULL AND NOT @canonical(NEW.finished_at)) BEGIN
    SELECT RAISE(ABORT, 'wflog: workflow_runs.created_at and finished_at must be UTC text of the form ''2006-01-02 15:04:05.000000'' (six fraction digits, no T, no zone), as wflog writes them');
END;

CREATE TRIGGER IF NOT EXISTS wflog_runs_time_text_update BEFORE UPDATE OF created_at, finished_at ON workflow_runs FOR EACH ROW
WHEN NOT @canonical(NEW.created_at) OR (NEW.finished_at IS NOT NULL AND NOT @canonical(NEW.finished_at)) BEGIN
    SELECT RAISE(ABORT, 'wflog: workflow_runs.created_at and finished_at must be UTC text of the form ''2006-01-02 15:04:05.000000'' (six fraction digits, no T, no zone), as wflog writes them');
END;

CREATE TRIGGER IF NOT EXISTS wflog_node_executions_time_text_insert BEFORE INSERT ON workflow_node_executions FOR EACH ROW
WHEN NOT @canonical(NEW.created_at) OR (NEW.finished_at IS NOT NULL AND NOT @canonical(NEW.finished_at)) BEGIN
    SELECT RAISE(ABORT, 'wflog: workflow_node_executions.created_at and finished_at must be UTC text of the form ''2006-01-02 15:04:05.000000'' (six fraction digits, no T, no zone), as wflog writes them');
END;

CREATE TRIGGER IF NOT EXISTS wflog_node_executions_time_text_update BEFORE UPDATE OF created_at, finished_at ON workflow_node_executions FOR EACH ROW
WHEN NOT @canonical(NEW.created_at) OR (NEW.finished_at IS NOT NULL AND NOT @canonical(NEW.finished_at)) BEGIN
    SELECT RAISE(ABORT, 'wflog: workflow_node_executions.created_at and finished_at must be UTC text of the form ''2006-01-02 15:04:05.000000'' (six fraction digits, no T, no zone), as wflog writes them');
END;

-- A new version: it moves its run's counts from what the run was to what it
-- is when it is newer than the state (as its latest version, and, when
-- finished, as its latest finished one); an older version arriving late
-- changes nothing but its user's bit, which it already set. The state is
-- updated last, so that each statement reads the state as it was.
CREATE TRIGGER IF NOT EXISTS wflog_run_stats_insert AFTER INSERT ON workflow_runs FOR EACH ROW BEGIN
    INSERT INTO wflog_run_buckets (tenant_id, app_id, finished, bucket, triggered_from, runs, tokens)
    SELECT s.tenant_id, s.app_id, 0, @bucket(s.created_at), s.triggered_from, -1, -s.total_tokens
    FROM wflog_run_state s WHERE s.id = NEW.id AND NEW.version > s.version
    UNION ALL
    SELECT NEW.tenant_id, NEW.app_id, 0, @bucket(NEW.created_at), NEW.triggered_from, 1, NEW.total_tokens
    WHERE NOT EXISTS (SELECT 1 FROM wflog_run_state s WHERE s.id = NEW.id AND s.version >= NEW.version)
    UNION ALL
    SELECT s.tenant_id, s.app_id, 1, @bucket(s.created_at), s.triggered_from, -1, -s.fin_tokens
    FROM wflog_run_state s WHERE s.id = NEW.id AND NEW.finished_at IS NOT NULL AND NEW.version > s.fin_version
    UNION ALL
    SELECT NEW.tenant_id, NEW.app_id, 1, @bucket(NEW.created_at), NEW.triggered_from, 1, NEW.total_tokens
    WHERE NEW.finished_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM wflog_run_state s WHERE s.id = NEW.id AND s.fin_version >= NEW.version)
    ORDER BY 1
    ON CONFLICT (tenant_id, app_id, finished, bucket, triggered_from) DO UPDATE
        SET runs = runs + excluded.runs, tokens = tokens + excluded.tokens;

    INSERT INTO wflog_run_statuses (tenant_id, app_id, whole_day, start, triggered_from, status, runs)
    SELECT s.tenant_id, s.app_id, p.column1, CASE p.column1 WHEN 1 THEN @day(s.created_at) ELSE @bucket(s.created_at) END, s.triggered_from, s.status, -1
    FROM wflog_run_state s, (VALUES (1), (0)) p WHERE s.id = NEW.id AND NEW.version > s.version
    UNION ALL
    SELECT NEW.tenant_id, NEW.app_id, p.column1, CASE p.column1 WHEN 1 THEN @day(NEW.created_at) ELSE @bucket(NEW.created_at) END, NEW.triggered_from, NEW.status, 1
    FROM (VALUES (1), (0)) p
    WHERE NOT EXISTS (SELECT 1 FROM wflog_run_state s WHERE s.id = NEW.id AND s.version >= NEW.version)
    ORDER BY 1
    ON CONFLICT (tenant_id, app_id, whole_day, start, triggered_from, status) DO UPDATE
        SET runs = runs + excluded.runs;

    INSERT INTO wflog_run_users (tenant_id, app_id, finished, day, triggered_from, created_by, am, pm)
    SELECT NEW.tenant_id, NEW.app_id, 0, @date(NEW.created_at), NEW.triggered_from, NEW.created_by, @am(NEW.created_at), @pm(NEW.created_at)
    WHERE NOT EXISTS (SELECT 1 FROM wflog_run_state s WHERE s.id = NEW.id)
    UNION ALL
    SELECT NEW.tenant_id, NEW.app_id, 1, @date(NEW.created_at), NEW.triggered_from, NEW.created_by, @am(NEW.created_at), @pm(NEW.created_at)
    WHERE NEW.finished_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM wflog_run_state s WHERE s.id = NEW.id AND s.fin_version IS NOT NULL)
    ORDER BY 1
    ON CONFLICT (tenant_id, app_id, finished, day, triggered_from, created_by) DO UPDATE
        SET am = am | excluded.am, pm = pm | excluded.pm
        WHERE (am | excluded.am) <> am OR (pm | excluded.pm) <> pm;

    INSERT INTO wflog_run_state (id, tenant_id, app_id, triggered_from, created_by, created_at,
        version, status, total_tokens, fin_version, fin_status, fin_tokens)
    VALUES (NEW.id, NEW.tenant_id, NEW.app_id, NEW.triggered_from, NEW.created_by, NEW.created_at,
        NEW.version, NEW.status, NEW.total_tokens,
        CASE WHEN NEW.finished_at IS NOT NULL THEN NEW.version END,
        CASE WHEN NEW.finished_at IS NOT NULL THEN NEW.status END,
        CASE WHEN NEW.finished_at IS NOT NULL THEN NEW.total_tokens END)
    ON CONFLICT (id) DO UPDATE SET
        version      = CASE WHEN excluded.version > version THEN excluded.version      ELSE version      END,
        status       = CASE WHEN excluded.version > version THEN excluded.status       ELSE status       END,
        total_tokens = CASE WHEN excluded.version > version THEN excluded.total_tokens ELSE total_tokens END,
        fin_version  = CASE WHEN excluded.fin_version > coalesce(fin_version, -1) THEN excluded.fin_version ELSE fin_version END,
        fin_status   = CASE WHEN excluded.fin_version > coalesce(fin_version, -1) THEN excluded.fin_status  ELSE fin_status  END,
        fin_tokens   = CASE WHEN excluded.fin_version > coalesce(fin_version, -1) THEN excluded.fin_tokens  ELSE fin_tokens  END
        WHERE excluded.version > version OR excluded.fin_version > coalesce(fin_version, -1);
END;

-- A deleted version (retention): the run leaves the counts as the state had
-- it, its state is recomputed from the versions that remain, and it comes
-- back as they make it; its user's bit in the version's bucket stays only if
-- another version there remains (an index range of one bucket).
CREATE TRIGGER IF NOT EXISTS wflog_run_stats_delete AFTER DELETE ON workflow_runs FOR EACH ROW BEGIN
    INSERT INTO wflog_run_buckets (tenant_id, app_id, finished, bucket, triggered_from, runs, tokens)
    SELECT s.tenant_id, s.app_id, 0, @bucket(s.created_at), s.triggered_from, -1, -s.total_tokens
    FROM wflog_run_state s WHERE s.id = OLD.id
    UNION ALL
    SELECT s.tenant_id, s.app_id, 1, @bucket(s.created_at), s.triggered_from, -1, -s.fin_tokens
    FROM wflog_run_state s WHERE s.id = OLD.id AND s.fin_version IS NOT NULL
    ORDER BY 1
    ON CONFLICT (tenant_id, app_id, finished, bucket, triggered_from) DO UPDATE
        SET runs = runs + excluded.runs, tokens = tokens + excluded.tokens;
    INSERT INTO wflog_run_statuses (tenant_id, app_id, whole_day, start, triggered_from, status, runs)
    SELECT s.tenant_id, s.app_id, p.column1, CASE p.column1 WHEN 1 THEN @day(s.created_at) ELSE @bucket(s.created_at) END, s.triggered_from, s.status, -1
    FROM wflog_run_state s, (VALUES (1), (0)) p WHERE s.id = OLD.id
    ORDER BY 1
    ON CONFLICT (tenant_id, app_id, whole_day, start, triggered_from, status) DO UPDATE
        SET runs = runs + excluded.runs;
    DELETE FROM wflog_run_state WHERE id = OLD.id;

    INSERT INTO wflog_run_state (id, tenant_id, app_id, triggered_from, created_by, created_at,
        version, status, total_tokens, fin_version, fin_status, fin_tokens)
    SELECT l.id, l.tenant_id, l.app_id, l.triggered_from, l.created_by, l.created_at,
        l.version, l.status, l.total_tokens, f.version, f.status, f.total_tokens
    FROM (SELECT * FROM workflow_runs WHERE id = OLD.id ORDER BY version DESC LIMIT 1) l
    LEFT JOIN (SELECT version, status, total_tokens FROM workflow_runs WHERE id = OLD.id AND finished_at IS NOT NULL
               ORDER BY version DESC LIMIT 1) f ON 1;

    INSERT INTO wflog_run_buckets (tenant_id, app_id, finished, bucket, triggered_from, runs, tokens)
    SELECT s.tenant_id, s.app_id, 0, @bucket(s.created_at), s.triggered_from, 1, s.total_tokens
    FROM wflog_run_state s WHERE s.id = OLD.id
    UNION ALL
    SELECT s.tenant_id, s.app_id, 1, @bucket(s.created_at), s.triggered_from, 1, s.fin_tokens
    FROM wflog_run_state s WHERE s.id = OLD.id AND s.fin_version IS NOT NULL
    ORDER BY 1
    ON CONFLICT (tenant_id, app_id, finished, bucket, triggered_from) DO UPDATE
        SET runs = runs + excluded.runs, tokens = tokens + excluded.tokens;
    INSERT INTO wflog_run_statuses (tenant_id, app_id, whole_day, start, triggered_from, status, runs)
    SELECT s.tenant_id, s.app_id, p.column1, CASE p.column1 WHEN 1 THEN @day(s.created_at) ELSE @bucket(s.created_at) END, s.triggered_from, s.status, 1
    FROM wflog_run_state s, (VALUES (1), (0)) p WHERE s.id = OLD.id
    ORDER BY 1
    ON CONFLICT (tenant_id, app_id, whole_day, start, triggered_from, status) DO UPDATE
        SET runs = runs + excluded.runs;
    DELETE FROM wflog_run_buckets WHERE tenant_id = OLD.tenant_id AND app_id = OLD.app_id AND finished IN (0, 1)
        AND bucket = @bucket(OLD.created_at) AND runs = 0 AND tokens = 0;
    DELETE FROM wflog_run_statuses WHERE tenant_id = OLD.tenant_id AND app_id = OLD.app_id AND whole_day IN (0, 1)
        AND start IN (@day(OLD.created_at), @bucket(OLD.created_at)) AND runs = 0;

    UPDATE wflog_run_users SET
        am = am & ~@am(OLD.created_at),
        pm = pm & ~@pm(OLD.created_at)
    WHERE tenant_id = OLD.tenant_id AND app_id = OLD.app_id AND day = @date(OLD.created_at)
        AND triggered_from = OLD.triggered_from AND created_by = OLD.created_by
        AND NOT EXISTS (SELECT 1 FROM workflow_runs r
            WHERE r.tenant_id = OLD.tenant_id AND r.app_id = OLD.app_id
                AND r.created_at >= @bucket(OLD.created_at) AND r.created_at < @next(OLD.created_at)
                AND r.triggered_from = OLD.triggered_from AND r.created_by = OLD.created_by
                AND (finished = 0 OR r.finished_at IS NOT NULL));
    DELETE FROM wflog_run_users WHERE tenant_id = OLD.tenant_id AND app_id = OLD.app_id AND finished IN (0, 1)
        AND day = @date(OLD.created_at) AND triggered_from = OLD.triggered_from AND created_by = OLD.created_by
        AND am = 0 AND pm = 0;
    -- (After an UPDATE, where the row's new values go through this too, the
    -- bit is set where a version is.)
    INSERT INTO wflog_run_users (tenant_id, app_id, finished, day, triggered_from, created_by, am, pm)
    SELECT OLD.tenant_id, OLD.app_id, k.column1, @date(OLD.created_at), OLD.triggered_from, OLD.created_by, @am(OLD.created_at), @pm(OLD.created_at)
    FROM (VALUES (0), (1)) k
    WHERE EXISTS (SELECT 1 FROM workflow_runs r
            WHERE r.tenant_id = OLD.tenant_id AND r.app_id = OLD.app_id
                AND r.created_at >= @bucket(OLD.created_at) AND r.created_at < @next(OLD.created_at)
                AND r.triggered_from = OLD.triggered_from AND r.created_by = OLD.created_by
                AND (k.column1 = 0 OR r.finished_at IS NOT NULL))
    ORDER BY 1
    ON CONFLICT (tenant_id, app_id, finished, day, triggered_from, created_by) DO UPDATE
        SET am = am | excluded.am, pm = pm | excluded.pm
        WHERE (am | excluded.am) <> am OR (pm | excluded.pm) <> pm;
END;

-- A row changed in place (wflog never does; another writer might): Install
-- adds wflog_run_stats_update, whose body is the delete trigger's run for
-- the row's old values and then for its new ones.
