package logstoretest

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

const (
	// startupTimeout bounds how long a client may take to authenticate, so
	// a stray connection does not hold a goroutine forever.
	startupTimeout = time.Minute
	// flushEvery is how many relayed rows are buffered before a write.
	flushEvery = 128
	// maxMessageBytes bounds one client message.
	maxMessageBytes = 256 << 20
	// serverVersion is what clients see as the server version; psql and
	// libpq parse the leading number.
	serverVersion = "14.0 (LogStore emulator)"
)

// errQuiet ends a connection that has already told its client why.
var errQuiet = errors.New("connection closed")

// backendIOError reports that the backend session failed mid-statement; the
// connection cannot continue.
type backendIOError struct{ err error }

func (e *backendIOError) Error() string { return "backing PostgreSQL session failed: " + e.err.Error() }
func (e *backendIOError) Unwrap() error { return e.err }

// clientConn is one client connection and its own backend session. Only its
// serve goroutine uses it, except for abort, busy, pid, secret and
// backendPID, which Close and CancelRequest read.
type clientConn struct {
	srv  *Server
	raw  net.Conn          // the TCP connection
	conn net.Conn          // raw, or its TLS upgrade
	be   *pgproto3.Backend // speaks to the client

	pid        uint32  // the process ID the client sees; set by Server.register
	secret     [4]byte // its cancel key
	backendPID uint32  // the PostgreSQL session's process ID
	busy       atomic.Bool

	fe       *pgproto3.Frontend // speaks to the backend session
	txStatus byte               // of the backend session, for ReadyForQuery

	mu sync.Mutex // guards pg
	pg net.Conn   // the backend session's connection
}

func (c *clientConn) serve() {
	s := c.srv
	defer s.wg.Done()
	defer s.forget(c)
	defer c.closeBackend()
	defer func() { c.conn.Close() }() // the field when serve ends: it may have become TLS
	err := c.startup()
	if err == nil {
		err = c.loop()
	}
	if err != nil && !errors.Is(err, errQuiet) && !errors.Is(err, io.EOF) &&
		!errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, net.ErrClosed) {
		s.cfg.Logf("logstoretest: client %s: %v", c.raw.RemoteAddr(), err)
	}
}

// abort closes both connections from another goroutine, which ends serve.
func (c *clientConn) abort() {
	c.raw.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pg != nil {
		closeRaw(c.pg)
	}
}

// closeRaw closes the TCP connection under a TLS one: closing the TLS layer
// would first try to write, and may wait for a peer that does not read.
func closeRaw(nc net.Conn) {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	nc.Close()
}

// closeBackend ends the backend session.
func (c *clientConn) closeBackend() {
	c.mu.Lock()
	pg := c.pg
	c.pg = nil
	c.mu.Unlock()
	if pg == nil {
		return
	}
	_ = pg.SetWriteDeadline(time.Now().Add(time.Second))
	c.fe.Send(&pgproto3.Terminate{})
	_ = c.fe.Flush()
	closeRaw(pg)
}

func (c *clientConn) secretMatches(key []byte) bool {
	return subtle.ConstantTimeCompare(c.secret[:], key) == 1
}

