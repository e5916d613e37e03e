package dialect

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Config is a parsed DSN. Its String, GoString, LogValue and MarshalJSON
// methods show the DSN with its secret redacted, so a Config can be printed,
// logged (log/slog) or marshalled without leaking it.
type Config struct {
	Backend Backend

	// ConnString is what pgx connects with: our own parameters removed, the
	// logstore:// scheme rewritten, connect_timeout set. It contains the
	// secret: never log it (the Config's own methods never show it).
	ConnString string

	// BatchSize is LogStore's batch=N: rows per INSERT statement (default 1).
	BatchSize int

	// MaxConns is max_conns=N: the pool's open-connection limit. LogStore
	// defaults to 15, its limit of concurrent analytic queries per project;
	// PostgreSQL to 0, no limit.
	MaxConns int

	// ConnectTimeout bounds each new connection: dialing, the TLS handshake
	// and authentication (connect_timeout=SECONDS in the DSN; default
	// DefaultConnectTimeout; 0 means no bound).
	ConnectTimeout time.Duration

	// Path is a SQLite DSN's database file, or ":memory:".
	Path string

	redacted string
	secrets  []string // the secret as written and decoded, for Scrub
}

func (c Config) String() string { return c.redacted }

// GoString keeps %#v from printing ConnString.
func (c Config) GoString() string {
	return fmt.Sprintf("dialect.Config{Backend: %v, DSN: %q, BatchSize: %d, MaxConns: %d, ConnectTimeout: %v}", c.Backend, c.redacted, c.BatchSize, c.MaxConns, c.ConnectTimeout)
}

// LogValue makes log/slog show the Config without its secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("backend", c.Backend.String()),
		slog.String("dsn", c.redacted),
		slog.Int("batch_size", c.BatchSize),
		slog.Int("max_conns", c.MaxConns),
		slog.Duration("connect_timeout", c.ConnectTimeout),
	)
}

// MarshalJSON makes encoding/json show the Config without its secret.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Backend        string `json:"backend"`
		DSN            string `json:"dsn"`
		BatchSize      int    `json:"batch_size"`
		MaxConns       int    `json:"max_conns"`
		ConnectTimeout string `json:"connect_timeout"`
	}{c.Backend.String(), c.redacted, c.BatchSize, c.MaxConns, c.ConnectTimeout.String()})
}

// Scrub returns err with every occurrence of the Config's secret in its
// message replaced by xxxxx: for errors from layers below (pgx) whose
// messages wflog does not control. The result wraps err for errors.Is and
// errors.As; only its message differs.
func (c Config) Scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	scrubbed := scrubText(msg, c.secrets)
	if scrubbed == msg {
		return err
	}
	return &scrubbedError{msg: scrubbed, err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

func scrubText(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redactedSecret)
		}
	}
	return s
}

// DefaultConnectTimeout bounds a new connection (dial, TLS handshake,
// authentication) when the DSN has no connect_timeout: a server that accepts
// and never answers would otherwise hold Open, and every call that needs a
// new connection, forever.
const DefaultConnectTimeout = 10 * time.Second

// DefaultLogStoreMaxConns is LogStore's limit of concurrent analytic queries
// per project, used as the pool size unless max_conns says otherwise.
const DefaultLogStoreMaxConns = 15

// Parameters wflog reads from a DSN and removes before pgx sees it.
const (
	paramBatch          = "batch"
	paramMaxConns       = "max_conns"
	paramConnectTimeout = "connect_timeout"
)

// logStoreParams are the connection parameters a logstore:// DSN may carry.
// Anything else is refused: LogStore would receive it as a startup parameter.
var logStoreParams = map[string]bool{
	"sslmode": true, "sslrootcert": true, "sslcert": true, "sslkey": true,
	"sslsni": true, "connect_timeout": true, paramBatch: true, paramMaxConns: true,
}

