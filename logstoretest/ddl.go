package logstoretest

import (
	"strconv"
	"strings"
)

// How a logstore is stored in the backing schema: CREATE TABLE t (…) becomes
//
//   - a table t__rows holding the user's columns plus __time__ (UNIX seconds,
//     LogStore's log time) and __receive_ms__ (receive time in milliseconds,
//     for Config.VisibilityDelay);
//   - a BEFORE INSERT trigger that stamps both from session settings the
//     server sets before every statement (so Config.Now is the clock);
//   - an auto-updatable view t exposing the user's columns plus __time__ and
//     hiding rows outside the time window or younger than the visibility
//     delay, again according to session settings.
//
// Clients only ever name the view, so SELECT * shows __time__ but not the
// bookkeeping column, and INSERT INTO t goes through the view to the table.
// A direct PostgreSQL session (a test inspecting Server.Schema) has no such
// settings and sees every row through the view.
const (
	rowsSuffix        = "__rows"
	timeColumn        = "__time__"
	receiveColumn     = "__receive_ms__"
	stampFunction     = "__logstore_stamp"
	settingNowSeconds = "logstore.now_s"
	settingNowMillis  = "logstore.now_ms"
	settingWindow     = "logstore.window_start"
	settingVisible    = "logstore.visible_before_ms"
	castPrefix        = "__logstore_"
)

// schemaSQL returns the statements that create the backing schema with the
// trigger function and LogStore's date functions ([DOC] date functions).
func schemaSQL(schema string) string {
	s := quoteIdent(schema)
	return strings.NewReplacer("@s", s).Replace(`
CREATE SCHEMA @s;

CREATE FUNCTION @s.` + stampFunction + `() RETURNS trigger LANGUAGE plpgsql AS $logstore$
DECLARE
	now_s  text := current_setting('` + settingNowSeconds + `', true);
	now_ms text := current_setting('` + settingNowMillis + `', true);
BEGIN
	IF TG_NARGS > 0 AND TG_ARGV[0] = 'text' THEN
		-- RuleTextStorage: a log field is a key and a string; NULL is kept as ''.
		NEW := jsonb_populate_record(NEW, (
			SELECT COALESCE(jsonb_object_agg(key, ''), '{}'::jsonb)
			FROM jsonb_each(to_jsonb(NEW))
			WHERE value = 'null'::jsonb AND key NOT IN ('__time__', '__receive_ms__')));
	END IF;
	IF now_s IS NOT NULL AND now_s <> '' THEN
		-- Written through the emulator: the receive time is the server's clock.
		NEW.__time__ := now_s::bigint;
		NEW.__receive_ms__ := now_ms::bigint;
	ELSE
		-- Written by a direct PostgreSQL session, such as a test seeding old rows.
		IF NEW.__time__ IS NULL THEN
			NEW.__time__ := floor(extract(epoch FROM clock_timestamp()))::bigint;
		END IF;
		IF NEW.__receive_ms__ IS NULL THEN
			NEW.__receive_ms__ := NEW.__time__ * 1000;
		END IF;
	END IF;
	RETURN NEW;
END
$logstore$;

-- How analytics reads a text field indexed long or double: text that is not
-- a number of that type is NULL (RuleTextStorage).
CREATE FUNCTION @s.` + castPrefix + `long(text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $logstore$
	SELECT CASE WHEN $1 ~ '^\s*[-+]?[0-9]{1,19}\s*$' THEN
		CASE WHEN btrim($1)::numeric BETWEEN -9223372036854775808 AND 9223372036854775807 THEN btrim($1)::bigint END
	END
$logstore$;

CREATE FUNCTION @s.` + castPrefix + `double(text) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT AS $logstore$
	SELECT CASE WHEN $1 ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,2})?\s*$' THEN btrim($1)::double precision END
$logstore$;

-- Presto's typeof: the SQL type of an expression, by Presto's names.
CREATE FUNCTION @s.typeof(anyelement) RETURNS text
LANGUAGE sql IMMUTABLE AS $logstore$
	SELECT CASE pg_typeof($1)
		WHEN 'bigint'::regtype THEN 'bigint'
		WHEN 'integer'::regtype THEN 'integer'
		WHEN 'double precision'::regtype THEN 'double'
		WHEN 'text'::regtype THEN 'varchar'
		WHEN 'boolean'::regtype THEN 'boolean'
		ELSE pg_typeof($1)::text
	END
$logstore$;

CREATE FUNCTION @s.from_iso8601_timestamp(text) RETURNS timestamptz
LANGUAGE sql STABLE STRICT AS $logstore$ SELECT $1::timestamptz $logstore$;

CREATE FUNCTION @s.to_unixtime(timestamptz) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT AS $logstore$ SELECT extract(epoch FROM $1)::double precision $logstore$;

CREATE FUNCTION @s.from_unixtime(double precision) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT AS $logstore$ SELECT to_timestamp($1) AT TIME ZONE 'UTC' $logstore$;

-- A zone is an IANA name or an offset such as +08:00. PostgreSQL reads a bare
-- offset string with the POSIX sign, so an offset goes through interval,
-- which uses the ISO sign like LogStore.
CREATE FUNCTION @s.from_unixtime(double precision, text) RETURNS timestamp
LANGUAGE sql STABLE STRICT AS $logstore$
	SELECT CASE WHEN $2 ~ '^[+-][0-9]{2}:[0-9]{2}$'
		THEN to_timestamp($1) AT TIME ZONE $2::interval
		ELSE to_timestamp($1) AT TIME ZONE $2
	END
$logstore$;

-- MySQL-style format specifiers, as LogStore's date_format takes them.
CREATE FUNCTION @s.date_format(ts timestamp, fmt text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $logstore$
DECLARE
	result text := '';
	i int := 1;
	n int := length(fmt);
	c text;
BEGIN
	WHILE i <= n LOOP
		c := substr(fmt, i, 1);
		IF c = '%' AND i < n THEN
			i := i + 1;
			c := substr(fmt, i, 1);
			result := result || CASE c
				WHEN 'Y' THEN to_char(ts, 'YYYY')
				WHEN 'y' THEN to_char(ts, 'YY')
				WHEN 'm' THEN to_char(ts, 'MM')
				WHEN 'c' THEN to_char(ts, 'FMMM')
				WHEN 'd' THEN to_char(ts, 'DD')
				WHEN 'e' THEN to_char(ts, 'FMDD')
				WHEN 'H' THEN to_char(ts, 'HH24')
				WHEN 'k' THEN to_char(ts, 'FMHH24')
				WHEN 'h' THEN to_char(ts, 'HH12')
				WHEN 'I' THEN to_char(ts, 'HH12')
				WHEN 'l' THEN to_char(ts, 'FMHH12')
				WHEN 'i' THEN to_char(ts, 'MI')
				WHEN 's' THEN to_char(ts, 'SS')
				WHEN 'S' THEN to_char(ts, 'SS')
				WHEN 'f' THEN to_char(ts, 'US')
				WHEN 'p' THEN to_char(ts, 'AM')
				WHEN 'T' THEN to_char(ts, 'HH24:MI:SS')
				WHEN 'r' THEN to_char(ts, 'HH12:MI:SS AM')
				WHEN 'M' THEN to_char(ts, 'FMMonth')
				WHEN 'b' THEN to_char(ts, 'Mon')
				WHEN 'W' THEN to_char(ts, 'FMDay')
				WHEN 'a' THEN to_char(ts, 'Dy')
				WHEN 'j' THEN to_char(ts, 'DDD')
				WHEN 'D' THEN to_char(ts, 'FMDDth')
				WHEN 'w' THEN extract(dow FROM ts)::int::text
				ELSE c
			END;
		ELSE
			result := result || c;
		END IF;
		i := i + 1;
	END LOOP;
	RETURN result;
END
$logstore$;

CREATE FUNCTION @s.date_format(timestamptz, text) RETURNS text
LANGUAGE sql STABLE STRICT AS $logstore$
	SELECT @s.date_format($1 AT TIME ZONE current_setting('TimeZone'), $2)
$logstore$;
`)
}