// startup runs the connection's startup phase: TLS negotiation, MD5
// authentication with the AccessKey pair, the project check and the backend
// session.
func (c *clientConn) startup() error {
	s := c.srv
	_ = c.raw.SetDeadline(time.Now().Add(startupTimeout))
	c.be = pgproto3.NewBackend(c.conn, c.conn)
	c.be.SetMaxBodyLen(maxMessageBytes)
	for {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			return fmt.Errorf("read startup message: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if c.conn != c.raw {
				return errors.New("SSLRequest on a connection that already uses TLS")
			}
			if s.cfg.TLS == nil {
				if _, err := c.raw.Write([]byte{'N'}); err != nil {
					return fmt.Errorf("answer SSLRequest: %w", err)
				}
				continue
			}
			if _, err := c.raw.Write([]byte{'S'}); err != nil {
				return fmt.Errorf("answer SSLRequest: %w", err)
			}
			tc := tls.Server(c.raw, s.cfg.TLS)
			if err := tc.Handshake(); err != nil {
				return fmt.Errorf("TLS handshake: %w", err)
			}
			c.conn = tc
			c.be = pgproto3.NewBackend(tc, tc)
			c.be.SetMaxBodyLen(maxMessageBytes)
		case *pgproto3.GSSEncRequest:
			if _, err := c.raw.Write([]byte{'N'}); err != nil {
				return fmt.Errorf("answer GSSENCRequest: %w", err)
			}
		case *pgproto3.CancelRequest:
			s.cancelQuery(m.ProcessID, m.SecretKey)
			return errQuiet
		case *pgproto3.StartupMessage:
			if err := c.accept(m); err != nil {
				return err
			}
			return c.raw.SetDeadline(time.Time{})
		default:
			return fmt.Errorf("unexpected startup message %T", msg)
		}
	}
}

// accept authenticates the client of m and opens its backend session.
func (c *clientConn) accept(m *pgproto3.StartupMessage) error {
	s := c.srv
	user := m.Parameters["user"]
	database := m.Parameters["database"]
	if database == "" {
		database = user
	}
	var unknownOptions []string
	for k := range m.Parameters {
		if strings.HasPrefix(k, "_pq_.") {
			unknownOptions = append(unknownOptions, k)
		}
	}
	if m.ProtocolVersion != pgproto3.ProtocolVersion30 || len(unknownOptions) > 0 {
		// This server speaks protocol 3.0 and no protocol extensions.
		slices.Sort(unknownOptions)
		c.be.Send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unknownOptions})
	}
	if s.cfg.RequireTLS && c.conn == c.raw {
		return c.fatal(codeInvalidAuthSpec, "logstore: this server accepts only TLS connections; connect with sslmode=require")
	}

	var salt [4]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return fmt.Errorf("make an MD5 salt: %w", err)
	}
	c.be.Send(&pgproto3.AuthenticationMD5Password{Salt: salt})
	if err := c.be.Flush(); err != nil {
		return fmt.Errorf("ask for the password: %w", err)
	}
	if err := c.be.SetAuthType(pgproto3.AuthTypeMD5Password); err != nil {
		return err
	}
	msg, err := c.be.Receive()
	if err != nil {
		return fmt.Errorf("read the password: %w", err)
	}
	pw, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return c.fatal(codeProtocolViolation, fmt.Sprintf("logstore emulator: expected a password message, got %T", msg))
	}
	want := md5Password(s.cfg.AccessKeyID, s.cfg.AccessKeySecret, salt)
	if user != s.cfg.AccessKeyID || subtle.ConstantTimeCompare([]byte(pw.Password), []byte(want)) != 1 {
		return c.fatal(codeInvalidPassword, fmt.Sprintf(
			"logstore: the AccessKey pair was rejected for AccessKeyID %q; connect with the AccessKeyID as user and the AccessKeySecret as password", user))
	}
	if database != s.cfg.Project {
		return c.fatal(codeInvalidCatalogName, fmt.Sprintf(
			"logstore: project %q does not exist; connect to database %q, the SLS project", database, s.cfg.Project))
	}
	if err := c.connectBackend(); err != nil {
		return c.fatal(codeConnectionFailure, "logstore emulator: cannot open a session on the backing PostgreSQL: "+err.Error())
	}
	if _, err := rand.Read(c.secret[:]); err != nil {
		return fmt.Errorf("make a cancel key: %w", err)
	}
	if !s.register(c) {
		return c.fatal(codeConnectionFailure, "logstore emulator: the server is shutting down")
	}

	c.be.Send(&pgproto3.AuthenticationOk{})
	for _, p := range [][2]string{
		{"server_version", serverVersion},
		{"server_encoding", "UTF8"},
		{"client_encoding", "UTF8"},
		{"standard_conforming_strings", "on"},
		{"DateStyle", "ISO, MDY"},
		{"IntervalStyle", "postgres"},
		{"integer_datetimes", "on"},
		{"TimeZone", "UTC"},
		{"is_superuser", "off"},
		{"session_authorization", user},
		{"application_name", m.Parameters["application_name"]},
	} {
		if v, ok := s.cfg.ServerParameters[p[0]]; ok {
			if v == "" {
				continue
			}
			p[1] = v
		}
		c.be.Send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
	}
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret[:]})
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	if err := c.be.Flush(); err != nil {
		return fmt.Errorf("finish startup: %w", err)
	}
	return nil
}

