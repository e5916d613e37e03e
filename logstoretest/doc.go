// Package logstoretest runs an emulator of Alibaba Cloud SLS LogStore's
// PostgreSQL-protocol endpoint for tests, as net/http/httptest runs an HTTP
// server.
//
// No real LogStore endpoint is reachable from a test, and PostgreSQL itself
// forgives what LogStore does not, so a client's mistakes would go unseen:
// prepared statements, transactions LogStore silently ignores, LIMIT …
// OFFSET, queries without __time__ that silently see only recent rows, a
// missing LIMIT that silently returns 100 rows. The emulator is a
// PostgreSQL-wire server (built on pgx's pgproto3) in front of a real
// PostgreSQL that enforces those documented rules, each one a Rule that
// Config.Relax can switch off to show what breaks without it. It is a test
// double for documented behaviour, not a claim that SLS behaves exactly so.
//
// A test starts one with New, which skips the test when PostgreSQL is not
// running (and fails it when $CI is "true"):
//
//	func TestLatestRuns(t *testing.T) {
//		srv := logstoretest.New(t) // closed, and its schema dropped, in t.Cleanup
//		conn, err := pgconn.Connect(ctx, srv.PostgresDSN())
//		…
//		conn.Exec(ctx, "CREATE TABLE runs (id text, version bigint)")
//		conn.Exec(ctx, "INSERT INTO runs (id, version) VALUES ('a', 1)")
//		conn.Exec(ctx, "SELECT * FROM runs WHERE __time__ > 0 LIMIT 0, 10") // LIMIT 10 OFFSET 0 would fail
//	}
//
// The backend is $WFLOG_TEST_DATABASE_URL, or DefaultBackend. Every Server
// works in a schema of its own (Server.Schema), where a logstore t is a view
// over a table t__rows that also stores LogStore's __time__; tests may age
// rows there. cmd/logstore-emulator serves the same emulator for psql and
// other tools.
package logstoretest
