package logstoretest

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Index is a logstore's field index as SLS's CreateIndex API and console
// take it (only the parts that decide what SQL sees are read): each key's
// type and whether analytics (doc_value) is on, and the maximum text length
// analytics reads. [DOC] https://www.alibabacloud.com/help/en/sls/api-createindex
type Index struct {
	Keys       map[string]IndexKey `json:"keys"`
	MaxTextLen int                 `json:"max_text_len,omitempty"`
}

// IndexKey is one field's index.
type IndexKey struct {
	Type     string `json:"type"` // text, long, double (json is not emulated)
	DocValue bool   `json:"doc_value"`
}

// DefaultMaxTextLen is how many bytes of a text field SLS analytics reads
// when an index does not say otherwise ([DOC] data types: 2 KB by default,
// at most 16 KB).
const DefaultMaxTextLen = 2048

// MaxMaxTextLen is the largest max_text_len SLS accepts.
const MaxMaxTextLen = 16384

// wflogIndexJSON is wflog's index for its two logstores, what `wflog
// logstore-index --json` prints. wflog's own tests check the two agree.
const wflogIndexJSON = `{
 "workflow_runs": {"max_text_len": 16384, "keys": {
  "id": {"type": "text", "doc_value": true}, "version": {"type": "long", "doc_value": true},
  "tenant_id": {"type": "text", "doc_value": true}, "app_id": {"type": "text", "doc_value": true},
  "workflow_id": {"type": "text", "doc_value": true}, "type": {"type": "text", "doc_value": true},
  "triggered_from": {"type": "text", "doc_value": true}, "workflow_version": {"type": "text", "doc_value": true},
  "graph": {"type": "text", "doc_value": true}, "inputs": {"type": "text", "doc_value": true},
  "outputs": {"type": "text", "doc_value": true}, "status": {"type": "text", "doc_value": true},
  "error": {"type": "text", "doc_value": true}, "elapsed_time": {"type": "double", "doc_value": true},
  "total_tokens": {"type": "long", "doc_value": true}, "total_steps": {"type": "long", "doc_value": true},
  "exceptions_count": {"type": "long", "doc_value": true}, "created_by_role": {"type": "text", "doc_value": true},
  "created_by": {"type": "text", "doc_value": true}, "created_at": {"type": "text", "doc_value": true},
  "finished_at": {"type": "text", "doc_value": true}}},
 "workflow_node_executions": {"max_text_len": 16384, "keys": {
  "id": {"type": "text", "doc_value": true}, "version": {"type": "long", "doc_value": true},
  "tenant_id": {"type": "text", "doc_value": true}, "app_id": {"type": "text", "doc_value": true},
  "workflow_id": {"type": "text", "doc_value": true}, "triggered_from": {"type": "text", "doc_value": true},
  "workflow_run_id": {"type": "text", "doc_value": true}, "index": {"type": "long", "doc_value": true},
  "predecessor_node_id": {"type": "text", "doc_value": true}, "node_execution_id": {"type": "text", "doc_value": true},
  "node_id": {"type": "text", "doc_value": true}, "node_type": {"type": "text", "doc_value": true},
  "title": {"type": "text", "doc_value": true}, "inputs": {"type": "text", "doc_value": true},
  "process_data": {"type": "text", "doc_value": true}, "outputs": {"type": "text", "doc_value": true},
  "execution_metadata": {"type": "text", "doc_value": true}, "status": {"type": "text", "doc_value": true},
  "error": {"type": "text", "doc_value": true}, "elapsed_time": {"type": "double", "doc_value": true},
  "created_by_role": {"type": "text", "doc_value": true}, "created_by": {"type": "text", "doc_value": true},
  "created_at": {"type": "text", "doc_value": true}, "finished_at": {"type": "text", "doc_value": true}}}
}`

// DefaultIndexes returns the index configuration the emulator uses when
// Config.Indexes is nil: wflog's, for workflow_runs and
// workflow_node_executions.
func DefaultIndexes() map[string]Index {
	m, err := ParseIndexes([]byte(wflogIndexJSON))
	if err != nil {
		panic(err)
	}
	return m
}

// ParseIndexes reads an index configuration: a JSON object from logstore
// name to that logstore's index (the body SLS's CreateIndex takes), as
// `wflog logstore-index --json` prints it.
func ParseIndexes(data []byte) (map[string]Index, error) {
	var m map[string]Index
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("logstoretest: index configuration: %w (want {\"logstore\": {\"keys\": {\"field\": {\"type\": \"long\", \"doc_value\": true}}}})", err)
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ix := m[n]
		if ix.MaxTextLen != 0 && (ix.MaxTextLen < 64 || ix.MaxTextLen > MaxMaxTextLen) {
			return nil, fmt.Errorf("logstoretest: index of %s: max_text_len %d is outside 64–%d", n, ix.MaxTextLen, MaxMaxTextLen)
		}
		for k, key := range ix.Keys {
			switch key.Type {
			case "text", "long", "double":
			default:
				return nil, fmt.Errorf("logstoretest: index of %s: field %s has type %q; the emulator knows text, long and double", n, k, key.Type)
			}
		}
		if n != strings.ToLower(n) {
			delete(m, n)
			m[strings.ToLower(n)] = ix
		}
	}
	return m, nil
}

// ReadIndexes reads an index configuration file (see ParseIndexes).
func ReadIndexes(path string) (map[string]Index, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("logstoretest: %w", err)
	}
	return ParseIndexes(data)
}

// viewColumn returns the view's expression for column c of a logstore
// stored as text, typed as ix says: long and double fields are cast (text
// that is not a number reads as NULL, as SLS reads it), text is cut to the
// maximum text length, a field without analytics reads as NULL, and a field
// that is not indexed is not in the view at all (ok false), so SQL naming it
// fails. fn prefixes the schema's cast functions. Without an index for the logstore (ix nil), the declared type
// decides, with analytics on and no length limit.
func viewColumn(fn string, c columnDef, ix *Index) (expr string, ok bool) {
	q := quoteIdent(c.name)
	typ := declaredIndexType(c.def)
	maxLen := 0
	if ix != nil {
		key, found := ix.Keys[c.name]
		if !found {
			return "", false
		}
		typ = key.Type
		maxLen = ix.MaxTextLen
		if maxLen == 0 {
			maxLen = DefaultMaxTextLen
		}
		if !key.DocValue {
			return "NULL::" + sqlType(typ) + " AS " + q, true
		}
	}
	switch typ {
	case "long":
		return fn + "long(" + q + ") AS " + q, true
	case "double":
		return fn + "double(" + q + ") AS " + q, true
	}
	if maxLen > 0 {
		return "left(" + q + ", " + fmt.Sprint(maxLen) + ") AS " + q, true
	}
	return q, true
}

// declaredIndexType maps a CREATE TABLE type to the index type SLS would
// give it: integers long, floating point double, everything else text.
func declaredIndexType(def string) string {
	t := strings.ToLower(strings.TrimSpace(def))
	if i := strings.IndexAny(t, " ("); i >= 0 {
		t = t[:i]
	}
	switch t {
	case "bigint", "int", "int2", "int4", "int8", "integer", "smallint":
		return "long"
	case "double", "float", "float4", "float8", "real", "numeric", "decimal":
		return "double"
	}
	return "text"
}

func sqlType(indexType string) string {
	switch indexType {
	case "long":
		return "bigint"
	case "double":
		return "double precision"
	}
	return "text"
}