// md5Password computes the response PostgreSQL's MD5 authentication expects:
// "md5" + md5hex(md5hex(password + user) + salt).
func md5Password(user, password string, salt [4]byte) string {
	inner := md5.Sum([]byte(password + user))
	outer := md5.Sum(append([]byte(hex.EncodeToString(inner[:])), salt[:]...))
	return "md5" + hex.EncodeToString(outer[:])
}

// connectBackend opens the client's own PostgreSQL session, with the
// server's schema as search_path, and takes over its connection.
func (c *clientConn) connectBackend() error {
	s := c.srv
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	pc, err := pgconn.ConnectConfig(ctx, s.backend.Copy())
	if err != nil {
		return err
	}
	if err := pc.SyncConn(ctx); err != nil {
		pc.Close(context.Background())
		return err
	}
	hc, err := pc.Hijack()
	if err != nil {
		pc.Close(context.Background())
		return err
	}
	c.fe = pgproto3.NewFrontend(hc.Conn, hc.Conn)
	c.txStatus = hc.TxStatus
	c.mu.Lock()
	c.pg = hc.Conn
	c.mu.Unlock()
	c.backendPID = hc.PID // read by cancelQuery only after Server.register
	return nil
}

// fatal sends a FATAL error, which ends the connection, and returns an error
// for the log.
func (c *clientConn) fatal(code, msg string) error {
	c.be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg})
	_ = c.be.Flush()
	return fmt.Errorf("%w: %s", errQuiet, msg)
}

// loop serves messages after startup until the client terminates.
func (c *clientConn) loop() error {
	// After an error in the extended protocol PostgreSQL discards messages
	// until Sync; so does this server.
	skipToSync := false
	for {
		msg, err := c.be.Receive()
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			if skipToSync {
				continue
			}
			if err := c.query(m.String); err != nil {
				var bio *backendIOError
				if errors.As(err, &bio) {
					return c.fatal(codeConnectionFailure, "logstore emulator: "+err.Error())
				}
				return err
			}
		case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute, *pgproto3.Close:
			if skipToSync {
				continue
			}
			skipToSync = true
			c.sendError(extendedProtocolError(msg))
			if err := c.be.Flush(); err != nil {
				return err
			}
		case *pgproto3.Sync:
			skipToSync = false
			c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.txStatus})
			if err := c.be.Flush(); err != nil {
				return err
			}
		case *pgproto3.Flush:
			if err := c.be.Flush(); err != nil {
				return err
			}
		case *pgproto3.FunctionCall:
			c.sendError(extendedProtocolError(msg))
			c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.txStatus})
			if err := c.be.Flush(); err != nil {
				return err
			}
		case *pgproto3.Terminate:
			return nil
		case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
			// Outside COPY these are ignored, as PostgreSQL does.
		default:
			return c.fatal(codeProtocolViolation, fmt.Sprintf("logstore emulator: unexpected message %T", msg))
		}
	}
}

// extendedProtocolError is RuleSimpleQuery's error for message msg.
func extendedProtocolError(msg pgproto3.FrontendMessage) *ruleError {
	what := strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
	return refuse(RuleSimpleQuery, codeFeatureNotSupported,
		"logstore: the extended query protocol (%s: prepared statements, bind parameters) is not supported; send each statement as a simple Query with literal values (pgx: QueryExecModeSimpleProtocol)", what)
}

