package logstoretest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Server is a running LogStore emulator: a PostgreSQL-protocol server that
// enforces LogStore's rules in front of a schema of its own in a real
// PostgreSQL. Start or New creates one; Close stops it and drops the schema.
// Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	enforce Rule // allRules &^ cfg.Relax
	verbose bool // Config.Logf was given
	schema  string
	app     string // application_name of this server's backend sessions
	ln      net.Listener
	backend *pgconn.Config // for client sessions: search_path is the schema

	// ctx ends when Close starts, abandoning backend connections in progress.
	ctx    context.Context
	cancel context.CancelFunc

	adminMu     sync.Mutex
	admin       *pgconn.PgConn // schema setup, query cancellation, cleanup
	adminConfig *pgconn.Config

	createMu sync.Mutex // serialises CREATE TABLE so IF NOT EXISTS is exact

	mu     sync.Mutex
	conns  map[*clientConn]struct{}
	byPID  map[uint32]*clientConn // by the process ID the client was given, for CancelRequest
	closed bool
	wg     sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// Start creates the backing schema in cfg.Backend, with LogStore's date
// functions, and starts serving on cfg.Listen. ctx bounds only the setup.
// It returns a *BackendUnavailableError if the backend does not accept a
// connection, and an error naming the invalid field if cfg is invalid.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	verbose := cfg.Logf != nil
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if cfg.Backend == DefaultBackend {
		ensureDefaultDatabase(ctx)
	}
	pgcfg, err := pgconn.ParseConfig(cfg.Backend)
	if err != nil {
		return nil, fmt.Errorf("logstoretest: parse Config.Backend %s: %w", RedactDSN(cfg.Backend), err)
	}
	id, err := randomHex(8)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		enforce: allRules &^ cfg.Relax,
		verbose: verbose,
		schema:  "logstore_" + id,
		conns:   make(map[*clientConn]struct{}),
		byPID:   make(map[uint32]*clientConn),
	}
	s.app = "logstore-emulator " + s.schema

	s.adminConfig = pgcfg.Copy()
	s.adminConfig.RuntimeParams["application_name"] = s.app + " admin"
	s.adminConfig.RuntimeParams["standard_conforming_strings"] = "on"
	s.admin, err = pgconn.ConnectConfig(ctx, s.adminConfig)
	if err != nil {
		return nil, &BackendUnavailableError{DSN: RedactDSN(cfg.Backend), Err: err}
	}
	if _, err := s.admin.Exec(ctx, schemaSQL(s.schema)).ReadAll(); err != nil {
		s.admin.Close(context.Background())
		return nil, fmt.Errorf("logstoretest: create the backing schema %s in %s: %w", s.schema, RedactDSN(cfg.Backend), err)
	}

	s.backend = pgcfg.Copy()
	for k, v := range map[string]string{
		"search_path":                 s.schema,
		"application_name":            s.app,
		"TimeZone":                    "UTC",
		"DateStyle":                   "ISO, MDY",
		"IntervalStyle":               "postgres",
		"standard_conforming_strings": "on",
		"client_encoding":             "UTF8",
	} {
		s.backend.RuntimeParams[k] = v
	}

	s.ln, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		dropErr := s.dropSchema()
		return nil, errors.Join(fmt.Errorf("logstoretest: listen on %s: %w", cfg.Listen, err), dropErr)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// New starts a Server for a test and closes it in tb.Cleanup. The backend is
// $WFLOG_TEST_DATABASE_URL, or DefaultBackend when that is unset; opts may
// change any field of the Config. If the backend does not answer, New skips
// the test, or fails it when the environment variable CI is "true".
func New(tb testing.TB, opts ...func(*Config)) *Server {
	tb.Helper()
	cfg := Config{Backend: os.Getenv(BackendEnv)}
	if cfg.Backend == "" {
		cfg.Backend = DefaultBackend
	}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Start(ctx, cfg)
	if err != nil {
		var unavailable *BackendUnavailableError
		if errors.As(err, &unavailable) {
			msg := fmt.Sprintf("logstoretest: PostgreSQL is not reachable at %s (set %s, or start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`): %v",
				unavailable.DSN, BackendEnv, unavailable.Err)
			if os.Getenv("CI") == "true" {
				tb.Fatal(msg)
			}
			tb.Skip(msg)
		}
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("logstoretest: close the emulator: %v", err)
		}
	})
	return s
}

// Addr returns the address the server listens on, such as "127.0.0.1:41234".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Schema returns the name of the backing PostgreSQL schema. A logstore t is
// the view t over the table t__rows there; tests may inspect rows, or age
// them by lowering __time__ in t__rows.
func (s *Server) Schema() string { return s.schema }

