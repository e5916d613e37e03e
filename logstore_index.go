package wflog

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
)

// LogStoreIndex is the field index one logstore needs, in the form SLS's
// CreateIndex API and the console's JSON editor take
// (https://www.alibabacloud.com/help/en/sls/api-createindex). Field types
// decide whether wflog's SQL works at all: a version indexed as text sorts
// "9…" after "10…", and a field without analytics (doc_value) reads as
// NULL in SQL, so versions would rank arbitrarily.
type LogStoreIndex struct {
	Keys map[string]LogStoreIndexKey `json:"keys"`
	// MaxTextLen is how many bytes of a text field analytics reads; the
	// default, 2048, would cut JSON fields (graph, inputs, outputs). 16384
	// is SLS's largest: longer values still come back cut.
	MaxTextLen int  `json:"max_text_len"`
	LogReduce  bool `json:"log_reduce"`
}

// LogStoreIndexKey is one field's index.
type LogStoreIndexKey struct {
	Type          string   `json:"type"` // text, long or double
	DocValue      bool     `json:"doc_value"`
	CaseSensitive bool     `json:"caseSensitive"`
	Chn           bool     `json:"chn"`
	Token         []string `json:"token,omitempty"` // text only
}

// logStoreTokens are the console's default delimiters for a text field.
var logStoreTokens = []string{",", " ", "'", "\"", ";", "=", "(", ")", "[", "]", "{", "}", "?", "@", "&", "<", ">", "/", ":", "\n", "\t", "\r"}

// LogStoreMaxTextLen is the max_text_len wflog's logstores need.
const LogStoreMaxTextLen = 16384

// LogStoreIndexes returns the field index each of wflog's logstores needs,
// by logstore name, derived from the models: integer fields long, floating
// point fields double, everything else (uuids, times, strings, JSON) text,
// every one with analytics on. `wflog logstore-index` prints it.
func LogStoreIndexes() map[string]LogStoreIndex {
	out := make(map[string]LogStoreIndex, 2)
	for _, m := range []any{&models.WorkflowRun{}, &models.WorkflowNodeExecution{}} {
		s, err := schema.Parse(m, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			panic(fmt.Sprintf("wflog: parsing %T: %v", m, err)) // the models are ours: a bug
		}
		ix := LogStoreIndex{Keys: make(map[string]LogStoreIndexKey, len(s.DBNames)), MaxTextLen: LogStoreMaxTextLen}
		for _, f := range s.Fields {
			if f.DBName == "" {
				continue
			}
			key := LogStoreIndexKey{Type: indexType(f.IndirectFieldType), DocValue: true}
			if key.Type == "text" {
				key.Token = logStoreTokens
			}
			ix.Keys[f.DBName] = key
		}
		out[s.Table] = ix
	}
	return out
}

func indexType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "long"
	case reflect.Float32, reflect.Float64:
		return "double"
	}
	return "text"
}

// sqlTypeOf is what Presto's typeof says of a field of each index type.
var sqlTypeOf = map[string]string{"long": "bigint", "double": "double", "text": "varchar"}

// LogStoreCheck is what CheckLogStore found on one logstore.
type LogStoreCheck struct {
	Logstore string
	Rows     int64    // rows the probe saw (all of time)
	Problems []string // each says what is wrong and how to fix it
	Notes    []string // what SQL cannot verify
}

// ErrLogStoreIndex is wrapped by CheckLogStore's (and Migrate's) error when a
// logstore's field index is not what wflog needs.
var ErrLogStoreIndex = errors.New("logstore field index is not what wflog needs")

// ErrLogStoreIndexUnverified is wrapped by Migrate's error on LogStore when
// the logstores are ready to use but one or more is empty, so analytics
// (doc_value) could not be verified for its fields: a field without it
// reads NULL only in rows, and a probe row cannot be written and taken
// back, since LogStore deletes nothing. Field types were checked. Treat it
// as success with a warning, and run CheckLogStore (`wflog check`) once
// the logstores hold rows:
//
//	if err := wflog.Migrate(ctx, db); err != nil && !errors.Is(err, wflog.ErrLogStoreIndexUnverified) {
//		return err
//	}
var ErrLogStoreIndexUnverified = errors.New("logstore field index not verified")

