package dialect

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Key/value DSNs — host=db user=u password=secret dbname=app, libpq's
// connection string form, which GORM's documentation uses — are read for
// PostgreSQL: keys and values separated by '=' (spaces around it allowed),
// pairs by white space, a value in single quotes when it holds spaces, with
// \' and \\ inside. LogStore DSNs are URLs only.

// kvPair is one key=value of a key/value DSN, with where its value lies in
// the DSN as written (quotes included), so that redaction can replace it in
// place.
type kvPair struct {
	key, value string
	start, end int // the value's bytes in the DSN
}

// looksKeyValue reports whether dsn is meant as a key/value DSN: no scheme,
// and it starts with a key and '='.
func looksKeyValue(dsn string) bool {
	if strings.Contains(dsn, "://") {
		return false
	}
	s := strings.TrimLeft(dsn, " \t\n\r")
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > 0 && s[i] >= '0' && s[i] <= '9') {
		i++
	}
	return i > 0 && strings.HasPrefix(strings.TrimLeft(s[i:], " \t\n\r"), "=")
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// scanKeyValue splits a key/value DSN into its pairs. On a malformed DSN it
// returns the pairs read so far, the offset where reading stopped, and an
// error that never quotes a value.
func scanKeyValue(dsn string) (pairs []kvPair, stop int, err error) {
	i := 0
	for {
		for i < len(dsn) && isSpace(dsn[i]) {
			i++
		}
		if i == len(dsn) {
			return pairs, i, nil
		}
		keyStart := i
		for i < len(dsn) && dsn[i] != '=' && !isSpace(dsn[i]) {
			i++
		}
		key := dsn[keyStart:i]
		for i < len(dsn) && isSpace(dsn[i]) {
			i++
		}
		if key == "" || i == len(dsn) || dsn[i] != '=' {
			return pairs, keyStart, fmt.Errorf("key/value DSN: want key=value pairs separated by spaces; the word at byte %d has no '='", keyStart)
		}
		i++ // '='
		for i < len(dsn) && isSpace(dsn[i]) {
			i++
		}
		start := i
		var v strings.Builder
		if i < len(dsn) && dsn[i] == '\'' {
			i++
			closed := false
			for i < len(dsn) {
				c := dsn[i]
				if c == '\\' && i+1 < len(dsn) {
					v.WriteByte(dsn[i+1])
					i += 2
					continue
				}
				i++
				if c == '\'' {
					closed = true
					break
				}
				v.WriteByte(c)
			}
			if !closed {
				return pairs, keyStart, fmt.Errorf("key/value DSN: the quoted value of %s has no closing quote", truncate(key, 40))
			}
		} else {
			for i < len(dsn) && !isSpace(dsn[i]) {
				if dsn[i] == '\\' && i+1 < len(dsn) {
					i++
				}
				v.WriteByte(dsn[i])
				i++
			}
		}
		pairs = append(pairs, kvPair{key: key, value: v.String(), start: start, end: i})
	}
}

// isSecretKey reports whether a key's value is a secret: password,
// sslpassword and the like.
func isSecretKey(key string) bool { return strings.Contains(strings.ToLower(key), "password") }

// redactKeyValue returns a key/value DSN with every secret value replaced
// by xxxxx in place; past a point it cannot read, it falls back to the
// password= rule of Redact.
func redactKeyValue(dsn string) string {
	pairs, stop, err := scanKeyValue(dsn)
	if err != nil {
		// Malformed: the words after a password may be the rest of it (an
		// unquoted password with spaces). When in doubt, everything from
		// the first password's value on goes.
		for _, p := range pairs {
			if isSecretKey(p.key) {
				return dsn[:p.start] + redactedSecret
			}
		}
		if j := passwordValue(dsn); j >= 0 {
			return dsn[:j] + redactedSecret
		}
	}
	var b strings.Builder
	at := 0
	for _, p := range pairs {
		if isSecretKey(p.key) {
			b.WriteString(dsn[at:p.start])
			b.WriteString(redactedSecret)
			at = p.end
		}
	}
	if stop < at {
		stop = at
	}
	b.WriteString(dsn[at:stop])
	b.WriteString(dsn[stop:])
	// And any password= inside another value ("user= password=x" makes
	// "password=x" the user name): when in doubt, redact.
	return redactParams(b.String())
}

