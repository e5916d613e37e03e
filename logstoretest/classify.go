package logstoretest

import (
	"fmt"
	"strconv"
	"strings"
)

// LogStore's paging bounds ([DOC] LIMIT clause).
const (
	maxLimitCount     = 1_000_000 // LIMIT n
	maxPageCount      = 10_000    // count in LIMIT offset, count
	maxPageEnd        = 1_000_000 // offset + count in LIMIT offset, count
	maxTableNameBytes = 63 - len(rowsSuffix)
)

// stmtKind says how the server runs a classified statement.
type stmtKind uint8

const (
	stmtForward     stmtKind = iota + 1 // send sql to PostgreSQL and relay the result
	stmtTxIgnored                       // answer with tag; PostgreSQL never sees it
	stmtCreateTable                     // create the logstore described by table
)

// statement is one statement of a Query message after classification: what
// to run and under which rules.
type statement struct {
	kind     stmtKind
	sql      string    // stmtForward: the text to send, with LIMIT offset, count rewritten
	tag      string    // stmtTxIgnored: the command tag to answer with
	capRows  bool      // a top-level SELECT without LIMIT: RuleRowCap applies
	windowed bool      // the text never mentions __time__: RuleTimeWindow applies
	table    *tableDef // stmtCreateTable
}

// tableDef is a parsed CREATE TABLE.
type tableDef struct {
	name        string // the logstore name, case-folded like PostgreSQL does
	ifNotExists bool
	columns     []columnDef
	constraints []string // table constraints as written; only when RuleNoConstraints is relaxed
}

// columnDef is one column of a CREATE TABLE.
type columnDef struct {
	name string // case-folded
	def  string // type and, when RuleNoConstraints is relaxed, column constraints, as written
}

// classify splits the text of one Query message into statements and decides,
// for each, whether and how it runs under the rules in enforce. It never
// panics. It refuses the whole message if any statement breaks a rule, so
// nothing runs from a message it refuses. An empty result means the message
// held no statement (EmptyQueryResponse).
func classify(sql string, enforce Rule) ([]statement, error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, &ruleError{code: codeSyntaxError, msg: "logstore: cannot parse the statement: " + err.Error()}
	}
	var parts [][]token
	begin := 0
	for i, t := range toks {
		if t.isPunct(';') {
			if i > begin {
				parts = append(parts, toks[begin:i])
			}
			begin = i + 1
		}
	}
	if begin < len(toks) {
		parts = append(parts, toks[begin:])
	}
	if len(parts) > 1 && enforce&RuleSingleStatement != 0 {
		return nil, refuse(RuleSingleStatement, codeFeatureNotSupported,
			"logstore: one Query message holds %d statements; LogStore runs one statement per query, so send them one at a time", len(parts))
	}
	stmts := make([]statement, 0, len(parts))
	for _, p := range parts {
		st, err := classifyStatement(sql, p, enforce)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, st)
	}
	return stmts, nil
}

// classifyStatement classifies one statement, whose tokens toks (never empty,
// no ';') index into src.
func classifyStatement(src string, toks []token, enforce Rule) (statement, error) {
	if err := checkParens(toks); err != nil {
		return statement{}, err
	}
	text := src[toks[0].start:toks[len(toks)-1].end]
	if tag := txTag(toks); tag != "" {
		if enforce&RuleIgnoreTransactions != 0 {
			return statement{kind: stmtTxIgnored, tag: tag}, nil
		}
		return statement{kind: stmtForward, sql: text}, nil
	}
	first := toks[0]
	switch {
	case first.is("select") || first.is("with"):
		return classifyQuery(src, toks, enforce)
	case first.is("insert"):
		return classifyInsert(src, toks, enforce)
	case first.is("create") && len(toks) > 1 && toks[1].is("table"):
		return classifyCreate(src, toks, enforce)
	}
	if enforce&RuleInsertOnly != 0 {
		return statement{}, refuseStatement(src, toks)
	}
	return statement{kind: stmtForward, sql: renameRelations(src, toks), windowed: windowed(toks, enforce)}, nil
}

