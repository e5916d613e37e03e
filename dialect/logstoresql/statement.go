package logstoresql

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
)

// MaxLimit is the largest row count LogStore returns for one query
// ("LIMIT n allows n ≤ 1,000,000").
const MaxLimit = 1_000_000

// MaxPage is the largest count in LogStore's "LIMIT offset, count" paging form.
const MaxPage = 10_000

// renderStatement checks query against LogStore's rules and substitutes its
// $n placeholders with literals. Everything LogStore would reject, ignore or
// silently truncate is an ErrUnsupported error here, before the network.
//
// In an INSERT, a nil argument is written as the empty string unless keepNULL: a LogStore
// field is a key and a string, with no NULL, and how the endpoint stores a
// NULL literal is undocumented, while the empty string is what Dify writes through the
// same endpoint in production. Readers take the empty string back as nil (WithEmptyAsNull).
//
// With autoLimit, a SELECT without a LIMIT of its own gets LogStore's
// largest, LIMIT 1000000, at its end, so nothing is silently capped at 100
// rows (see WithAutoLimit).
func renderStatement(query string, args []driver.NamedValue, keepNULL, autoLimit bool) (string, error) {
	toks, err := lexSQL(query)
	if err != nil {
		return "", fmt.Errorf("wflog/logstoresql: cannot read the statement: %w", err)
	}
	info, err := inspect(query, toks)
	if err != nil {
		return "", err
	}
	if autoLimit && info.query && !info.hasLimit {
		query = strings.TrimRightFunc(query, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
		query += " LIMIT " + strconv.Itoa(MaxLimit)
		if toks, err = lexSQL(query); err != nil {
			return "", fmt.Errorf("wflog/logstoresql: cannot read the statement: %w", err)
		}
		info.hasLimit = true
	}
	if err := info.check(); err != nil {
		return "", err
	}
	return substitute(query, toks, args, info.verb == "INSERT" && !keepNULL, info.verb == "INSERT")
}

// substitute replaces every $n with the literal of args[n-1]. Every argument
// must be used and every placeholder must have an argument: a mismatch means
// the statement is not the one its author meant.
//
// nullAsEmpty writes nil (and []byte(nil)) as the empty string rather than
// NULL; quoted writes numbers and booleans as quoted text ('42', '0.5',
// 'true'), the form Dify sends: a log field is a string, typed by the
// logstore's index.
func substitute(query string, toks []token, args []driver.NamedValue, nullAsEmpty, quoted bool) (string, error) {
	used := make([]bool, len(args))
	b := make([]byte, 0, len(query)+16*len(args))
	for _, t := range toks {
		if t.kind != tokParam {
			b = append(b, query[t.start:t.end]...)
			continue
		}
		n, err := strconv.Atoi(query[t.start+1 : t.end])
		if err != nil || n < 1 || n > len(args) {
			return "", fmt.Errorf("wflog/logstoresql: placeholder %s has no argument (%d given)", query[t.start:t.end], len(args))
		}
		v := args[n-1].Value
		if nullAsEmpty && isNull(v) {
			v = ""
		}
		if quoted {
			b, err = appendQuotedLiteral(b, v)
		} else {
			b, err = appendLiteral(b, v)
		}
		if err != nil {
			return "", fmt.Errorf("wflog/logstoresql: argument %s: %w", query[t.start:t.end], err)
		}
		used[n-1] = true
	}
	for i, u := range used {
		if !u {
			return "", fmt.Errorf("wflog/logstoresql: argument $%d is not used by the statement", i+1)
		}
	}
	return string(b), nil
}

// statementInfo is what inspect learned of a statement that breaks none of
// the rules it checks on the way.
type statementInfo struct {
	verb     string // upper-case first word
	query    bool   // SELECT or WITH
	hasLimit bool   // a LIMIT in the outermost query
	hasFrom  bool   // a FROM in the outermost query
	mentions bool   // names __time__
	createOK error  // CREATE's verdict, reported by check
}

// checkStatement enforces, on the tokens, the rules of docs/LOGSTORE.md that a
// client can know before sending: which statements exist, how LIMIT is
// written, that __time__ is bounded and that nothing is silently capped.
func checkStatement(query string, toks []token) error {
	info, err := inspect(query, toks)
	if err != nil {
		return err
	}
	return info.check()
}

// inspect reads the statement and refuses what is wrong wherever it
// appears; check then judges the statement as a whole.
func inspect(query string, toks []token) (statementInfo, error) {
	sig := significant(query, toks)
	if len(sig) == 0 {
		return statementInfo{}, unsupported("an empty statement", "send a SELECT, INSERT or CREATE TABLE")
	}
	info := statementInfo{verb: strings.ToUpper(sig[0].text)}
	info.query = info.verb == "SELECT" || info.verb == "WITH"
	depth := 0
	var byDepth []int  // depths at which a GROUP BY or ORDER BY list is open
	prev, up := "", "" // the previous and this token, upper-cased if words
	for i, t := range sig {
		prev, up = up, t.text
		if t.kind == tokWord {
			up = strings.ToUpper(t.text)
		}
		// A GROUP BY or ORDER BY item that is a bare number is a position.
		if t.kind == tokNumber && len(byDepth) > 0 && byDepth[len(byDepth)-1] == depth && (prev == "BY" || prev == ",") {
			next := ""
			if i+1 < len(sig) {
				next = strings.ToUpper(sig[i+1].text)
			}
			switch next {
			case "", ",", ")", ";", "ASC", "DESC", "LIMIT", "HAVING", "ORDER", "NULLS", "UNION", "WINDOW":
				return info, unsupported("GROUP BY or ORDER BY by position ("+prev+" "+t.text+")", "name the column or its alias; SLS documents grouping and ordering by field or alias only")
			}
		}
		switch {
		case t.kind == tokPunct && t.text == "(":
			depth++
		case t.kind == tokPunct && t.text == ")":
			for len(byDepth) > 0 && byDepth[len(byDepth)-1] >= depth {
				byDepth = byDepth[:len(byDepth)-1]
			}
			depth--
		case t.kind == tokPunct && t.text == ";":
			if i != len(sig)-1 {
				return info, unsupported("several statements in one query", "send one statement at a time")
			}
		case t.kind == tokIdent && strings.EqualFold(t.text, `"set_config"`):
			return info, unsupported("set_config()", "a statement may not change session settings: the literals wflog renders rely on standard_conforming_strings staying on")
		case t.kind == tokIdent && t.text == `"__time__"`, t.kind == tokWord && up == "__TIME__":
			info.mentions = true
		case t.kind != tokWord:
		case up == "BY" && (prev == "GROUP" || prev == "ORDER"):
			byDepth = append(byDepth, depth)
		case (up == "LIMIT" || up == "HAVING" || up == "WINDOW" || up == "UNION" || up == "OFFSET") && len(byDepth) > 0 && byDepth[len(byDepth)-1] == depth:
			byDepth = byDepth[:len(byDepth)-1]
			fallthrough
		case up == "LIMIT" || up == "OFFSET" || up == "FROM" || up == "INTO" || up == "FOR" || up == "SET_CONFIG" || up == "RETURNING" || up == "ON" || up == "UPDATE" || up == "DELETE" || up == "INSERT" || up == "MERGE":
			if err := info.word(sig, i, up, depth); err != nil {
				return info, err
			}
		}
	}
	if info.verb == "CREATE" {
		info.createOK = checkCreate(sig)
	}
	return info, nil
}

// word applies the rules about one keyword at sig[i].
func (info *statementInfo) word(sig []sigToken, i int, up string, depth int) error {
	next := func() string {
		if i+1 < len(sig) {
			return sig[i+1].text
		}
		return ""
	}
	switch {
	case up == "SET_CONFIG" && next() == "(":
		return unsupported("set_config()", "a statement may not change session settings: the literals wflog renders rely on standard_conforming_strings staying on")
	case up == "RETURNING":
		return unsupported("RETURNING", "LogStore returns no rows from INSERT; the values you sent are the values stored")
	case up == "ON" && strings.EqualFold(next(), "CONFLICT"):
		return unsupported("ON CONFLICT", "LogStore has no keys to conflict on; every row is a new version")
	case up == "OFFSET":
		return unsupported("LIMIT … OFFSET", "page with LIMIT offset, count (count ≤ 10,000)")
	case up == "LIMIT" && depth > 0:
		return unsupported("LIMIT inside a subquery", "SLS applies LIMIT to final results only; limit the outermost query")
	case up == "LIMIT":
		info.hasLimit = true
		return checkLimitValues(sig, i)
	case up == "INTO" && depth == 0 && info.query:
		return unsupported("SELECT … INTO", "it creates a table; LogStore accepts SELECT, INSERT and CREATE TABLE only")
	case up == "FROM" && depth == 0:
		info.hasFrom = true
	case up == "FOR" && depth == 0 && isLockStrength(next()):
		return unsupported("SELECT … FOR "+strings.ToUpper(next()), "LogStore has no row locks")
	case depth > 0 && (up == "UPDATE" || up == "DELETE" || up == "INSERT" || up == "MERGE") && i > 0 && sig[i-1].text == "(":
		return unsupported("a data-modifying subquery ("+up+")", "LogStore accepts INSERT only, as a statement of its own")
	}
	return nil
}

// check judges the statement as a whole.
func (info statementInfo) check() error {
	switch info.verb {
	case "SELECT", "WITH":
		if info.verb == "SELECT" && !info.hasFrom {
			return unsupported("SELECT without FROM", "LogStore answers only queries over a logstore; there is no ping query")
		}
		if !info.mentions {
			return unsupported("a query that does not bound __time__", "LogStore silently applies a recent time window otherwise; add __time__ > 0 (or a real range) to the WHERE clause")
		}
		if !info.hasLimit {
			return unsupported("a query without LIMIT", "LogStore silently returns at most 100 rows otherwise; add LIMIT n (n ≤ 1,000,000)")
		}
	case "INSERT":
	case "CREATE":
		return info.createOK
	case "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE":
		return unsupported("transactions ("+info.verb+")", "LogStore accepts and ignores them, so nothing would be atomic; write each row on its own")
	case "UPDATE":
		return unsupported("UPDATE", "LogStore stores rows append-only; give the model an appendonly.Version field so that a change is a new version")
	case "DELETE", "TRUNCATE":
		return unsupported(info.verb, "rows expire by the logstore's TTL; set the TTL on the logstore in the SLS console")
	case "SET", "RESET", "DISCARD":
		return unsupported(info.verb+" statements", "a statement may not change session settings: the literals wflog renders rely on standard_conforming_strings staying on")
	default:
		return unsupported(info.verb+" statements", "LogStore accepts SELECT, INSERT and CREATE TABLE")
	}
	return nil
}

// checkLimitValues checks LogStore's LIMIT forms at sig[i]: LIMIT n with
// n ≤ 1,000,000, or LIMIT offset, count with count ≤ 10,000 and
// offset + count ≤ 1,000,000, in integer literals.
func checkLimitValues(sig []sigToken, i int) error {
	num := func(k int) (int64, bool) {
		if k >= len(sig) || sig[k].kind != tokNumber {
			return 0, false
		}
		n, err := strconv.ParseInt(sig[k].text, 10, 64)
		return n, err == nil && n >= 0
	}
	first, ok := num(i + 1)
	if !ok {
		return unsupported("LIMIT "+upperText(sig, i+1), "write LIMIT count or LIMIT offset, count in integer literals")
	}
	if i+2 < len(sig) && sig[i+2].text == "," {
		count, ok := num(i + 3)
		if !ok {
			return unsupported("LIMIT "+sig[i+1].text+", "+upperText(sig, i+3), "write LIMIT offset, count in integer literals")
		}
		if count > MaxPage || first > MaxLimit || first+count > MaxLimit {
			return unsupported(fmt.Sprintf("LIMIT %d, %d", first, count), fmt.Sprintf("LogStore pages at most %d rows at a time and %d rows deep", MaxPage, MaxLimit))
		}
		return nil
	}
	if first > MaxLimit {
		return unsupported(fmt.Sprintf("LIMIT %d", first), fmt.Sprintf("LogStore returns at most %d rows per query; page with LIMIT offset, count", MaxLimit))
	}
	return nil
}

func checkCreate(sig []sigToken) error {
	if len(sig) < 2 || !strings.EqualFold(sig[1].text, "TABLE") {
		return unsupported("CREATE "+upperText(sig, 1), "LogStore's only DDL is CREATE TABLE; create indexes in the SLS console")
	}
	for _, t := range sig {
		if t.kind != tokWord {
			continue
		}
		switch up := strings.ToUpper(t.text); up {
		case "PRIMARY", "DEFAULT", "UNIQUE", "REFERENCES", "CHECK":
			return unsupported("a CREATE TABLE with "+up, "LogStore tables have no keys, defaults or constraints")
		}
	}
	return nil
}

type sigToken struct {
	kind tokenKind
	text string
}

// significant drops whitespace and comments.
func significant(query string, toks []token) []sigToken {
	out := make([]sigToken, 0, len(toks)/2+1)
	for _, t := range toks {
		if t.kind == tokSpace || t.kind == tokComment {
			continue
		}
		out = append(out, sigToken{kind: t.kind, text: query[t.start:t.end]})
	}
	return out
}

func isLockStrength(word string) bool {
	switch strings.ToUpper(word) {
	case "UPDATE", "SHARE", "NO", "KEY":
		return true
	}
	return false
}

func upperText(sig []sigToken, i int) string {
	if i < len(sig) {
		return strings.ToUpper(sig[i].text)
	}
	return ""
}