// passwordValue returns where the value of the first "password =" (any
// case, spaces allowed around '=') starts, or -1.
func passwordValue(dsn string) int {
	lower := asciiLower(dsn)
	for from := 0; ; {
		i := strings.Index(lower[from:], "password")
		if i < 0 {
			return -1
		}
		j := from + i + len("password")
		for j < len(dsn) && isSpace(dsn[j]) {
			j++
		}
		if j < len(dsn) && dsn[j] == '=' {
			return j + 1
		}
		from = from + i + 1
	}
}

// quoteKeyValue writes a value for a key/value connection string, quoted
// only when it must be: gorm.io/driver/postgres reads TimeZone's value as
// written, quotes included (see gormTimeZone).
func quoteKeyValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r\f\v'\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// parseKeyValue reads a key/value DSN as a PostgreSQL Config: max_conns
// and connect_timeout as in a URL, a key given twice refused, the rest
// passed to pgx, TimeZone first (see gormTimeZone).
func parseKeyValue(dsn string) (Config, error) {
	pairs, _, err := scanKeyValue(dsn)
	if err != nil {
		return Config{}, dsnError(dsn, err.Error())
	}
	if len(pairs) == 0 {
		return Config{}, dsnError(dsn, "empty")
	}
	q := url.Values{}
	var order []string
	for _, p := range pairs {
		q.Add(p.key, p.value)
		if len(q[p.key]) == 1 {
			order = append(order, p.key)
		}
	}
	if repeated := repeatedKeys(order, func(k string) int { return len(q[k]) }); len(repeated) > 0 {
		return Config{}, dsnError(dsn, fmt.Sprintf("key %s given more than once; give each key once", strings.Join(repeated, ", ")))
	}
	cfg := Config{Backend: PostgreSQL, redacted: Redact(dsn)}
	if cfg.MaxConns, err = intParam(q, paramMaxConns, 0); err != nil {
		return Config{}, dsnError(dsn, err.Error())
	}
	hadTimeout := q.Has(paramConnectTimeout)
	if cfg.ConnectTimeout, err = connectTimeout(q); err != nil {
		return Config{}, dsnError(dsn, err.Error())
	}
	if !hadTimeout {
		order = append(order, paramConnectTimeout)
	}
	order, hasZone := timeZoneFirst(order, q)
	var conn []string
	for _, k := range order {
		if k == paramMaxConns {
			continue
		}
		v := q.Get(k)
		switch {
		case k == paramTimeZone:
			if err := checkTimeZone(k, v, quoteKeyValue(v)); err != nil {
				return Config{}, dsnError(dsn, err.Error())
			}
		case hasZone:
			// TimeZone comes first: gorm.io/driver/postgres reads no further.
		case strings.EqualFold(k, "options"):
			v = escapeOptionEquals(v)
		}
		pair := k + "=" + quoteKeyValue(v)
		if !hasZone && gormTimeZone.MatchString(pair) {
			// Where nothing can be escaped: say so rather than connect
			// with a piece of this value (a password, say) as the zone.
			return Config{}, dsnError(dsn, fmt.Sprintf("key %s: its key or value holds text gorm.io/driver/postgres would read as the time zone; set the zone with TimeZone=, or use a postgres:// URL", truncate(k, 40)))
		}
		conn = append(conn, pair)
		// A value that holds "password=" ("user= password=x" makes it the
		// user name) may be a secret too: when in doubt, scrub it.
		if len(v) >= 3 && (isSecretKey(k) || strings.Contains(asciiLower(v), "password")) {
			cfg.secrets = append(cfg.secrets, v, quoteKeyValue(v))
		}
	}
	cfg.ConnString = strings.Join(conn, " ")
	sort.Slice(cfg.secrets, func(i, j int) bool { return len(cfg.secrets[i]) > len(cfg.secrets[j]) })
	return cfg, nil
}