// unverified returns an error wrapping ErrLogStoreIndexUnverified naming
// the empty logstores of checks, or nil when every one has rows.
func unverified(checks []LogStoreCheck) error {
	var empty []string
	for _, c := range checks {
		if c.Rows == 0 {
			empty = append(empty, c.Logstore)
		}
	}
	if len(empty) == 0 {
		return nil
	}
	return fmt.Errorf("wflog: %w: %s %s empty, so whether analytics (doc_value) is on for every field shows only once rows arrive (field types were checked); run `wflog check` (CheckLogStore) after the first writes",
		ErrLogStoreIndexUnverified, strings.Join(empty, " and "), map[bool]string{true: "is", false: "are"}[len(empty) == 1])
}

// CheckLogStore probes wflog's logstores on db, a LogStore database, for
// the field index wflog needs (see LogStoreIndexes): one query per logstore,
//
//	SELECT typeof(max("version")) …, count(*), count("version") …
//	FROM "workflow_runs" WHERE __time__ > 0 LIMIT 1
//
// A field whose type is not the one wflog needs, a field that SQL cannot
// name (not indexed), and a field that reads NULL in every row of a
// logstore that has rows (analytics off) are problems; the error then wraps
// ErrLogStoreIndex and lists each with its fix. What SQL cannot see — the
// maximum text length — is a note. On an empty logstore, analytics is
// verified only as far as SLS refuses SQL over fields without it.
func CheckLogStore(ctx context.Context, db *gorm.DB) ([]LogStoreCheck, error) {
	if !dialect.Of(db).Has(dialect.FieldIndexes) {
		return nil, fmt.Errorf("wflog: CheckLogStore checks LogStore field indexes; this database is %s", dialect.Of(db).Backend())
	}
	want := LogStoreIndexes()
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	var checks []LogStoreCheck
	var problems []string
	for _, name := range names {
		c := checkLogstore(ctx, db, name, want[name])
		checks = append(checks, c)
		for _, p := range c.Problems {
			problems = append(problems, name+": "+p)
		}
	}
	if len(problems) > 0 {
		return checks, fmt.Errorf("%w:\n  %s", ErrLogStoreIndex, strings.Join(problems, "\n  "))
	}
	return checks, nil
}

func checkLogstore(ctx context.Context, db *gorm.DB, name string, ix LogStoreIndex) LogStoreCheck {
	c := LogStoreCheck{Logstore: name}
	fields := make([]string, 0, len(ix.Keys))
	for f := range ix.Keys {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var sel []string
	for i, f := range fields {
		q := `"` + f + `"`
		sel = append(sel, fmt.Sprintf(`typeof(max(%s)) AS t%d, count(%s) AS n%d`, q, i, q, i))
	}
	sql := fmt.Sprintf(`SELECT count(*) AS wflog_rows, %s FROM "%s" WHERE __time__ > 0 LIMIT 1`, strings.Join(sel, ", "), name)
	rows, err := db.WithContext(ctx).Raw(sql).Rows()
	if err != nil {
		c.Problems = append(c.Problems, fmt.Sprintf("the probe failed (%v). Does the logstore exist, and does every field of `wflog logstore-index` have a field index with analytics on?", err))
		return c
	}
	defer rows.Close()
	vals := make([]any, 1+2*len(fields))
	out := make([]string, len(vals))
	for i := range vals {
		vals[i] = &out[i]
	}
	if !rows.Next() {
		err := rows.Err()
		if err == nil {
			err = errors.New("no row")
		}
		c.Problems = append(c.Problems, fmt.Sprintf("the probe returned nothing (%v)", err))
		return c
	}
	if err := rows.Scan(vals...); err != nil {
		c.Problems = append(c.Problems, fmt.Sprintf("reading the probe: %v", err))
		return c
	}
	fmt.Sscan(out[0], &c.Rows)
	for i, f := range fields {
		key := ix.Keys[f]
		got, n := out[1+2*i], out[2+2*i]
		if wantType := sqlTypeOf[key.Type]; got != wantType {
			c.Problems = append(c.Problems, fmt.Sprintf("field %s reads as %s, want %s: index it as %s with analytics on (existing logs keep their old index until reindexed)", f, got, wantType, key.Type))
			continue
		}
		if c.Rows > 0 && n == "0" {
			c.Problems = append(c.Problems, fmt.Sprintf("field %s reads NULL in all %d rows: turn analytics (doc_value) on for it, as `wflog logstore-index` shows", f, c.Rows))
		}
	}
	c.Notes = append(c.Notes, fmt.Sprintf("max_text_len cannot be read through SQL: check it is %d in the index (JSON fields longer than it come back cut)", ix.MaxTextLen))
	if c.Rows == 0 {
		c.Notes = append(c.Notes, "the logstore is empty: a field with analytics off is caught once it has rows")
	}
	return c
}