// checkParens refuses text whose parentheses do not balance: every other
// check relies on knowing what is inside a subquery.
func checkParens(toks []token) error {
	depth := 0
	for _, t := range toks {
		switch {
		case t.isPunct('('):
			depth++
		case t.isPunct(')'):
			depth--
			if depth < 0 {
				return &ruleError{code: codeSyntaxError, msg: fmt.Sprintf("logstore: cannot parse the statement: unbalanced ')' at byte %d", t.start)}
			}
		}
	}
	if depth != 0 {
		return &ruleError{code: codeSyntaxError, msg: "logstore: cannot parse the statement: unbalanced '('"}
	}
	return nil
}

// depths returns the parenthesis depth of every token: a '(' and its ')' are
// at the depth outside them.
func depths(toks []token) []int {
	d := make([]int, len(toks))
	depth := 0
	for i, t := range toks {
		if t.isPunct(')') {
			depth--
		}
		d[i] = depth
		if t.isPunct('(') {
			depth++
		}
	}
	return d
}

// txTag returns the command tag for a transaction-control statement LogStore
// accepts and ignores, or "" if toks is not one. ROLLBACK TO SAVEPOINT and
// two-phase commit are not among them.
func txTag(toks []token) string {
	for _, t := range toks[1:] {
		if t.is("to") || t.is("prepared") {
			return ""
		}
	}
	switch first := toks[0]; {
	case first.is("begin"):
		return "BEGIN"
	case first.is("start") && len(toks) > 1 && toks[1].is("transaction"):
		return "START TRANSACTION"
	case first.is("commit") || first.is("end"):
		return "COMMIT"
	case first.is("rollback") || first.is("abort"):
		return "ROLLBACK"
	}
	return ""
}

// refuseStatement builds RuleInsertOnly's error for a statement that is not
// SELECT, INSERT or CREATE TABLE.
func refuseStatement(src string, toks []token) error {
	first := toks[0]
	if first.kind != tokWord {
		shown := src[first.start:first.end]
		if len(shown) > 20 {
			shown = shown[:20] + "…"
		}
		return refuse(RuleInsertOnly, codeFeatureNotSupported,
			"logstore: a statement starting with %q is not supported; LogStore accepts only SELECT, INSERT and CREATE TABLE", shown)
	}
	verb := strings.ToUpper(first.norm)
	switch verb {
	case "UPDATE", "MERGE":
		return refuse(RuleInsertOnly, codeFeatureNotSupported,
			"logstore: %s is not supported; LogStore is append-only, so INSERT a new version of the row and read the latest with ROW_NUMBER() OVER (PARTITION BY id ORDER BY version DESC)", verb)
	case "DELETE", "TRUNCATE":
		return refuse(RuleInsertOnly, codeFeatureNotSupported,
			"logstore: %s is not supported; LogStore is append-only and rows expire by the logstore's TTL", verb)
	case "CREATE", "ALTER", "DROP", "COMMENT":
		if len(toks) > 1 && toks[1].kind == tokWord {
			verb += " " + strings.ToUpper(toks[1].norm)
		}
	}
	return refuse(RuleInsertOnly, codeFeatureNotSupported,
		"logstore: %s is not supported; LogStore accepts only SELECT, INSERT and CREATE TABLE", verb)
}

// classifyQuery classifies a statement that starts with SELECT or WITH.
func classifyQuery(src string, toks []token, enforce Rule) (statement, error) {
	d := depths(toks)
	if enforce&RuleInsertOnly != 0 {
		if toks[0].is("with") {
			if main := withMainVerb(toks, d); !main.is("select") {
				verb := "nothing"
				if main.kind == tokWord {
					verb = strings.ToUpper(main.norm)
				}
				return statement{}, refuse(RuleInsertOnly, codeFeatureNotSupported,
					"logstore: WITH … %s is not supported; a WITH query must end in SELECT, and LogStore accepts only SELECT, INSERT and CREATE TABLE", verb)
			}
		}
		for i, t := range toks {
			if d[i] == 0 && t.is("into") {
				return statement{}, refuse(RuleInsertOnly, codeFeatureNotSupported,
					"logstore: SELECT … INTO is not supported; it creates a table, and LogStore accepts only SELECT, INSERT and CREATE TABLE")
			}
		}
	}
	if err := checkBody(toks, d, enforce); err != nil {
		return statement{}, err
	}
	sql, topLimit, err := rewriteLimits(src, toks, d, enforce)
	if err != nil {
		return statement{}, err
	}
	return statement{
		kind:     stmtForward,
		sql:      sql,
		capRows:  enforce&RuleRowCap != 0 && !topLimit,
		windowed: windowed(toks, enforce),
	}, nil
}

