package logstoresql

import (
	"fmt"
	"strings"
)

// tokenKind classifies a lexed piece of SQL text.
type tokenKind uint8

const (
	tokSpace   tokenKind = iota // whitespace
	tokComment                  // -- … or /* … */ (nested)
	tokWord                     // unquoted identifier or keyword
	tokIdent                    // "quoted identifier"
	tokString                   // '…', E'…', $tag$…$tag$
	tokNumber                   // 42, 3.5, 1e9
	tokParam                    // $1
	tokPunct                    // ( ) , ; [ ] . :
	tokOp                       // operator characters
)

// token is a span of the source text.
type token struct {
	kind       tokenKind
	start, end int
}

// lexSQL splits PostgreSQL-flavoured SQL into tokens, following PostgreSQL's
// lexical rules for the parts that decide where text is data and where it is
// code: quotes, escapes, comments and dollar quoting. Unterminated quotes and
// comments are errors, because guessing where they end is how injections start.
func lexSQL(src string) ([]token, error) {
	toks := make([]token, 0, len(src)/4+4)
	i := 0
	for i < len(src) {
		start := i
		c := src[i]
		var kind tokenKind
		switch {
		case isSpace(c):
			for i < len(src) && isSpace(src[i]) {
				i++
			}
			kind = tokSpace
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			kind = tokComment
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end, err := skipBlockComment(src, i)
			if err != nil {
				return nil, err
			}
			i, kind = end, tokComment
		case c == '\'':
			end, err := skipString(src, i, false)
			if err != nil {
				return nil, err
			}
			i, kind = end, tokString
		case c == '"':
			end, err := skipQuotedIdent(src, i)
			if err != nil {
				return nil, err
			}
			i, kind = end, tokIdent
		case c == '$':
			switch {
			case i+1 < len(src) && isDigit(src[i+1]):
				i++
				for i < len(src) && isDigit(src[i]) {
					i++
				}
				kind = tokParam
			case i+1 < len(src) && (src[i+1] == '$' || isIdentStart(src[i+1])):
				end, ok, err := skipDollarQuote(src, i)
				if err != nil {
					return nil, err
				}
				if ok {
					i, kind = end, tokString
				} else {
					i, kind = i+1, tokOp
				}
			default:
				i, kind = i+1, tokOp
			}
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			i = skipNumber(src, i)
			kind = tokNumber
		case isIdentStart(c):
			for i < len(src) && isIdentCont(src[i]) {
				i++
			}
			kind = tokWord
			// E'…' (backslash escapes) and U&'…', B'…', X'…', N'…' prefixes
			// glue onto the string that follows.
			word := src[start:i]
			if i < len(src) && src[i] == '\'' && isStringPrefix(word) {
				end, err := skipString(src, i, strings.EqualFold(word, "e"))
				if err != nil {
					return nil, err
				}
				i, kind = end, tokString
			} else if i+1 < len(src) && strings.EqualFold(word, "u") && src[i] == '&' && (src[i+1] == '\'' || src[i+1] == '"') {
				var end int
				var err error
				if src[i+1] == '\'' {
					end, err = skipString(src, i+1, false)
					kind = tokString
				} else {
					end, err = skipQuotedIdent(src, i+1)
					kind = tokIdent
				}
				if err != nil {
					return nil, err
				}
				i = end
			}
		case strings.IndexByte("(),;[].:", c) >= 0:
			i++
			kind = tokPunct
		default:
			i++
			kind = tokOp
		}
		toks = append(toks, token{kind: kind, start: start, end: i})
	}
	return toks, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentCont(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }

func isStringPrefix(word string) bool {
	switch word {
	case "e", "E", "b", "B", "x", "X", "n", "N":
		return true
	}
	return false
}

func skipBlockComment(src string, i int) (int, error) {
	depth := 0
	for i < len(src) {
		switch {
		case src[i] == '/' && i+1 < len(src) && src[i+1] == '*':
			depth++
			i += 2
		case src[i] == '*' && i+1 < len(src) && src[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i, nil
			}
		default:
			i++
		}
	}
	return 0, fmt.Errorf("unterminated /* comment")
}

// skipString returns the index after the string literal opening at src[i].
// A quote is escaped by doubling it; in E'…' strings also by a backslash.
func skipString(src string, i int, backslashEscapes bool) (int, error) {
	for i++; i < len(src); i++ {
		switch src[i] {
		case '\\':
			if backslashEscapes {
				i++
			}
		case '\'':
			if i+1 < len(src) && src[i+1] == '\'' {
				i++
				continue
			}
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated quoted string")
}

func skipQuotedIdent(src string, i int) (int, error) {
	for i++; i < len(src); i++ {
		if src[i] == '"' {
			if i+1 < len(src) && src[i+1] == '"' {
				i++
				continue
			}
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated quoted identifier")
}

// skipDollarQuote handles $$…$$ and $tag$…$tag$. ok is false when the text at
// i is not a dollar-quote opener after all (e.g. "$a" with no closing "$").
func skipDollarQuote(src string, i int) (end int, ok bool, err error) {
	j := i + 1
	for j < len(src) && src[j] != '$' {
		if !isIdentCont(src[j]) || src[j] == '$' {
			return 0, false, nil
		}
		j++
	}
	if j >= len(src) {
		return 0, false, nil
	}
	tag := src[i : j+1]
	closing := strings.Index(src[j+1:], tag)
	if closing < 0 {
		return 0, false, fmt.Errorf("unterminated dollar-quoted string %s", tag)
	}
	return j + 1 + closing + len(tag), true, nil
}

func skipNumber(src string, i int) int {
	for i < len(src) && (isDigit(src[i]) || src[i] == '.' || src[i] == '_') {
		i++
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			i = j
			for i < len(src) && isDigit(src[i]) {
				i++
			}
		}
	}
	return i
}
