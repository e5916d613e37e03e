package logstoresql

import (
	"database/sql/driver"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TimeLayout is how the LogStore adapter writes a time: ISO-8601 in UTC with
// exactly six fractional digits. The fixed width makes the text sort and
// compare like the instant it names, and from_iso8601_timestamp parses it.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// appendLiteral renders one driver value as SQL literal text. It is the
// injection boundary of the LogStore adapter: a value that cannot be written
// so that the server reads back exactly that value is an error, never a
// mangled query.
func appendLiteral(b []byte, v driver.Value) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "NULL"...), nil
	case int64:
		if x < 0 {
			// Parenthesised so that "a-$1" never becomes the comment "a--5".
			b = append(b, '(')
			b = strconv.AppendInt(b, x, 10)
			return append(b, ')'), nil
		}
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return b, fmt.Errorf("cannot send the float %v: LogStore has no literal for NaN or infinity", x)
		}
		// Decimal, never exponent form: the text is what a double index parses.
		if x < 0 || (x == 0 && math.Signbit(x)) {
			b = append(b, '(')
			b = strconv.AppendFloat(b, x, 'f', -1, 64)
			return append(b, ')'), nil
		}
		return strconv.AppendFloat(b, x, 'f', -1, 64), nil
	case bool:
		if x {
			return append(b, "TRUE"...), nil
		}
		return append(b, "FALSE"...), nil
	case string:
		return appendString(b, x)
	case []byte:
		if x == nil {
			return append(b, "NULL"...), nil // as on PostgreSQL: nil bytes are NULL
		}
		// LogStore stores text; bytes that are valid text (JSON documents,
		// typically) are sent as text, anything else cannot be stored faithfully.
		if !utf8.Valid(x) {
			return b, fmt.Errorf("cannot send %d bytes of binary data: LogStore stores text; encode it (base64, hex) first", len(x))
		}
		return appendString(b, string(x))
	case time.Time:
		u := x.UTC()
		if y := u.Year(); y < 1 || y > 9999 {
			return b, fmt.Errorf("cannot send the time %s: year %d is outside 0001–9999", x, y)
		}
		b = append(b, '\'')
		b = u.AppendFormat(b, TimeLayout)
		return append(b, '\''), nil
	default:
		return b, fmt.Errorf("cannot send a value of type %T", v)
	}
}

// appendQuotedLiteral renders v as appendLiteral does, but numbers and
// booleans as quoted text, as Dify writes every value of an INSERT: SLS
// stores a string per field and its index types it; how the endpoint
// converts an unquoted numeric literal is undocumented.
func appendQuotedLiteral(b []byte, v driver.Value) ([]byte, error) {
	switch x := v.(type) {
	case int64:
		b = append(b, '\'')
		b = strconv.AppendInt(b, x, 10)
		return append(b, '\''), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return b, fmt.Errorf("cannot send the float %v: LogStore has no literal for NaN or infinity", x)
		}
		b = append(b, '\'')
		b = strconv.AppendFloat(b, x, 'f', -1, 64)
		return append(b, '\''), nil
	case bool:
		if x {
			return append(b, "'true'"...), nil
		}
		return append(b, "'false'"...), nil
	}
	return appendLiteral(b, v)
}

// isNull reports whether v is a NULL argument: nil, or []byte(nil).
func isNull(v driver.Value) bool {
	if v == nil {
		return true
	}
	b, ok := v.([]byte)
	return ok && b == nil
}

// appendString writes s as a standard SQL string literal: quotes doubled,
// backslashes literal (standard_conforming_strings=on, which the connection
// checks). NUL bytes and invalid UTF-8 cannot be stored as text by PostgreSQL
// or LogStore, so they are errors rather than silently altered data.
func appendString(b []byte, s string) ([]byte, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return b, fmt.Errorf("cannot send a string containing a NUL byte (at offset %d): text columns cannot store it", strings.IndexByte(s, 0))
	}
	if !utf8.ValidString(s) {
		return b, fmt.Errorf("cannot send a string that is not valid UTF-8 (%q…)", prefix(s, 20))
	}
	b = append(b, '\'')
	for {
		i := strings.IndexByte(s, '\'')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '\'')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '\''), nil
}

func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