// withMainVerb returns the first top-level SELECT, INSERT, UPDATE, DELETE,
// MERGE, VALUES or TABLE keyword after WITH: the statement the CTEs feed.
// SELECT is reserved, so no CTE name can be mistaken for it.
func withMainVerb(toks []token, d []int) token {
	for i, t := range toks[1:] {
		if d[i+1] != 0 || t.kind != tokWord {
			continue
		}
		switch t.norm {
		case "select", "insert", "update", "delete", "merge", "values", "table":
			return t
		}
	}
	return token{}
}

// classifyInsert classifies a statement that starts with INSERT.
func classifyInsert(src string, toks []token, enforce Rule) (statement, error) {
	d := depths(toks)
	if enforce&RuleNoConstraints != 0 {
		for i, t := range toks {
			if d[i] != 0 {
				continue
			}
			if t.is("returning") {
				return statement{}, refuse(RuleNoConstraints, codeFeatureNotSupported,
					"logstore: INSERT … RETURNING is not supported; LogStore returns no rows from a write, so generate ids in the client")
			}
			if t.is("on") && i+1 < len(toks) && toks[i+1].is("conflict") {
				return statement{}, refuse(RuleNoConstraints, codeFeatureNotSupported,
					"logstore: INSERT … ON CONFLICT is not supported; LogStore has no keys to conflict on, so insert a new version and read the latest with ROW_NUMBER()")
			}
		}
	}
	if err := checkBody(toks, d, enforce); err != nil {
		return statement{}, err
	}
	var target []splice
	if enforce&RuleTextStorage != 0 {
		// The logstore's view types its fields for reading; a write stores
		// text, so it goes to the rows table underneath.
		if i, ok := insertTarget(toks); ok {
			target = append(target, splice{start: toks[i].start, end: toks[i].end, text: quoteIdent(toks[i].norm + rowsSuffix)})
		}
	}
	sql, _, err := rewriteLimits(src, toks, d, enforce, target...)
	if err != nil {
		return statement{}, err
	}
	return statement{kind: stmtForward, sql: sql, windowed: windowed(toks, enforce)}, nil
}

// insertTarget returns the index of the table name in INSERT INTO name, when
// the name is bare (a logstore lives directly in the project).
func insertTarget(toks []token) (int, bool) {
	if len(toks) < 4 || !toks[1].is("into") || !isName(toks[2]) || toks[3].isPunct('.') {
		return 0, false
	}
	return 2, true
}