// sendError sends the ErrorResponse for a refused statement. Its detail names
// the emulator rule, so a test author knows which Relax bit would switch it
// off.
func (c *clientConn) sendError(re *ruleError) {
	resp := &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: re.code, Message: re.msg}
	switch {
	case re.rule == RuleSimpleQuery:
		resp.Detail = "Enforced by the emulator's rule simple-query (logstoretest.RuleSimpleQuery), which cannot be relaxed."
	case re.rule != 0:
		resp.Detail = fmt.Sprintf("Enforced by the emulator's rule %s (logstoretest.%s); relax it with Config.Relax or --relax %s.",
			re.rule, re.rule.goName(), re.rule)
	}
	c.be.Send(resp)
}

// goName returns the Go name of a single rule, such as "RuleRowCap".
func (r Rule) goName() string {
	var b strings.Builder
	b.WriteString("Rule")
	for part := range strings.SplitSeq(r.name(), "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// query runs one Query message.
func (c *clientConn) query(sql string) error {
	stmts, err := classify(sql, c.srv.enforce)
	switch {
	case err != nil:
		re := asRuleError(err)
		if re == nil {
			re = &ruleError{code: codeSyntaxError, msg: "logstore: " + err.Error()}
		}
		c.srv.cfg.Logf("logstoretest: refused %q: %s", sql, re.msg)
		c.sendError(re)
	case len(stmts) == 0:
		c.be.Send(&pgproto3.EmptyQueryResponse{})
	default:
		for _, st := range stmts {
			ok, err := c.run(st)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
		}
	}
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.txStatus})
	return c.be.Flush()
}

// run runs one classified statement. ok is false if it failed (the client
// has the ErrorResponse); err is an I/O error that ends the connection.
func (c *clientConn) run(st statement) (ok bool, err error) {
	switch st.kind {
	case stmtTxIgnored:
		c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(st.tag)})
		return true, nil
	case stmtCreateTable:
		return c.createTable(st.table)
	}
	// In a failed transaction (only possible with RuleIgnoreTransactions
	// relaxed) PostgreSQL refuses everything but its end, settings included.
	if c.txStatus != 'E' {
		if ok, err := c.applySettings(st); !ok || err != nil {
			return ok, err
		}
	}
	rowCap := 0
	if st.capRows {
		rowCap = c.srv.cfg.RowCap
	}
	ok, err = c.forward(st.sql, forwardOptions{rowCap: rowCap})
	if ok && err == nil {
		c.logHiddenByWindow(st)
	}
	return ok, err
}

// applySettings tells the backend session the clock, the time window and the
// visibility delay for statement st.
func (c *clientConn) applySettings(st statement) (bool, error) {
	cfg := &c.srv.cfg
	now := cfg.Now()
	windowStart := int64(math.MinInt64)
	if st.windowed {
		windowStart = now.Add(-cfg.Window).Unix()
	}
	visibleBefore := int64(math.MaxInt64)
	if cfg.VisibilityDelay > 0 {
		visibleBefore = now.Add(-cfg.VisibilityDelay).UnixMilli()
	}
	_, pgErr, err := c.backendQuery(settingsSQL(now.Unix(), now.UnixMilli(), windowStart, visibleBefore))
	if err != nil {
		return false, err
	}
	if pgErr != nil {
		c.be.Send(pgErr)
		return false, nil
	}
	return true, nil
}

// backendQuery runs sql in the backend session for the server's own use and
// returns its rows as text and its error, if any; nothing reaches the client.
func (c *clientConn) backendQuery(sql string) ([][]string, *pgproto3.ErrorResponse, error) {
	c.fe.Send(&pgproto3.Query{String: sql})
	if err := c.fe.Flush(); err != nil {
		return nil, nil, &backendIOError{err}
	}
	var rows [][]string
	var pgErr *pgproto3.ErrorResponse
	for {
		msg, err := c.fe.Receive()
		if err != nil {
			return nil, nil, &backendIOError{err}
		}
		switch m := msg.(type) {
		case *pgproto3.DataRow:
			row := make([]string, len(m.Values))
			for i, v := range m.Values {
				row[i] = string(v)
			}
			rows = append(rows, row)
		case *pgproto3.ErrorResponse:
			e := *m
			pgErr = &e
		case *pgproto3.ReadyForQuery:
			c.txStatus = m.TxStatus
			return rows, pgErr, nil
		}
	}
}

