package dialect

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// gorm.io/driver/postgres does not take the session time zone from pgx's
// parsed configuration: it runs a regular expression over the connection
// string it is given (this one, from its postgres.go), sends the raw match
// as the "timezone" startup parameter, and loads it with time.LoadLocation
// to scan timestamp columns. So the connection string Parse makes must
// show that expression exactly the zone pgx reads, or nothing at all:
//
//   - the TimeZone parameter (any case) comes first, so it is the leftmost
//     match, written unquoted and unescaped;
//   - in a URL every other '=' is escaped, so no other text matches;
//   - in a key/value string nothing can be escaped, so without a TimeZone
//     parameter any other match is refused (options excepted, whose '='
//     the server reads backslash-escaped too).
var gormTimeZone = regexp.MustCompile("(time_zone|TimeZone|timezone)=")

// paramTimeZone is how the connection string spells the time zone: the
// spelling both PostgreSQL and gorm.io/driver/postgres read.
const paramTimeZone = "TimeZone"

// isTimeZoneKey reports whether a DSN parameter sets the session time zone
// (PostgreSQL's setting names ignore case).
func isTimeZoneKey(k string) bool { return strings.EqualFold(k, "timezone") }

// checkTimeZone refuses a zone gorm.io/driver/postgres would fail to load
// (it loads the zone for every new connection), and one it would read
// other than as written: written is the value as the connection string
// will show it.
func checkTimeZone(k, v, written string) error {
	if v == "" || v == "Local" {
		return fmt.Errorf("%s=%s: want a zone name such as Asia/Shanghai or UTC", truncate(k, 40), truncate(v, 40))
	}
	if _, err := time.LoadLocation(v); err != nil {
		return fmt.Errorf("%s=%s: unknown time zone; want a name from the IANA database such as Asia/Shanghai or UTC (a POSIX zone can be given as options=-c TimeZone=…)", truncate(k, 40), truncate(v, 60))
	}
	if written != v {
		return fmt.Errorf("%s=%s: in a URL this zone must be percent-encoded, which gorm.io/driver/postgres does not undo: give it in a key/value DSN (TimeZone=%s) or as options=-c TimeZone=…", truncate(k, 40), truncate(v, 60), truncate(v, 60))
	}
	return nil
}

// timeZoneFirst moves the time zone parameter, if any, to the front of
// keys (the parameters in the order the connection string will have them),
// spelled paramTimeZone in keys and q, and reports whether there was one.
func timeZoneFirst(keys []string, q url.Values) ([]string, bool) {
	for i, k := range keys {
		if isTimeZoneKey(k) {
			v := q.Get(k)
			q.Del(k)
			q.Set(paramTimeZone, v)
			out := append([]string{paramTimeZone}, keys[:i]...)
			return append(out, keys[i+1:]...), true
		}
	}
	return keys, false
}

// queryKeys lists the keys of a URL query in the order they are written,
// each once.
func queryKeys(rawQuery string) []string {
	var keys []string
	seen := map[string]bool{}
	for _, part := range strings.Split(rawQuery, "&") {
		k, _, _ := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(k); err == nil && part != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// repeatedKeys lists the keys given more than once, PostgreSQL's way of
// comparing them (ignoring case): pgx would send both spellings of
// TimeZone, and the server would pick one.
func repeatedKeys(keys []string, count func(string) int) []string {
	byName := map[string][]string{}
	var names []string
	for _, k := range keys {
		n := strings.ToLower(k)
		if byName[n] == nil {
			names = append(names, n)
		}
		byName[n] = append(byName[n], k)
	}
	var out []string
	for _, n := range names {
		if ks := byName[n]; len(ks) > 1 || count(ks[0]) > 1 {
			for i, k := range ks {
				ks[i] = truncate(k, 40)
			}
			out = append(out, strings.Join(ks, " and "))
		}
	}
	sort.Strings(out)
	return out
}

// queryEscape escapes a URL query key or value as pgx unescapes it
// (url.ParseQuery): unlike url.QueryEscape it leaves '/' and ':' as they
// are, so zone names such as Asia/Shanghai stay readable to
// gorm.io/driver/postgres, and it writes a space as %20, never '+'.
func queryEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/:,", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// escapeOptionEquals writes every '=' of a libpq options value that is not
// already backslash-escaped as "\=": the server splits options at white
// space and takes a backslash to escape the next character, so the
// setting is the same, and no "TimeZone=" is left for
// gorm.io/driver/postgres to find.
func escapeOptionEquals(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && i+1 < len(v):
			b.WriteByte(c)
			b.WriteByte(v[i+1])
			i++
		case c == '=':
			b.WriteString(`\=`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
