package dialect

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Config is a parsed DSN. Its String and GoString methods redact the secret,
// so a Config can be logged.
type Config struct {
	Backend Backend

	// ConnString is what pgx connects with: our own parameters removed, the
	// logstore:// scheme rewritten. It contains the secret: never log it.
	ConnString string

	// BatchSize is LogStore's batch=N: rows per INSERT statement (default 1).
	BatchSize int

	// MaxConns is max_conns=N: the pool's open-connection limit. LogStore
	// defaults to 15, its limit of concurrent analytic queries per project;
	// PostgreSQL to 0, no limit.
	MaxConns int

	// Path is a SQLite DSN's database file, or ":memory:".
	Path string

	redacted string
}

func (c Config) String() string { return c.redacted }

// GoString keeps %#v from printing ConnString.
func (c Config) GoString() string {
	return fmt.Sprintf("dialect.Config{Backend: %v, DSN: %q, BatchSize: %d, MaxConns: %d}", c.Backend, c.redacted, c.BatchSize, c.MaxConns)
}

// DefaultLogStoreMaxConns is LogStore's limit of concurrent analytic queries
// per project, used as the pool size unless max_conns says otherwise.
const DefaultLogStoreMaxConns = 15

// Parameters wflog reads from a DSN and removes before pgx sees it.
const (
	paramBatch    = "batch"
	paramMaxConns = "max_conns"
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
//	logstore://AK_ID:AK_SECRET@endpoint[:5432]/PROJECT    (sls:// too)
//	sqlite:///var/lib/app/wflog.db, sqlite://wflog.db     (a file; sqlite3:// too)
//	sqlite://:memory:                                     (one connection's memory)
//
// LogStore DSNs use TLS unless sslmode=disable (sslmode=require skips
// certificate checks; the default is verify-full) and accept batch=N (rows
// per INSERT, default 1) and max_conns=N. Errors name the problem and show the
// DSN with its secret redacted.
func Parse(dsn string) (Config, error) {
	scheme, _, ok := strings.Cut(dsn, "://")
	if s := strings.ToLower(scheme); s == "sqlite" || s == "sqlite3" {
		return parseSQLite(dsn)
	}
	if !ok {
		return Config{}, dsnError(dsn, "want a URL such as postgres://user@host/db or logstore://AK_ID:AK_SECRET@endpoint/project")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Parse's message quotes pieces of the URL, which may be pieces
		// of an unescaped secret, so it is not repeated.
		return Config{}, dsnError(dsn, "not a valid URL; characters such as / + = @ : # ? in the user name or secret must be percent-encoded (%2F %2B %3D %40 %3A %23 %3F)")
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		return parsePostgres(dsn, u)
	case "logstore", "sls":
		return parseLogStore(dsn, u)
	}
	return Config{}, dsnError(dsn, fmt.Sprintf("unknown scheme %q: want postgres, postgresql, logstore, sls or sqlite", scheme))
}

func parsePostgres(dsn string, u *url.URL) (Config, error) {
	cfg := Config{Backend: PostgreSQL, redacted: Redact(dsn)}
	q := u.Query()
	n, err := intParam(q, paramMaxConns, 0)
	if err != nil {
		return Config{}, dsnError(dsn, err.Error())
	}
	cfg.MaxConns = n
	q.Del(paramMaxConns)
	u.RawQuery = q.Encode()
	cfg.ConnString = u.String()
	return cfg, nil
}

func parseLogStore(dsn string, u *url.URL) (Config, error) {
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
		return Config{}, dsnError(dsn, fmt.Sprintf("invalid port %q", port))
	}
	project := strings.Trim(u.Path, "/")
	if project == "" || strings.Contains(project, "/") {
		return Config{}, dsnError(dsn, "want exactly one path segment, the SLS project: logstore://AK_ID:AK_SECRET@endpoint/project")
	}
	q := u.Query()
	var unknown []string
	for k := range q {
		if !logStoreParams[k] {
			unknown = append(unknown, k)
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
		return Config{}, dsnError(dsn, fmt.Sprintf("sslmode=%s: LogStore DSNs take disable, require, verify-ca or verify-full (no silent fallback to plaintext)", mode))
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
		return 0, fmt.Errorf("%s=%s: want a non-negative integer", name, s)
	}
	return n, nil
}

func dsnError(dsn, problem string) error {
	return fmt.Errorf("wflog: invalid DSN %s: %s", Redact(dsn), problem)
}

const redactedSecret = "xxxxx"

// Redact returns dsn with its password (the AccessKey secret, for LogStore)
// replaced by xxxxx, whether the secret is in the user info or in a password=
// parameter, and even when dsn is not a valid URL. Logs and errors show only
// this form.
func Redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), redactedSecret)
			}
		}
		if q := u.Query(); q.Has("password") {
			q.Set("password", redactedSecret)
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return redactRaw(dsn)
}

// redactRaw handles text that does not parse as a URL: everything between
// the user name and the last '@' of the authority goes, and so does the value
// of any password= parameter.
func redactRaw(dsn string) string {
	out := dsn
	if i := strings.Index(out, "://"); i >= 0 {
		rest := out[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			user := rest[:at]
			if c := strings.Index(user, ":"); c >= 0 {
				user = user[:c] + ":" + redactedSecret
			}
			out = out[:i+3] + user + rest[at:]
		}
	}
	var b strings.Builder
	for {
		i := strings.Index(strings.ToLower(out), "password=")
		if i < 0 {
			b.WriteString(out)
			break
		}
		b.WriteString(out[:i+len("password=")])
		b.WriteString(redactedSecret)
		out = out[i+len("password="):]
		end := strings.IndexAny(out, "& ")
		if end < 0 {
			out = ""
		} else {
			out = out[end:]
		}
	}
	return b.String()
}
