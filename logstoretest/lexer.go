package logstoretest

import (
	"fmt"
	"strings"
)

// tokenKind says what a lexed token is. Comments and whitespace produce no
// tokens; they only separate them.
type tokenKind uint8

const (
	tokWord        tokenKind = iota + 1 // unquoted identifier or keyword; norm is ASCII-lower-cased
	tokQuotedIdent                      // "…" or U&"…"; norm is the unescaped name
	tokString                           // '…', E'…', B'…', X'…', N'…', U&'…', $$…$$, $tag$…$tag$
	tokNumber                           // 42, 4.2, .5, 1e10
	tokParam                            // $1
	tokPunct                            // one byte of punctuation or operator: ( ) , ; . = < …
)

// token is one lexical element of a statement. start and end are byte offsets
// into the lexed text, so a rewrite can splice the original text exactly.
type token struct {
	kind       tokenKind
	start, end int
	norm       string
}

// is reports whether t is the unquoted keyword kw (lower case).
func (t token) is(kw string) bool { return t.kind == tokWord && t.norm == kw }

// isPunct reports whether t is the punctuation byte p.
func (t token) isPunct(p byte) bool { return t.kind == tokPunct && t.norm[0] == p }

// lexError reports text the lexer could not split into tokens, such as an
// unterminated string. Forwarding such text would mean guessing where a
// statement ends, so the server refuses it.
type lexError struct {
	offset int
	what   string
}

func (e *lexError) Error() string {
	return fmt.Sprintf("%s starting at byte %d", e.what, e.offset)
}

// lex splits PostgreSQL statement text into tokens, following PostgreSQL's
// lexical rules (with standard_conforming_strings on, which the server
// announces): single-quoted strings with doubled-quote escapes, E'…'
// strings with backslash escapes, double-quoted identifiers with
// doubled-quote escapes, -- and nested /* */ comments, and dollar quotes. It never panics; text it cannot lex
// (unterminated quotes or comments) yields a *lexError.
func lex(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case isSpace(c):
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' && s[i] != '\r' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end, err := skipBlockComment(s, i)
			if err != nil {
				return toks, err
			}
			i = end
		case c == '\'':
			end, err := scanQuoted(s, i, i+1, '\'', false, "unterminated quoted string")
			if err != nil {
				return toks, err
			}
			toks = append(toks, token{kind: tokString, start: i, end: end})
			i = end
		case c == '"':
			end, err := scanQuoted(s, i, i+1, '"', false, "unterminated quoted identifier")
			if err != nil {
				return toks, err
			}
			name := strings.ReplaceAll(s[i+1:end-1], `""`, `"`)
			toks = append(toks, token{kind: tokQuotedIdent, start: i, end: end, norm: name})
			i = end
		case isIdentStart(c):
			t, err := scanWord(s, i)
			if err != nil {
				return toks, err
			}
			toks = append(toks, t)
			i = t.end
		case c == '$':
			t, err := scanDollar(s, i)
			if err != nil {
				return toks, err
			}
			toks = append(toks, t)
			i = t.end
		case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			end := scanNumber(s, i)
			toks = append(toks, token{kind: tokNumber, start: i, end: end, norm: s[i:end]})
			i = end
		default:
			toks = append(toks, token{kind: tokPunct, start: i, end: i + 1, norm: s[i : i+1]})
			i++
		}
	}
	return toks, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIdentStart follows PostgreSQL: letters, underscore and every byte of a
// multi-byte character may start an identifier.
func isIdentStart(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }

// skipBlockComment returns the offset just past the nested /* */ comment
// that starts at start.
func skipBlockComment(s string, start int) (int, error) {
	depth := 0
	i := start
	for i < len(s) {
		switch {
		case s[i] == '/' && i+1 < len(s) && s[i+1] == '*':
			depth++
			i += 2
		case s[i] == '*' && i+1 < len(s) && s[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i, nil
			}
		default:
			i++
		}
	}
	return 0, &lexError{offset: start, what: "unterminated /* comment"}
}