// DSN returns the URL a LogStore client connects with:
// logstore://AccessKeyID:AccessKeySecret@host:port/Project?sslmode=disable,
// or sslmode=require when Config.TLS is set.
func (s *Server) DSN() string { return s.url("logstore") }

// PostgresDSN returns the same URL as DSN with the postgresql scheme, for
// psql, pgx and other PostgreSQL clients.
func (s *Server) PostgresDSN() string { return s.url("postgresql") }

func (s *Server) url(scheme string) string {
	host, port, err := net.SplitHostPort(s.Addr())
	if err != nil {
		host, port = "127.0.0.1", "0"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	mode := "disable"
	if s.cfg.TLS != nil {
		mode = "require"
	}
	u := url.URL{
		Scheme:   scheme,
		User:     url.UserPassword(s.cfg.AccessKeyID, s.cfg.AccessKeySecret),
		Host:     net.JoinHostPort(host, port),
		Path:     "/" + s.cfg.Project,
		RawQuery: "sslmode=" + mode,
	}
	return u.String()
}

// Close stops accepting connections, closes every client connection and its
// backend session, waits for them to end and drops the backing schema. It
// is safe to call more than once; later calls return the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.shutdown() })
	return s.closeErr
}

func (s *Server) shutdown() error {
	s.mu.Lock()
	s.closed = true
	conns := make([]*clientConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	s.cancel()
	var errs []error
	if err := s.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		errs = append(errs, fmt.Errorf("logstoretest: close listener: %w", err))
	}
	for _, c := range conns {
		c.abort()
	}
	// A backend session still running a query would keep its locks, and
	// DROP SCHEMA would wait for it: end every session of this server. They
	// are found by application name rather than process ID, which
	// PostgreSQL may have reused once a session ended.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	terminate := "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = " +
		quoteLiteral(s.app) + " AND pid <> pg_backend_pid()"
	if err := s.adminExec(ctx, terminate); err != nil {
		s.cfg.Logf("logstoretest: end backend sessions: %v", err)
	}
	s.wg.Wait()
	if err := s.dropSchema(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// dropSchema drops the backing schema and closes the admin connection.
func (s *Server) dropSchema() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.adminExec(ctx, "DROP SCHEMA IF EXISTS "+quoteIdent(s.schema)+" CASCADE")
	s.adminMu.Lock()
	if s.admin != nil {
		s.admin.Close(ctx)
		s.admin = nil
	}
	s.adminMu.Unlock()
	if err != nil {
		return fmt.Errorf("logstoretest: drop the backing schema %s: %w", s.schema, err)
	}
	return nil
}

// adminExec runs sql on the admin connection, reconnecting if it was lost.
func (s *Server) adminExec(ctx context.Context, sql string) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	if s.admin == nil || s.admin.IsClosed() {
		c, err := pgconn.ConnectConfig(ctx, s.adminConfig)
		if err != nil {
			return &BackendUnavailableError{DSN: RedactDSN(s.cfg.Backend), Err: err}
		}
		s.admin = c
	}
	_, err := s.admin.Exec(ctx, sql).ReadAll()
	return err
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	backoff := 5 * time.Millisecond
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if s.isClosed() {
				return
			}
			// Out of file descriptors and the like: wait and retry, as
			// net/http does.
			s.cfg.Logf("logstoretest: accept: %v; retrying in %v", err, backoff)
			time.Sleep(backoff)
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		c := &clientConn{srv: s, raw: nc, conn: nc, txStatus: 'I'}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go c.serve()
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// register gives c a process ID no other client holds, so CancelRequest can
// find it. It returns false if the server is closing.
func (s *Server) register(c *clientConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	for c.pid == 0 || s.byPID[c.pid] != nil {
		c.pid = randomUint32() & 0x7fffffff // some clients read it as a signed int32
	}
	s.byPID[c.pid] = c
	return true
}

// forget removes c from the server's books.
func (s *Server) forget(c *clientConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if s.byPID[c.pid] == c {
		delete(s.byPID, c.pid)
	}
}

// cancelQuery handles a CancelRequest: if pid and secret name a client whose
// statement is running, it cancels that statement in PostgreSQL.
func (s *Server) cancelQuery(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.byPID[pid]
	s.mu.Unlock()
	if c == nil || !c.secretMatches(secret) || !c.busy.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.adminExec(ctx, "SELECT pg_cancel_backend("+strconv.FormatUint(uint64(c.backendPID), 10)+")"); err != nil {
		s.cfg.Logf("logstoretest: cancel the statement of client %d: %v", pid, err)
	}
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("logstoretest: read random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func randomUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