// checkBody applies the rules that look inside a SELECT or INSERT: no
// data-modifying subqueries (RuleInsertOnly) and a FROM in every SELECT
// (RuleFromRequired).
func checkBody(toks []token, d []int, enforce Rule) error {
	if enforce&RuleInsertOnly != 0 {
		// set_config changes the session, as SET would: SLS has no such
		// function, and a client's literals rely on its settings.
		for i, t := range toks[:len(toks)-1] {
			if (t.kind == tokWord || t.kind == tokQuotedIdent) && t.norm == "set_config" && toks[i+1].isPunct('(') {
				return refuse(RuleInsertOnly, codeFeatureNotSupported,
					"logstore: set_config() is not supported; LogStore accepts only SELECT, INSERT and CREATE TABLE, and no statement changes session settings")
			}
		}
		for i, t := range toks[:len(toks)-1] {
			if !t.isPunct('(') {
				continue
			}
			switch next := toks[i+1]; next.norm {
			case "insert", "update", "delete", "merge":
				if next.kind == tokWord {
					return refuse(RuleInsertOnly, codeFeatureNotSupported,
						"logstore: %s inside a subquery or WITH is not supported; LogStore accepts only SELECT, INSERT and CREATE TABLE", strings.ToUpper(next.norm))
				}
			}
		}
	}
	if enforce&RuleInsertOnly != 0 {
		for i, t := range toks[:len(toks)-1] {
			if d[i] == 0 && t.is("for") {
				switch next := toks[i+1]; {
				case next.is("update"), next.is("share"), next.is("no"), next.is("key"):
					return refuse(RuleInsertOnly, codeFeatureNotSupported,
						"logstore: SELECT … FOR %s is not supported; LogStore has no row locks", strings.ToUpper(next.norm))
				}
			}
		}
	}
	if enforce&RuleNoPositions != 0 {
		if err := checkPositions(toks, d); err != nil {
			return err
		}
	}
	if enforce&RuleFromRequired != 0 {
		for i, t := range toks {
			if t.is("select") && !selectHasFrom(toks, d, i) {
				return refuse(RuleFromRequired, codeFeatureNotSupported,
					"logstore: SELECT without FROM is not supported; every query reads a logstore (there is no ping query: check a connection with a SELECT … FROM a logstore … LIMIT 1)")
			}
		}
	}
	return nil
}

// checkPositions refuses GROUP BY or ORDER BY items that are a column's
// position (GROUP BY 1): SLS documents grouping and ordering by a field or
// an alias.
func checkPositions(toks []token, d []int) error {
	for i, t := range toks {
		if !t.is("by") || i == 0 || !(toks[i-1].is("group") || toks[i-1].is("order")) {
			continue
		}
		clause := strings.ToUpper(toks[i-1].norm) + " BY"
		// The list runs at this depth until a keyword that ends it.
		item := true
		for j := i + 1; j < len(toks) && d[j] >= d[i]; j++ {
			u := toks[j]
			if d[j] > d[i] {
				item = false
				continue
			}
			if u.kind == tokWord {
				switch u.norm {
				case "limit", "having", "window", "union", "intersect", "except", "offset", "fetch", "for", "order":
					j = len(toks)
					continue
				}
			}
			if u.isPunct(',') {
				item = true
				continue
			}
			if item && u.kind == tokNumber {
				end := j+1 >= len(toks) || d[j+1] < d[i] || toks[j+1].isPunct(',') ||
					toks[j+1].is("asc") || toks[j+1].is("desc") || toks[j+1].is("nulls") || toks[j+1].is("limit") || toks[j+1].is("having")
				if end {
					return refuse(RuleNoPositions, codeFeatureNotSupported,
						"logstore: %s %s (a column position) is not supported; group and order by a field name or an alias", clause, u.norm)
				}
			}
			item = false
		}
	}
	return nil
}

// selectHasFrom reports whether the SELECT at toks[at] has a FROM clause: a
// FROM at the same depth before the SELECT's block ends (at a closing
// parenthesis or a set operator). IS [NOT] DISTINCT FROM is no FROM clause.
func selectHasFrom(toks []token, d []int, at int) bool {
	depth := d[at]
	for j := at + 1; j < len(toks); j++ {
		if d[j] < depth {
			return false
		}
		if d[j] != depth {
			continue
		}
		t := toks[j]
		if t.is("union") || t.is("intersect") || t.is("except") {
			return false
		}
		if t.is("from") && !(j > 0 && toks[j-1].is("distinct")) {
			return true
		}
	}
	return false
}

// windowed reports whether RuleTimeWindow applies to toks: it is enforced and
// no identifier token (quoted or not) is __time__.
func windowed(toks []token, enforce Rule) bool {
	return enforce&RuleTimeWindow != 0 && !mentionsTime(toks)
}

// mentionsTime reports whether an identifier token names __time__. Strings
// and comments are not tokens of that kind, so they never count.
func mentionsTime(toks []token) bool {
	for _, t := range toks {
		if (t.kind == tokWord || t.kind == tokQuotedIdent) && t.norm == "__time__" {
			return true
		}
	}
	return false
}

// splice replaces src[start:end] with text.
type splice struct {
	start, end int
	text       string
}

