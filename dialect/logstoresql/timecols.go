package logstoresql

import (
	"context"
	"fmt"
	"time"
)

type timeColumnsKey struct{}

// WithTimeColumns tells the LogStore adapter that the named result columns of
// queries made with ctx hold times, so that their ISO-8601 text is returned
// as time.Time. GORM queries on a model get this automatically for the
// model's time fields; raw queries that scan LogStore timestamps into
// time.Time need it (db.WithContext(dialect.WithTimeColumns(ctx, "last_at"))).
//
// An empty text in a time column reads as NULL, so a *time.Time scans nil.
func WithTimeColumns(ctx context.Context, names ...string) context.Context {
	return withMark(ctx, markTime, names)
}

// WithEmptyAsNull tells the LogStore adapter that the empty string in the named result
// columns of queries made with ctx means NULL. LogStore stores strings, and
// an INSERT's nil is written as the empty string (see Wrap), so nullable fields (*string,
// *uuid.UUID, …) need it to read back nil; GORM queries on a model get it
// for the model's pointer and sql.Null* fields. The price: on LogStore a
// nullable string cannot hold "" as distinct from nil.
func WithEmptyAsNull(ctx context.Context, names ...string) context.Context {
	return withMark(ctx, markEmptyAsNull, names)
}

type columnMark uint8

const (
	markTime columnMark = 1 << iota
	markEmptyAsNull
)

func withMark(ctx context.Context, m columnMark, names []string) context.Context {
	prev, _ := ctx.Value(timeColumnsKey{}).(map[string]columnMark)
	cols := make(map[string]columnMark, len(prev)+len(names))
	for k, v := range prev {
		cols[k] = v
	}
	for _, n := range names {
		cols[n] |= m
	}
	return context.WithValue(ctx, timeColumnsKey{}, cols)
}

func columnsFrom(ctx context.Context) map[string]columnMark {
	cols, _ := ctx.Value(timeColumnsKey{}).(map[string]columnMark)
	return cols
}

// timeLayouts are the forms a timestamp may come back in as text: ours first,
// then RFC 3339 and PostgreSQL's own output.
var timeLayouts = []string{
	TimeLayout,
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999",
}

// ParseTime reads a timestamp written as text by LogStore or PostgreSQL.
// Text without a zone is UTC, the zone wflog writes in.
func ParseTime(text string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a timestamp (want ISO-8601, e.g. %s)", prefix(text, 40), TimeLayout)
}

type autoLimitKey struct{}

// WithAutoLimit tells the LogStore adapter that a query made with ctx that
// has no LIMIT of its own should get LogStore's largest, LIMIT 1000000, at
// its end: without a LIMIT LogStore silently returns 100 rows, and a LIMIT
// in a subquery is not allowed, so only the outermost statement may carry
// it. GORM queries get this from package dialect.
func WithAutoLimit(ctx context.Context) context.Context {
	return context.WithValue(ctx, autoLimitKey{}, true)
}

func autoLimitFrom(ctx context.Context) bool {
	on, _ := ctx.Value(autoLimitKey{}).(bool)
	return on
}