// scanQuoted scans a quoted token whose body starts at body and ends at an
// unescaped quote; a doubled quote is an escaped quote, and with backslash
// set a backslash escapes the byte after it. It returns the offset just past
// the closing quote.
func scanQuoted(s string, start, body int, quote byte, backslash bool, what string) (int, error) {
	i := body
	for i < len(s) {
		switch {
		case backslash && s[i] == '\\':
			i += 2
		case s[i] == quote:
			if i+1 < len(s) && s[i+1] == quote {
				i += 2
				continue
			}
			return i + 1, nil
		default:
			i++
		}
	}
	return 0, &lexError{offset: start, what: what}
}

// scanWord scans an identifier or keyword starting at start, including the
// string prefixes E'…', B'…', X'…', N'…' and the Unicode forms U&'…' and
// U&"…".
func scanWord(s string, start int) (token, error) {
	c := s[start]
	if start+1 < len(s) && s[start+1] == '\'' {
		switch c {
		case 'e', 'E':
			end, err := scanQuoted(s, start, start+2, '\'', true, "unterminated E'' string")
			return token{kind: tokString, start: start, end: end}, err
		case 'b', 'B', 'x', 'X', 'n', 'N':
			end, err := scanQuoted(s, start, start+2, '\'', false, "unterminated quoted string")
			return token{kind: tokString, start: start, end: end}, err
		}
	}
	if (c == 'u' || c == 'U') && start+2 < len(s) && s[start+1] == '&' {
		switch s[start+2] {
		case '\'':
			end, err := scanQuoted(s, start, start+3, '\'', false, "unterminated U&'' string")
			return token{kind: tokString, start: start, end: end}, err
		case '"':
			end, err := scanQuoted(s, start, start+3, '"', false, "unterminated U&\"\" identifier")
			if err != nil {
				return token{}, err
			}
			// The escapes are left as written: no rule looks for a name
			// spelled with Unicode escapes.
			name := strings.ReplaceAll(s[start+3:end-1], `""`, `"`)
			return token{kind: tokQuotedIdent, start: start, end: end, norm: name}, nil
		}
	}
	i := start + 1
	for i < len(s) && isIdentCont(s[i]) {
		i++
	}
	return token{kind: tokWord, start: start, end: i, norm: foldIdent(s[start:i])}, nil
}

// foldIdent lower-cases the ASCII letters of an unquoted identifier, as
// PostgreSQL does in a UTF-8 database.
func foldIdent(w string) string {
	b := []byte(w)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// scanDollar scans a token that starts with '$': a parameter ($1), a
// dollar-quoted string ($$…$$ or $tag$…$tag$), or a lone '$'.
func scanDollar(s string, start int) (token, error) {
	i := start + 1
	if i < len(s) && isDigit(s[i]) {
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		return token{kind: tokParam, start: start, end: i, norm: s[start:i]}, nil
	}
	// A tag is an identifier without '$': a letter, '_' or high byte, then
	// those or digits.
	if i < len(s) && isIdentStart(s[i]) {
		for i < len(s) && (isIdentStart(s[i]) || isDigit(s[i])) {
			i++
		}
	}
	if i >= len(s) || s[i] != '$' {
		return token{kind: tokPunct, start: start, end: start + 1, norm: "$"}, nil
	}
	delim := s[start : i+1]
	closing := strings.Index(s[i+1:], delim)
	if closing < 0 {
		return token{}, &lexError{offset: start, what: "unterminated dollar-quoted string " + delim}
	}
	return token{kind: tokString, start: start, end: i + 1 + closing + len(delim)}, nil
}

// scanNumber returns the offset just past the numeric literal at start:
// digits, an optional fraction and an optional exponent.
func scanNumber(s string, start int) int {
	i := start
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' && !(i+1 < len(s) && s[i+1] == '.') {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	return i
}