// applySplices returns src[from:to] with the splices, which must be sorted
// and not overlap, applied.
func applySplices(src string, from, to int, sp []splice) string {
	var b strings.Builder
	at := from
	for _, s := range sp {
		b.WriteString(src[at:s.start])
		b.WriteString(s.text)
		at = s.end
	}
	b.WriteString(src[at:to])
	return b.String()
}

// rewriteLimits applies RuleLimitSyntax and rewrites LogStore's LIMIT
// offset, count into PostgreSQL's LIMIT count OFFSET offset, after applying
// the splices before, which must precede every LIMIT. It returns the
// statement text to forward and whether the outermost query has a LIMIT (or
// FETCH), which exempts it from RuleRowCap.
func rewriteLimits(src string, toks []token, d []int, enforce Rule, before ...splice) (string, bool, error) {
	strict := enforce&RuleLimitSyntax != 0
	sp := before // splices that come before any LIMIT
	topLimit := false
	for i, t := range toks {
		switch {
		case t.is("offset"):
			if strict {
				return "", false, refuse(RuleLimitSyntax, codeSyntaxError,
					"logstore: LIMIT … OFFSET is not supported; page with LIMIT offset, count")
			}
		case t.is("fetch") && i+1 < len(toks) && (toks[i+1].is("first") || toks[i+1].is("next")):
			if strict {
				return "", false, refuse(RuleLimitSyntax, codeSyntaxError,
					"logstore: FETCH FIRST is not supported; use LIMIT count or LIMIT offset, count")
			}
			topLimit = topLimit || d[i] == 0
		case t.is("limit"):
			topLimit = topLimit || d[i] == 0
			s, err := checkLimit(toks, i, d[i] > 0, strict)
			if err != nil {
				return "", false, err
			}
			if s != nil {
				sp = append(sp, *s)
			}
		}
	}
	return applySplices(src, toks[0].start, toks[len(toks)-1].end, sp), topLimit, nil
}

// checkLimit checks the LIMIT at toks[at] and returns the splice that
// rewrites LIMIT offset, count, if it is that form.
func checkLimit(toks []token, at int, nested, strict bool) (*splice, error) {
	operand := func(k int) (token, bool) {
		if k < len(toks) && toks[k].kind == tokNumber {
			return toks[k], true
		}
		return token{}, false
	}
	first, ok := operand(at + 1)
	if !ok {
		if strict {
			return nil, refuse(RuleLimitSyntax, codeSyntaxError,
				"logstore: LIMIT takes integer literals; write LIMIT count or LIMIT offset, count")
		}
		return nil, nil
	}
	if at+2 < len(toks) && toks[at+2].isPunct(',') {
		second, ok := operand(at + 3)
		if !ok || !isInteger(first.norm) || !isInteger(second.norm) {
			if strict {
				return nil, refuse(RuleLimitSyntax, codeSyntaxError,
					"logstore: LIMIT takes integer literals; write LIMIT count or LIMIT offset, count")
			}
			return nil, nil
		}
		if strict {
			if nested {
				return nil, refuse(RuleLimitSyntax, codeFeatureNotSupported,
					"logstore: LIMIT offset, count inside a subquery is not supported; page only in the outermost query")
			}
			off, offOK := parseBound(first.norm)
			cnt, cntOK := parseBound(second.norm)
			if !cntOK || cnt > maxPageCount {
				return nil, refuse(RuleLimitSyntax, codeInvalidParameter,
					"logstore: LIMIT offset, count allows a count of at most 10,000, got %s; fetch at most 10,000 rows per page", second.norm)
			}
			if !offOK || off+cnt > maxPageEnd {
				return nil, refuse(RuleLimitSyntax, codeInvalidParameter,
					"logstore: LIMIT offset, count allows offset+count of at most 1,000,000, got %s+%s; narrow the query (for example by __time__) instead of paging deeper", first.norm, second.norm)
			}
		}
		return &splice{start: first.start, end: second.end, text: second.norm + " OFFSET " + first.norm}, nil
	}
	if strict && nested {
		return nil, refuse(RuleLimitSyntax, codeFeatureNotSupported,
			"logstore: LIMIT inside a subquery is not supported; LogStore applies LIMIT to final results only")
	}
	if strict {
		if !isInteger(first.norm) {
			return nil, refuse(RuleLimitSyntax, codeSyntaxError,
				"logstore: LIMIT takes integer literals; write LIMIT count or LIMIT offset, count")
		}
		if n, ok := parseBound(first.norm); !ok || n > maxLimitCount {
			return nil, refuse(RuleLimitSyntax, codeInvalidParameter,
				"logstore: LIMIT allows at most 1,000,000 rows, got %s; aggregate in SQL or narrow the query", first.norm)
		}
	}
	return nil, nil
}