// Parse reads a DSN:
//
//	postgres://user:pass@host:5432/db?sslmode=disable     (postgresql:// too)
//	host=db user=u password=pass dbname=app sslmode=disable (PostgreSQL, libpq's key/value form)
//	logstore://AK_ID:AK_SECRET@endpoint[:5432]/PROJECT    (sls:// too)
//	sqlite:///var/lib/app/wflog.db, sqlite://wflog.db     (a file; sqlite3:// too)
//	sqlite://:memory:                                     (one connection's memory)
//
// LogStore DSNs use TLS unless sslmode=disable (sslmode=require skips
// certificate checks; the default is verify-full) and accept batch=N (rows
// per INSERT, default 1) and max_conns=N. Both take connect_timeout=SECONDS
// (default DefaultConnectTimeout). A parameter given twice is an error:
// libraries disagree on which copy wins (sslmode=verify-full&sslmode=disable
// would pass a check of the first and connect in plaintext with the last).
// An '@' anywhere but between the user info and the host is an error too, so
// that where the secret ends is never a matter of interpretation. Errors name
// the problem and show the DSN with its secret redacted.
func Parse(dsn string) (Config, error) {
	if looksKeyValue(dsn) {
		return parseKeyValue(dsn)
	}
	scheme, rest, ok := strings.Cut(dsn, "://")
	if s := strings.ToLower(scheme); ok && (s == "sqlite" || s == "sqlite3") {
		return parseSQLite(dsn)
	}
	if !ok || !validScheme(scheme) {
		return Config{}, dsnError(dsn, "want a URL such as postgres://user@host/db or logstore://AK_ID:AK_SECRET@endpoint/project")
	}
	// url.Parse ends the authority at the first / ? or #, and the user info
	// at the last @ before it; Redact (which must not depend on url.Parse
	// understanding the DSN) treats everything up to the last @ as user info.
	// Refuse the DSNs where the two readings differ.
	if at := strings.LastIndexByte(rest, '@'); at >= 0 && strings.ContainsAny(rest[:at], "/?#") {
		return Config{}, dsnError(dsn, "'@' after the host, or '/ ? #' in the user name or secret: characters such as / + = @ : # ? in the user name or secret must be percent-encoded (%2F %2B %3D %40 %3A %23 %3F), and an @ elsewhere as %40")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Parse's message quotes pieces of the URL, which may be pieces
		// of an unescaped secret, so it is not repeated.
		return Config{}, dsnError(dsn, "not a valid URL; characters such as / + = @ : # ? in the user name or secret must be percent-encoded (%2F %2B %3D %40 %3A %23 %3F)")
	}
	if u.Fragment != "" || strings.Contains(rest, "#") {
		return Config{}, dsnError(dsn, "a '#' is not part of a DSN: percent-encode it as %23")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Config{}, dsnError(dsn, "the parameters after '?' are not valid key=value pairs joined by &")
	}
	keys := queryKeys(u.RawQuery)
	if repeated := repeatedKeys(keys, func(k string) int { return len(q[k]) }); len(repeated) > 0 {
		return Config{}, dsnError(dsn, fmt.Sprintf("parameter %s given more than once; give each parameter once", strings.Join(repeated, ", ")))
	}
	var cfg Config
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		cfg, err = parsePostgres(dsn, u, q, keys)
	case "logstore", "sls":
		cfg, err = parseLogStore(dsn, u, q)
	default:
		return Config{}, dsnError(dsn, fmt.Sprintf("unknown scheme %q: want postgres, postgresql, logstore, sls or sqlite", truncate(scheme, 20)))
	}
	if err != nil {
		return Config{}, err
	}
	cfg.secrets = secretsOf(u, q)
	return cfg, nil
}

// validScheme is RFC 3986's scheme syntax; anything else before :// is not
// a scheme, and may be a piece of a secret.
func validScheme(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return true
}

