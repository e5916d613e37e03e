package logstoretest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"
)

// Defaults for the zero values of Config's fields.
const (
	DefaultListen          = "127.0.0.1:0"
	DefaultAccessKeyID     = "test-access-key-id"
	DefaultAccessKeySecret = "test-access-key-secret"
	DefaultProject         = "wflog"
	DefaultWindow          = 15 * time.Minute
	DefaultRowCap          = 100
)

// DefaultBackend is the PostgreSQL DSN New uses when the environment variable
// named by BackendEnv is unset: the local server's DefaultDatabase, which
// Start creates when it is missing.
const DefaultBackend = "postgres://postgres@127.0.0.1:5432/wflog_test?sslmode=disable"

// BackendEnv names the environment variable that holds the backing
// PostgreSQL DSN for New and for cmd/logstore-emulator.
const BackendEnv = "WFLOG_TEST_DATABASE_URL"

// Config configures a Server. The zero value of every field but Backend is
// usable, and the zero Config enforces every Rule.
type Config struct {
	// Backend is the DSN of the PostgreSQL that stores the data. The server
	// creates a schema of its own there and drops it on Close.
	Backend string

	// Listen is the TCP address to listen on; default "127.0.0.1:0", a free
	// port (see Server.Addr).
	Listen string

	// AccessKeyID and AccessKeySecret are the only credentials accepted:
	// the PostgreSQL user and password, checked with MD5 password
	// authentication like LogStore does. Defaults "test-access-key-id" and
	// "test-access-key-secret".
	AccessKeyID     string
	AccessKeySecret string

	// Project is the database name clients must ask for, as LogStore takes
	// the SLS project as the database; default "wflog".
	Project string

	// TLS, if set, makes the server answer SSLRequest with 'S' and upgrade
	// the connection; nil serves plaintext only. See SelfSignedTLS.
	TLS *tls.Config

	// RequireTLS refuses connections that did not upgrade to TLS. It needs
	// TLS.
	RequireTLS bool

	// Window is how far back a statement that never mentions __time__ can
	// see (RuleTimeWindow); default 15 minutes.
	Window time.Duration

	// RowCap is how many rows a top-level SELECT without LIMIT returns at
	// most (RuleRowCap); default 100.
	RowCap int

	// VisibilityDelay hides rows younger than it from every statement, like
	// LogStore's indexing delay; 0 turns it off.
	VisibilityDelay time.Duration

	// Now is the clock that stamps __time__ on insert and that the window
	// and the visibility delay are measured against; default time.Now.
	// Tests move it to age rows.
	Now func() time.Time

	// Indexes is each logstore's field index, by logstore name, as SLS's
	// CreateIndex takes it (see Index and RuleTextStorage); nil means
	// DefaultIndexes, wflog's. A logstore with no entry is typed by its
	// CREATE TABLE, with analytics on and no text length limit.
	Indexes map[string]Index

	// ServerParameters replace the run-time parameters the server reports
	// at startup (standard_conforming_strings, client_encoding, …); an empty
	// value leaves the parameter out. For testing clients against an
	// endpoint that reports otherwise.
	ServerParameters map[string]string

	// Relax lists the rules to switch off. RuleSimpleQuery cannot be
	// relaxed.
	Relax Rule

	// Logf, if set, receives diagnostics such as connections refused,
	// client I/O errors, and how many rows the time window hid from a read
	// that does not mention __time__ (counting them costs a query per read).
	Logf func(format string, args ...any)
}

// withDefaults returns c with defaults filled in, or an error naming the
// first invalid field.
func (c Config) withDefaults() (Config, error) {
	if c.Backend == "" {
		return c, fmt.Errorf("logstoretest: Config.Backend is empty; set it to a PostgreSQL DSN such as %s", DefaultBackend)
	}
	if c.Relax&^allRules != 0 {
		return c, fmt.Errorf("logstoretest: Config.Relax holds unknown rule bits %#x", uint32(c.Relax&^allRules))
	}
	if c.Relax&RuleSimpleQuery != 0 {
		return c, errors.New("logstoretest: RuleSimpleQuery cannot be relaxed: the other rules judge each statement's text as it runs, which the extended protocol splits across messages; send simple Query messages (pgx: QueryExecModeSimpleProtocol)")
	}
	if c.RequireTLS && c.TLS == nil {
		return c, errors.New("logstoretest: Config.RequireTLS needs Config.TLS (see SelfSignedTLS)")
	}
	if c.Window < 0 || c.VisibilityDelay < 0 || c.RowCap < 0 {
		return c, fmt.Errorf("logstoretest: Config.Window (%v), Config.VisibilityDelay (%v) and Config.RowCap (%d) must not be negative", c.Window, c.VisibilityDelay, c.RowCap)
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.AccessKeyID == "" {
		c.AccessKeyID = DefaultAccessKeyID
	}
	if c.AccessKeySecret == "" {
		c.AccessKeySecret = DefaultAccessKeySecret
	}
	if c.Project == "" {
		c.Project = DefaultProject
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.RowCap == 0 {
		c.RowCap = DefaultRowCap
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Indexes == nil {
		c.Indexes = DefaultIndexes()
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c, nil
}

// keywordPassword matches password=… in a keyword/value DSN.
var keywordPassword = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// RedactDSN returns dsn with its password replaced by "xxxxx", for messages.
func RedactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.Host != "" {
		return u.Redacted()
	}
	return keywordPassword.ReplaceAllString(dsn, "${1}xxxxx")
}
