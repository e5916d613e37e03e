package wflog_test

import (
	"strings"
	"testing"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/logstoretest"
)

// TestOpenPlaintextEmulatorHint: asking TLS of the plaintext emulator
// fails with the advice to add sslmode=disable, and without the secret.
func TestOpenPlaintextEmulatorHint(t *testing.T) {
	srv := logstoretest.New(t)
	dsn := strings.Replace(srv.DSN(), "sslmode=disable", "sslmode=require", 1)
	if dsn == srv.DSN() {
		t.Fatalf("the emulator's DSN %s has no sslmode=disable to replace", srv.DSN())
	}
	_, err := wflog.Open(dsn)
	if err == nil || !strings.Contains(err.Error(), "add sslmode=disable to the DSN") || strings.Contains(err.Error(), logstoretest.DefaultAccessKeySecret) {
		t.Errorf("Open with TLS against the plaintext emulator: %v", err)
	}
}