// createTableSQL returns the statements that create the logstore td in
// schema, to be sent as one Query message so they commit together. With
// text storage (RuleTextStorage), every column of the rows table is text,
// NULL is stored as the empty string, and the view types each field as ix, the logstore's
// index, says (see viewColumn); INSERT then goes to the rows table (see
// insertTarget). Otherwise the columns have their declared types and the view
// passes them through.
func createTableSQL(schema string, td *tableDef, text bool, ix *Index) string {
	s := quoteIdent(schema) + "."
	rows := s + quoteIdent(td.name+rowsSuffix)
	var b strings.Builder
	b.WriteString("CREATE TABLE " + rows + " (")
	viewCols := make([]string, 0, len(td.columns)+1)
	for _, c := range td.columns {
		if text {
			b.WriteString(quoteIdent(c.name) + " text, ")
			if expr, ok := viewColumn(s+castPrefix, c, ix); ok {
				viewCols = append(viewCols, expr)
			}
			continue
		}
		b.WriteString(quoteIdent(c.name) + " " + c.def + ", ")
		viewCols = append(viewCols, quoteIdent(c.name))
	}
	b.WriteString(timeColumn + " bigint, " + receiveColumn + " bigint")
	for _, c := range td.constraints {
		b.WriteString(", " + c)
	}
	b.WriteString(");\n")
	arg := ""
	if text {
		arg = "'text'"
	}
	b.WriteString("CREATE TRIGGER " + stampFunction + " BEFORE INSERT ON " + rows +
		" FOR EACH ROW EXECUTE FUNCTION " + s + stampFunction + "(" + arg + ");\n")
	viewCols = append(viewCols, timeColumn)
	b.WriteString("CREATE VIEW " + s + quoteIdent(td.name) + " AS SELECT " + strings.Join(viewCols, ", ") +
		" FROM " + rows +
		" WHERE " + timeColumn + " >= COALESCE(NULLIF(current_setting('" + settingWindow + "', true), '')::bigint, '-9223372036854775808'::bigint)" +
		" AND " + receiveColumn + " <= COALESCE(NULLIF(current_setting('" + settingVisible + "', true), '')::bigint, '9223372036854775807'::bigint)")
	return b.String()
}

// tableExistsSQL returns a query answering whether the logstore named name
// already exists in schema.
func tableExistsSQL(schema, name string) string {
	return "SELECT to_regclass(" + quoteLiteral(quoteIdent(schema)+"."+quoteIdent(name)) + ") IS NOT NULL"
}

// settingsSQL returns the statement that sets the session settings the
// trigger and the views read, for one statement received at nowMillis.
// windowStart and visibleBefore are math.MinInt64 and math.MaxInt64 when
// their rule does not apply.
func settingsSQL(nowSeconds, nowMillis, windowStart, visibleBefore int64) string {
	set := func(name string, v int64) string {
		return "set_config('" + name + "', '" + strconv.FormatInt(v, 10) + "', false)"
	}
	return "SELECT " + set(settingNowSeconds, nowSeconds) + ", " + set(settingNowMillis, nowMillis) + ", " +
		set(settingWindow, windowStart) + ", " + set(settingVisible, visibleBefore)
}