// secretsOf lists the forms of the DSN's secrets that could show up in a
// message from a lower layer: as decoded, and as written.
func secretsOf(u *url.URL, q url.Values) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 3 {
			out = append(out, s)
		}
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			add(pw)
			add(url.QueryEscape(pw))
			add(url.PathEscape(pw))
			_, written, _ := strings.Cut(url.UserPassword("", pw).String(), ":")
			add(strings.ReplaceAll(written, "=", "%3D")) // as the connection string has it
		}
	}
	for k, vs := range q {
		if strings.Contains(strings.ToLower(k), "password") {
			for _, v := range vs {
				add(v)
				add(url.QueryEscape(v))
				add(queryEscape(v))
			}
		}
	}
	// Longest first, so a secret that contains another is replaced whole.
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// connectTimeout reads connect_timeout (whole seconds, as libpq and pgx
// take it) and sets the default when the DSN has none.
func connectTimeout(q url.Values) (time.Duration, error) {
	s := q.Get(paramConnectTimeout)
	if s == "" {
		q.Set(paramConnectTimeout, strconv.Itoa(int(DefaultConnectTimeout/time.Second)))
		return DefaultConnectTimeout, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 24*3600 {
		return 0, fmt.Errorf("%s=%s: want whole seconds from 0 (no bound) to 86400", paramConnectTimeout, truncate(s, 20))
	}
	return time.Duration(n) * time.Second, nil
}

// parsePostgres reads a postgres:// URL. Its connection string keeps the
// parameters in the order written, with TimeZone first, and escapes only
// what url.ParseQuery would misread, so that gorm.io/driver/postgres finds
// the time zone pgx reads (see gormTimeZone); url.Values.Encode would write
// Asia/Shanghai as Asia%2FShanghai, and "-c a=b" as "-c+a%3Db", which pgx
// reads back but PostgreSQL receives with the '+'.
func parsePostgres(dsn string, u *url.URL, q url.Values, keys []string) (Config, error) {
	cfg := Config{Backend: PostgreSQL, redacted: Redact(dsn)}
	n, err := intParam(q, paramMaxConns, 0)
	if err != nil {
		return Config{}, dsnError(dsn, err.Error())
	}
	cfg.MaxConns = n
	if !q.Has(paramConnectTimeout) {
		keys = append(keys, paramConnectTimeout)
	}
	if cfg.ConnectTimeout, err = connectTimeout(q); err != nil {
		return Config{}, dsnError(dsn, err.Error())
	}
	keys, hasZone := timeZoneFirst(keys, q)
	var query []string
	for _, k := range keys {
		if k == paramMaxConns {
			continue
		}
		v := q.Get(k)
		if k == paramTimeZone {
			if err := checkTimeZone(k, v, queryEscape(v)); err != nil {
				return Config{}, dsnError(dsn, err.Error())
			}
		} else if !hasZone && gormTimeZone.MatchString(k+"=") {
			return Config{}, dsnError(dsn, fmt.Sprintf("parameter %s: gorm.io/driver/postgres would read it as the time zone; set the zone with TimeZone=", truncate(k, 40)))
		}
		query = append(query, queryEscape(k)+"="+queryEscape(v))
	}
	// The user info and path keep no '=' either (pgx unescapes both).
	var b strings.Builder
	b.WriteString(u.Scheme + "://")
	if u.User != nil {
		b.WriteString(strings.ReplaceAll(u.User.String(), "=", "%3D") + "@")
	}
	b.WriteString(u.Host)
	b.WriteString(strings.ReplaceAll(u.EscapedPath(), "=", "%3D"))
	if len(query) > 0 {
		b.WriteString("?" + strings.Join(query, "&"))
	}
	cfg.ConnString = b.String()
	return cfg, nil
}

func parseLogStore(dsn string, u *url.URL, q url.Values) (Config, error) {
	cfg := Config{Backend: LogStore, redacted: Redact(dsn)}
	if u.User == nil || u.User.Username() == "" {
		return Config{}, dsnError(dsn, "missing AccessKey ID: write logstore://AK_ID:AK_SECRET@endpoint/project")
	}
	secret, ok := u.User.Password()
	if !ok || secret == "" {
		return Config{}, dsnError(dsn, "missing AccessKey secret: write logstore://AK_ID:AK_SECRET@endpoint/project")
	}
	host := u.Hostname()
	if host == "" {
		return Config{}, dsnError(dsn, "missing endpoint host, e.g. cn-hangzhou.log.aliyuncs.com")
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	} else if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return Config{}, dsnError(dsn, fmt.Sprintf("invalid port %q", truncate(port, 20)))
	}
	project := strings.Trim(u.Path, "/")
	if project == "" || strings.Contains(project, "/") {
		return Config{}, dsnError(dsn, "want exactly one path segment, the SLS project: logstore://AK_ID:AK_SECRET@endpoint/project")
	}
	var unknown []string
	for k := range q {
		if !logStoreParams[k] {
			unknown = append(unknown, truncate(k, 40))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		known := make([]string, 0, len(logStoreParams))
		for k := range logStoreParams {
			known = append(known, k)
		}
		sort.Strings(known)
		return Config{}, dsnError(dsn, fmt.Sprintf("unknown parameter %s (a logstore DSN accepts %s)", strings.Join(unknown, ", "), strings.Join(known, ", ")))
	}
	switch mode := q.Get("sslmode"); mode {
	case "":
		q.Set("sslmode", "verify-full")
	case "disable", "require", "verify-ca", "verify-full":
	default:
		return Config{}, dsnError(dsn, fmt.Sprintf("sslmode=%s: LogStore DSNs take disable, require, verify-ca or verify-full (no silent fallback to plaintext)", truncate(mode, 20)))
	}
	var err error
	if cfg.BatchSize, err = intParam(q, paramBatch, 1); err != nil {
		return Config{}, dsnError(dsn, err.Error())
	}
	if cfg.BatchSize < 1 {
		return Config{}, dsnError(dsn, "batch must be at least 1")
	}
	if cfg.MaxConns, err = intParam(q, paramMaxConns, DefaultLogStoreMaxConns); err != nil {
		return Config{}, dsnError(dsn, err.Error())
	}
	if cfg.ConnectTimeout, err = connectTimeout(q); err != nil {
		return Config{}, dsnError(dsn, err.Error())
	}
	q.Del(paramBatch)
	q.Del(paramMaxConns)
	pg := url.URL{
		Scheme:   "postgresql",
		User:     url.UserPassword(u.User.Username(), secret),
		Host:     net.JoinHostPort(host, port),
		Path:     "/" + project,
		RawQuery: q.Encode(),
	}
	cfg.ConnString = pg.String()
	return cfg, nil
}

func intParam(q url.Values, name string, def int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%s: want a non-negative integer", name, truncate(s, 20))
	}
	return n, nil
}