func isInteger(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// parseBound parses a LIMIT operand; ok is false when it overflows, which is
// beyond every bound anyway.
func parseBound(s string) (n uint64, ok bool) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > 1<<40 {
		return 0, false
	}
	return n, true
}

// classifyCreate parses CREATE TABLE [IF NOT EXISTS] name (column type, …),
// the only DDL LogStore has, and applies RuleNoConstraints.
func classifyCreate(src string, toks []token, enforce Rule) (statement, error) {
	unsupported := refuse(0, codeFeatureNotSupported,
		"logstore: only CREATE TABLE [IF NOT EXISTS] name (column type, …) is supported")
	td := &tableDef{}
	i := 2
	if i+2 < len(toks) && toks[i].is("if") && toks[i+1].is("not") && toks[i+2].is("exists") {
		td.ifNotExists = true
		i += 3
	}
	if i >= len(toks) || (toks[i].kind != tokWord && toks[i].kind != tokQuotedIdent) {
		return statement{}, unsupported
	}
	td.name = toks[i].norm
	i++
	if i < len(toks) && toks[i].isPunct('.') {
		return statement{}, refuse(0, codeFeatureNotSupported,
			"logstore: CREATE TABLE takes a bare logstore name; a logstore lives directly in the project, which is the database")
	}
	if td.name == "" {
		return statement{}, unsupported
	}
	if len(td.name) > maxTableNameBytes {
		return statement{}, refuse(0, codeNameTooLong,
			"logstore: the emulator supports table names of at most %d bytes, got %q", maxTableNameBytes, td.name)
	}
	// The column list is the rest of the statement, in one pair of
	// parentheses; anything after it (AS, PARTITION BY, WITH …) is not
	// LogStore DDL.
	if i >= len(toks) || !toks[i].isPunct('(') || !toks[len(toks)-1].isPunct(')') {
		return statement{}, unsupported
	}
	d := depths(toks)
	for k := i + 1; k < len(toks)-1; k++ {
		if d[k] == 0 {
			return statement{}, unsupported
		}
	}
	inner := toks[i+1 : len(toks)-1]
	innerDepth := d[i+1 : len(toks)-1]
	var elems [][]token
	begin := 0
	for k, t := range inner {
		if innerDepth[k] == 1 && t.isPunct(',') {
			elems = append(elems, inner[begin:k])
			begin = k + 1
		}
	}
	if len(inner) > 0 {
		elems = append(elems, inner[begin:])
	}
	for _, e := range elems {
		if len(e) == 0 {
			return statement{}, &ruleError{code: codeSyntaxError, msg: "logstore: cannot parse the statement: empty column definition in CREATE TABLE"}
		}
		if err := addElement(src, td, e, enforce); err != nil {
			return statement{}, err
		}
	}
	return statement{kind: stmtCreateTable, table: td}, nil
}

