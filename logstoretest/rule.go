package logstoretest

import (
	"fmt"
	"math/bits"
	"strings"
)

// Rule is one documented LogStore behaviour the server enforces, one bit per
// rule. Config.Relax holds the rules to switch off, so the zero Config
// enforces every rule; a test relaxes a rule to show what breaks without it.
// See docs/emulator.md for where each rule comes from.
type Rule uint32

const (
	// RuleSimpleQuery refuses the extended query protocol (Parse, Bind,
	// Describe, Execute, Close and FunctionCall) with SQLSTATE 0A000: LogStore
	// takes simple Query messages only. It cannot be relaxed, because the
	// other rules need to see each statement's text when it runs; Start
	// refuses a Config that relaxes it.
	RuleSimpleQuery Rule = 1 << iota

	// RuleIgnoreTransactions answers BEGIN, START TRANSACTION, COMMIT, END,
	// ROLLBACK and ABORT with their command tag without forwarding them, so
	// there is no atomicity and no rollback. Relaxed, they are forwarded.
	RuleIgnoreTransactions

	// RuleInsertOnly accepts only SELECT, WITH … SELECT, INSERT and CREATE
	// TABLE; UPDATE, DELETE, TRUNCATE, ALTER, MERGE, DROP, COPY, SET, GRANT
	// and the rest are refused with SQLSTATE 0A000, as are data-modifying
	// subqueries and SELECT … INTO.
	RuleInsertOnly

	// RuleNoConstraints refuses CREATE TABLE with PRIMARY KEY, DEFAULT,
	// UNIQUE, REFERENCES, CHECK, NOT NULL, GENERATED, serial types or table
	// constraints, and INSERT … RETURNING or ON CONFLICT, with SQLSTATE 0A000.
	RuleNoConstraints

	// RuleFromRequired refuses a SELECT without FROM (such as the ping
	// query SELECT 1) with SQLSTATE 0A000.
	RuleFromRequired

	// RuleLimitSyntax refuses OFFSET (SQLSTATE 42601) and enforces LogStore's
	// paging form LIMIT offset, count: count ≤ 10,000, offset+count ≤
	// 1,000,000; LIMIT n allows n ≤ 1,000,000 (SQLSTATE 22023 for a bound);
	// either only in the outermost query ([DOC] LIMIT applies to final
	// results only; SQLSTATE 0A000 inside a subquery). Relaxed, LIMIT n OFFSET m is
	// forwarded; LIMIT offset, count is always rewritten for PostgreSQL.
	RuleLimitSyntax

	// RuleRowCap silently returns at most Config.RowCap rows (default 100)
	// from a top-level SELECT that has no LIMIT.
	RuleRowCap

	// RuleTimeWindow hides rows whose __time__ is older than Config.Window
	// (default 15 minutes) from any statement whose text never mentions the
	// identifier __time__. Mentions inside string literals and comments do
	// not count.
	RuleTimeWindow

	// RuleSingleStatement refuses a Query message that holds more than one
	// statement with SQLSTATE 0A000. Relaxed, the statements run one after
	// another, each under the other rules.
	RuleSingleStatement

	// RuleTextStorage stores logs as SLS does: every field is a string, and
	// an INSERT's NULL is stored as ''. What SQL reads is typed by the
	// logstore's field index (Config.Indexes; wflog's by default): a long or
	// double field reads its text as a number, or NULL when the text is not
	// one; a text field reads at most the index's max_text_len characters;
	// a field without analytics (doc_value off) reads NULL, and a field that
	// is not indexed cannot be named. Relaxed, columns keep their declared
	// PostgreSQL types and NULL stays NULL.
	RuleTextStorage

	// RuleNoPositions refuses GROUP BY and ORDER BY items that are column
	// positions (GROUP BY 1, ORDER BY 2 DESC) with SQLSTATE 0A000: SLS
	// documents grouping and ordering by a field or an alias only.
	RuleNoPositions
)

// allRules is the mask of every defined rule.
const allRules = RuleNoPositions<<1 - 1

// name returns the flag-style name of a single rule, or "" if r is not
// exactly one defined rule.
func (r Rule) name() string {
	switch r {
	case RuleSimpleQuery:
		return "simple-query"
	case RuleIgnoreTransactions:
		return "ignore-transactions"
	case RuleInsertOnly:
		return "insert-only"
	case RuleNoConstraints:
		return "no-constraints"
	case RuleFromRequired:
		return "from-required"
	case RuleLimitSyntax:
		return "limit-syntax"
	case RuleRowCap:
		return "row-cap"
	case RuleTimeWindow:
		return "time-window"
	case RuleSingleStatement:
		return "single-statement"
	case RuleTextStorage:
		return "text-storage"
	case RuleNoPositions:
		return "no-positions"
	}
	return ""
}

// String returns the rules in r as comma-separated flag-style names in
// declaration order, such as "row-cap,time-window"; the empty set is
// "none". ParseRule reads this form back.
func (r Rule) String() string {
	if r == 0 {
		return "none"
	}
	var names []string
	for rest := r; rest != 0; {
		bit := Rule(1) << bits.TrailingZeros32(uint32(rest))
		rest &^= bit
		if n := bit.name(); n != "" {
			names = append(names, n)
		} else {
			names = append(names, fmt.Sprintf("rule(%#x)", uint32(bit)))
		}
	}
	return strings.Join(names, ",")
}

// RuleNames returns the flag-style name of every rule, in declaration order.
func RuleNames() []string {
	var names []string
	for bit := Rule(1); bit&allRules != 0; bit <<= 1 {
		names = append(names, bit.name())
	}
	return names
}

// ParseRule parses a comma-separated list of rule names as written by
// Rule.String, such as "row-cap,time-window". Names are case-insensitive and
// may also be written with the Rule prefix and no dashes ("RuleRowCap");
// "none" and the empty string mean no rule. It returns an error naming the
// first unknown name and listing the valid ones.
func ParseRule(s string) (Rule, error) {
	var r Rule
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" || strings.EqualFold(part, "none") {
			continue
		}
		bit, ok := lookupRule(part)
		if !ok {
			return 0, fmt.Errorf("logstoretest: unknown rule %q (known rules: %s)", part, strings.Join(RuleNames(), ", "))
		}
		r |= bit
	}
	return r, nil
}

func lookupRule(name string) (Rule, bool) {
	squash := func(s string) string {
		s = strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(s, "-", ""), "_", ""))
		return strings.TrimPrefix(s, "rule")
	}
	want := squash(name)
	for bit := Rule(1); bit&allRules != 0; bit <<= 1 {
		if squash(bit.name()) == want {
			return bit, true
		}
	}
	return 0, false
}