// truncate shortens s to at most n bytes (on a rune boundary) for an error
// message, saying how much was left out: messages never echo unbounded input.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:cut], len(s))
}

func dsnError(dsn, problem string) error {
	return fmt.Errorf("wflog: invalid DSN %s: %s", truncate(Redact(dsn), 300), problem)
}

const redactedSecret = "xxxxx"

// Redact returns dsn with its secret replaced by xxxxx, for logs and
// errors. It does not depend on the DSN being a valid URL: everything
// between the scheme's :// (the start, when there is no valid scheme) and
// the last '@' is user info, of which only a plain user name before the
// first ':' is kept; and the value of every parameter whose name ends in
// password= goes too (key=value DSNs included).
func Redact(dsn string) string {
	if looksKeyValue(dsn) {
		return redactKeyValue(dsn)
	}
	out := dsn
	start := 0
	if scheme, _, ok := strings.Cut(out, "://"); ok && validScheme(scheme) {
		start = len(scheme) + 3
	}
	if at := strings.LastIndexByte(out[start:], '@'); at >= 0 {
		user := out[start : start+at]
		name, _, hasSecret := strings.Cut(user, ":")
		switch {
		case !hasSecret && plainUser(name):
			// no secret: a user name only
		case hasSecret && plainUser(name):
			user = name + ":" + redactedSecret
		default:
			user = redactedSecret
		}
		out = out[:start] + user + out[start+at:]
	}
	return redactParams(out)
}

// plainUser reports whether s can only be a user name: nothing that could
// be a separator a secret was mistaken for.
func plainUser(s string) bool {
	return !strings.ContainsAny(s, "/?#@:&= \t\n'\"")
}

// redactParams replaces the value of every password= (sslpassword=, …)
// parameter, up to the next '&' or white space, or the closing quote of a
// quoted value.
func redactParams(s string) string {
	var b strings.Builder
	lower := asciiLower(s) // same length as s, unlike strings.ToLower on invalid UTF-8
	const key = "password="
	for {
		i := strings.Index(lower, key)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+len(key)])
		s, lower = s[i+len(key):], lower[i+len(key):]
		// Key/value DSNs allow spaces after '=': keep them, redact the value.
		sp := 0
		for sp < len(s) && (s[sp] == ' ' || s[sp] == '\t') {
			sp++
		}
		b.WriteString(s[:sp])
		b.WriteString(redactedSecret)
		s, lower = s[sp:], lower[sp:]
		end := len(s)
		if s != "" && (s[0] == '\'' || s[0] == '"') {
			if j := strings.IndexByte(s[1:], s[0]); j >= 0 {
				end = j + 2
			}
		} else if j := strings.IndexAny(s, "& \t\n"); j >= 0 {
			end = j
		}
		s, lower = s[end:], lower[end:]
	}
}

// asciiLower lower-cases ASCII letters only, so that byte offsets in the
// result are offsets in s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
