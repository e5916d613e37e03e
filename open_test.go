package wflog_test

import (
	"net"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
)

// closedPort returns a local address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// TestOpenErrors: a server that does not answer is an error at Open that
// names the DSN — with the secret redacted.
func TestOpenErrors(t *testing.T) {
	addr := closedPort(t)
	for _, dsn := range []string{
		"postgres://user:hunter2@" + addr + "/db?sslmode=disable&connect_timeout=2",
		"logstore://AKID:hunter2@" + addr + "/project?sslmode=disable&connect_timeout=2",
	} {
		db, err := wflog.Open(dsn)
		if err == nil {
			_ = db
			t.Fatalf("Open(%s) succeeded with no server", dialect.Redact(dsn))
		}
		msg := err.Error()
		if strings.Contains(msg, "hunter2") {
			t.Errorf("error shows the secret: %s", msg)
		}
		if !strings.Contains(msg, "xxxxx") || !strings.Contains(msg, addr) {
			t.Errorf("error does not name the redacted DSN: %s", msg)
		}
	}
	if _, err := wflog.Open("mysql://x"); err == nil || !strings.Contains(err.Error(), "unknown scheme") {
		t.Errorf("Open(mysql://) = %v", err)
	}
}

// TestMigrateIsIdempotent: Migrate twice is fine, and the tables it creates
// have the columns the models write.
func TestMigrateIsIdempotent(t *testing.T) {
	db, _ := testdb.Open(t)
	if err := wflog.Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.Raw(`SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name IN ('workflow_runs', 'workflow_node_executions')`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 21+24 {
		t.Errorf("%d columns, want 45", n)
	}
	if err := db.Exec("SELECT 1").Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Transaction(func(tx *gorm.DB) error { return nil }); err != nil {
		t.Fatal(err)
	}
}
