package wflog_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/faults"
)

// silentDSNs are DSNs of both schemes, in plaintext and with TLS (where the
// client waits for a handshake that never comes), for a server at addr.
func silentDSNs(addr, params string) map[string]string {
	return map[string]string{
		"PostgresPlain":  "postgres://u:hunter2@" + addr + "/db?sslmode=disable" + params,
		"PostgresTLS":    "postgres://u:hunter2@" + addr + "/db?sslmode=require" + params,
		"LogStorePlain":  "logstore://AK:hunter2@" + addr + "/p?sslmode=disable" + params,
		"LogStoreVerify": "logstore://AK:hunter2@" + addr + "/p" + params,
	}
}

// TestOpenContextHonoursDeadline: against a server that accepts and never
// answers, OpenContext returns when its context is done.
func TestOpenContextHonoursDeadline(t *testing.T) {
	addr := faults.Silent(t)
	for name, dsn := range silentDSNs(addr, "") {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			db, err := wflog.OpenContext(ctx, dsn)
			elapsed := time.Since(start)
			if err == nil {
				closeGorm(db)
				t.Fatalf("OpenContext(%s) succeeded against a silent server", dialect.Redact(dsn))
			}
			if elapsed > 3*time.Second {
				t.Errorf("OpenContext took %v with a 300ms deadline", elapsed)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

// TestOpenConnectTimeout: without a context deadline, the DSN's
// connect_timeout bounds Open — and so does the default when the DSN has
// none.
func TestOpenConnectTimeout(t *testing.T) {
	addr := faults.Silent(t)
	for name, dsn := range silentDSNs(addr, "&connect_timeout=1") {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			db, err := wflog.Open(strings.Replace(dsn, "/p&", "/p?", 1))
			if err == nil {
				closeGorm(db)
				t.Fatal("Open succeeded against a silent server")
			}
			if elapsed := time.Since(start); elapsed > 4*time.Second {
				t.Errorf("Open took %v with connect_timeout=1", elapsed)
			}
		})
	}
	t.Run("Default", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		db, err := wflog.Open("logstore://AK:hunter2@" + addr + "/p")
		if err == nil {
			closeGorm(db)
			t.Fatal("Open succeeded against a silent server")
		}
		elapsed := time.Since(start)
		if elapsed < dialect.DefaultConnectTimeout-time.Second || elapsed > dialect.DefaultConnectTimeout+5*time.Second {
			t.Errorf("Open took %v; the default connect timeout is %v", elapsed, dialect.DefaultConnectTimeout)
		}
	})
}

func closeGorm(db *gorm.DB) {
	if s, err := db.DB(); err == nil {
		_ = s.Close()
	}
}