// forwardOptions says how forward relays a result.
type forwardOptions struct {
	rowCap        int    // relay at most this many rows; 0: all
	tag           string // if set, relay no CommandComplete but answer with this tag after success
	stripPosition bool   // drop error positions, which point into text the client never sent
}

// forward runs sql in the backend session and relays the result to the
// client. ok is false if PostgreSQL answered with an error.
func (c *clientConn) forward(sql string, o forwardOptions) (ok bool, err error) {
	c.busy.Store(true)
	defer c.busy.Store(false)
	c.fe.Send(&pgproto3.Query{String: sql})
	if err := c.fe.Flush(); err != nil {
		return false, &backendIOError{err}
	}
	ok = true
	rows := 0
	for {
		msg, err := c.fe.Receive()
		if err != nil {
			return false, &backendIOError{err}
		}
		switch m := msg.(type) {
		case *pgproto3.RowDescription:
			rows = 0
			c.be.Send(m)
		case *pgproto3.DataRow:
			rows++
			if o.rowCap > 0 && rows > o.rowCap {
				continue // RuleRowCap: the rest is dropped silently
			}
			c.be.Send(m)
			if rows%flushEvery == 0 {
				if err := c.be.Flush(); err != nil {
					return false, err
				}
			}
		case *pgproto3.CommandComplete:
			switch {
			case o.tag != "":
			case o.rowCap > 0 && rows > o.rowCap:
				c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT " + strconv.Itoa(o.rowCap))})
			default:
				c.be.Send(m)
			}
		case *pgproto3.ErrorResponse:
			ok = false
			if o.stripPosition {
				e := *m
				e.Position, e.InternalPosition, e.InternalQuery = 0, 0, ""
				m = &e
			}
			c.be.Send(m)
		case *pgproto3.CopyInResponse, *pgproto3.CopyBothResponse:
			// Reachable only with RuleInsertOnly relaxed. The client is not
			// told; PostgreSQL is told to give up, and its error is relayed.
			c.fe.Send(&pgproto3.CopyFail{Message: "logstore emulator: COPY FROM STDIN is not supported"})
			if err := c.fe.Flush(); err != nil {
				return false, &backendIOError{err}
			}
		case *pgproto3.ReadyForQuery:
			c.txStatus = m.TxStatus
			if ok && o.tag != "" {
				c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(o.tag)})
			}
			return ok, nil
		default:
			c.be.Send(msg)
		}
	}
}

// createTable creates the logstore td: its table, trigger and view.
func (c *clientConn) createTable(td *tableDef) (bool, error) {
	s := c.srv
	s.createMu.Lock()
	defer s.createMu.Unlock()
	rows, pgErr, err := c.backendQuery(tableExistsSQL(s.schema, td.name))
	if err != nil {
		return false, err
	}
	if pgErr != nil {
		c.be.Send(pgErr)
		return false, nil
	}
	if len(rows) == 1 && len(rows[0]) == 1 && rows[0][0] == "t" {
		if td.ifNotExists {
			c.be.Send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: codeDuplicateTable,
				Message: fmt.Sprintf("relation %s already exists, skipping", quoteIdent(td.name))})
			c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte("CREATE TABLE")})
			return true, nil
		}
		c.be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: codeDuplicateTable,
			Message: fmt.Sprintf("relation %s already exists", quoteIdent(td.name))})
		return false, nil
	}
	var ix *Index
	if i, ok := s.cfg.Indexes[td.name]; ok {
		ix = &i
	}
	return c.forward(createTableSQL(s.schema, td, s.enforce&RuleTextStorage != 0, ix), forwardOptions{tag: "CREATE TABLE", stripPosition: true})
}
