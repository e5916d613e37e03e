package dialect_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/logstoretest"
)

// TestSQLOpenLogStore: sql.Open("logstore", dsn) reads wflog's DSN, and the
// pool it returns checks and renders like wflog.Open's.
func TestSQLOpenLogStore(t *testing.T) {
	srv := logstoretest.New(t)
	db, err := sql.Open(dialect.DriverName, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := dialect.New(dialect.Config{Backend: dialect.LogStore}).CheckPool(db); err != nil {
		t.Errorf("CheckPool refused sql.Open(%q, …): %v", dialect.DriverName, err)
	}
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE notes (id text, body text)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO notes (id, body) VALUES ($1, $2)`, "a", `it's \' OR 1=1 --`); err != nil {
		t.Fatal(err)
	}
	var body string
	if err := db.QueryRowContext(ctx, `SELECT body FROM notes WHERE __time__ > 0 AND id = $1 LIMIT 1`, "a").Scan(&body); err != nil {
		t.Fatal(err)
	}
	if body != `it's \' OR 1=1 --` {
		t.Errorf("body = %q", body)
	}
	if _, err := db.QueryContext(ctx, `SELECT body FROM notes WHERE id = $1`, "a"); !errors.Is(err, dialect.ErrUnsupported) {
		t.Errorf("a query without __time__ and LIMIT = %v, want ErrUnsupported", err)
	}
}

func TestSQLOpenRefusesOtherDSNs(t *testing.T) {
	for _, dsn := range []string{
		"postgres://u:SECRETPW@127.0.0.1/db",
		"logstore://id@127.0.0.1/p", // no secret
		"nonsense",
	} {
		db, err := sql.Open(dialect.DriverName, dsn)
		if err == nil {
			db.Close()
			t.Errorf("sql.Open(%q) succeeded", dsn)
			continue
		}
		if strings.Contains(err.Error(), "SECRETPW") {
			t.Errorf("error shows the secret: %v", err)
		}
	}
}