// addElement adds one column definition or table constraint to td.
func addElement(src string, td *tableDef, e []token, enforce Rule) error {
	text := src[e[0].start:e[len(e)-1].end]
	first := e[0]
	if first.kind == tokWord {
		switch first.norm {
		case "constraint", "primary", "unique", "check", "foreign", "exclude":
			if enforce&RuleNoConstraints != 0 {
				return refuseConstraint(strings.ToUpper(first.norm))
			}
			td.constraints = append(td.constraints, text)
			return nil
		case "like":
			return refuse(0, codeFeatureNotSupported, "logstore: CREATE TABLE … (LIKE …) is not supported; list the columns and their types")
		}
	}
	if first.kind != tokWord && first.kind != tokQuotedIdent {
		return &ruleError{code: codeSyntaxError, msg: fmt.Sprintf("logstore: cannot parse the statement: expected a column name in CREATE TABLE at byte %d", first.start)}
	}
	name := first.norm
	if strings.HasPrefix(name, "__") {
		return refuse(0, codeReservedName,
			"logstore: column name %q is reserved: names starting with __ belong to LogStore's own fields such as __time__", name)
	}
	if len(e) < 2 || (e[1].kind != tokWord && e[1].kind != tokQuotedIdent) {
		return &ruleError{code: codeSyntaxError, msg: fmt.Sprintf("logstore: cannot parse the statement: column %q has no type", name)}
	}
	if enforce&RuleNoConstraints != 0 {
		// Type modifiers such as numeric(10, 2) hold only numbers, so a
		// constraint keyword at any depth is a constraint.
		for _, t := range e {
			if t.kind != tokWord {
				continue
			}
			switch t.norm {
			case "primary":
				return refuseConstraint("PRIMARY KEY")
			case "not":
				return refuseConstraint("NOT NULL")
			case "default", "unique", "references", "check", "generated", "constraint":
				return refuseConstraint(strings.ToUpper(t.norm))
			}
		}
		switch e[1].norm {
		case "serial", "serial2", "serial4", "serial8", "smallserial", "bigserial":
			if e[1].kind == tokWord {
				return refuseConstraint(strings.ToUpper(e[1].norm) + " (an implicit DEFAULT)")
			}
		}
	}
	td.columns = append(td.columns, columnDef{name: name, def: src[e[1].start:e[len(e)-1].end]})
	return nil
}

func refuseConstraint(what string) error {
	return refuse(RuleNoConstraints, codeFeatureNotSupported,
		"logstore: %s is not supported; LogStore tables have no keys, defaults or constraints, so declare plain columns (name type)", what)
}

// renameRelations rewrites DROP TABLE and TRUNCATE, which are forwarded only
// when RuleInsertOnly is relaxed, so that they act on the table that stores a
// logstore's rows rather than on the view clients see. Any other statement is
// returned unchanged.
func renameRelations(src string, toks []token) string {
	text := src[toks[0].start:toks[len(toks)-1].end]
	var i int
	dropping := false
	switch {
	case len(toks) > 2 && toks[0].is("drop") && toks[1].is("table"):
		dropping = true
		i = 2
		if i+1 < len(toks) && toks[i].is("if") && toks[i+1].is("exists") {
			i += 2
		}
	case toks[0].is("truncate"):
		i = 1
		if i < len(toks) && toks[i].is("table") {
			i++
		}
	default:
		return text
	}
	var sp []splice
	last := len(toks)
	for i < len(toks) {
		if toks[i].is("only") {
			i++
		}
		// A name is name or qualifier.name; rename its last part.
		for i+2 < len(toks) && isName(toks[i]) && toks[i+1].isPunct('.') {
			i += 2
		}
		if i >= len(toks) || !isName(toks[i]) {
			return text
		}
		sp = append(sp, splice{start: toks[i].start, end: toks[i].end, text: quoteIdent(toks[i].norm + rowsSuffix)})
		i++
		if i < len(toks) && toks[i].isPunct('*') {
			i++
		}
		if i < len(toks) && toks[i].isPunct(',') {
			i++
			continue
		}
		last = i
		break
	}
	out := applySplices(src, toks[0].start, toks[len(toks)-1].end, sp)
	if dropping {
		// The view depends on the table, so the drop must cascade to it.
		hasCascade := false
		for _, t := range toks[last:] {
			if t.is("cascade") {
				hasCascade = true
			}
			if t.is("restrict") {
				return text
			}
		}
		if !hasCascade {
			out += " CASCADE"
		}
	}
	return out
}

func isName(t token) bool {
	return (t.kind == tokWord || t.kind == tokQuotedIdent) && t.norm != ""
}

// quoteIdent quotes s as a PostgreSQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteLiteral quotes s as a standard-conforming PostgreSQL string literal.
func quoteLiteral(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}
