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
// In an INSERT, a nil argument is written as ” unless keepNULL: a LogStore
// field is a key and a string, with no NULL, and how the endpoint stores a
// NULL literal is undocumented, while ” is what Dify writes through the
// same endpoint in production. Readers take ” back as nil (WithEmptyAsNull).
func renderStatement(query string, args []driver.NamedValue, keepNULL bool) (string, error) {
	toks, err := lexSQL(query)
	if err != nil {
		return "", fmt.Errorf("wflog/logstoresql: cannot read the statement: %w", err)
	}
	if err := checkStatement(query, toks); err != nil {
		return "", err
	}
	insert := false
	for _, t := range toks {
		if t.kind == tokWord {
			insert = strings.EqualFold(query[t.start:t.end], "INSERT")
			break
		}
	}
	return substitute(query, toks, args, insert && !keepNULL)
}

// substitute replaces every $n with the literal of args[n-1]. Every argument
// must be used and every placeholder must have an argument: a mismatch means
// the statement is not the one its author meant.
//
// nullAsEmpty writes nil (and []byte(nil)) as ” rather than NULL.
func substitute(query string, toks []token, args []driver.NamedValue, nullAsEmpty bool) (string, error) {
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
		if b, err = appendLiteral(b, v); err != nil {
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

// checkStatement enforces, on the tokens, the rules of docs/LOGSTORE.md that a
// client can know before sending: which statements exist, how LIMIT is
// written, that __time__ is bounded and that nothing is silently capped.
func checkStatement(query string, toks []token) error {
	sig := significant(query, toks)
	if len(sig) == 0 {
		return unsupported("an empty statement", "send a SELECT, INSERT or CREATE TABLE")
	}
	verb := strings.ToUpper(sig[0].text)
	var (
		depth                         int
		hasLimit, hasFrom, mentionsTm bool
	)
	for i, t := range sig {
		up := strings.ToUpper(t.text)
		switch {
		case t.kind == tokPunct && t.text == "(":
			depth++
		case t.kind == tokPunct && t.text == ")":
			depth--
		case t.kind == tokPunct && t.text == ";":
			if i != len(sig)-1 {
				return unsupported("several statements in one query", "send one statement at a time")
			}
		case t.kind == tokIdent && t.text == `"__time__"`, t.kind == tokWord && up == "__TIME__":
			mentionsTm = true
		case t.kind != tokWord:
		case up == "RETURNING":
			return unsupported("RETURNING", "LogStore returns no rows from INSERT; the values you sent are the values stored")
		case up == "ON" && i+1 < len(sig) && strings.EqualFold(sig[i+1].text, "CONFLICT"):
			return unsupported("ON CONFLICT", "LogStore has no keys to conflict on; every row is a new version")
		case up == "OFFSET" && depth == 0:
			return unsupported("LIMIT … OFFSET", "page with LIMIT offset, count (count ≤ 10,000)")
		case up == "LIMIT" && depth == 0:
			hasLimit = true
		case up == "FROM" && depth == 0:
			hasFrom = true
		case up == "FOR" && depth == 0 && i+1 < len(sig) && isLockStrength(sig[i+1].text):
			return unsupported("SELECT … FOR "+strings.ToUpper(sig[i+1].text), "LogStore has no row locks")
		case depth > 0 && (up == "UPDATE" || up == "DELETE" || up == "INSERT" || up == "MERGE") && i > 0 && sig[i-1].text == "(":
			return unsupported("a data-modifying subquery ("+up+")", "LogStore accepts INSERT only, as a statement of its own")
		}
	}
	switch verb {
	case "SELECT", "WITH":
		if verb == "SELECT" && !hasFrom {
			return unsupported("SELECT without FROM", "LogStore answers only queries over a logstore; there is no ping query")
		}
		if !mentionsTm {
			return unsupported("a query that does not bound __time__", "LogStore silently applies a recent time window otherwise; add __time__ > 0 (or a real range) to the WHERE clause")
		}
		if !hasLimit {
			return unsupported("a query without LIMIT", "LogStore silently returns at most 100 rows otherwise; add LIMIT n (n ≤ 1,000,000)")
		}
	case "INSERT":
	case "CREATE":
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
	case "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE":
		return unsupported("transactions ("+verb+")", "LogStore accepts and ignores them, so nothing would be atomic; write each row on its own")
	case "UPDATE":
		return unsupported("UPDATE", "LogStore stores rows append-only; give the model an appendonly.Version field so that a change is a new version")
	case "DELETE", "TRUNCATE":
		return unsupported(verb, "rows expire by the logstore's TTL; set the TTL on the logstore in the SLS console")
	default:
		return unsupported(verb+" statements", "LogStore accepts SELECT, INSERT and CREATE TABLE")
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
