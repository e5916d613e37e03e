package wflog_test

import (
	"net"
	"testing"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/secrettest"
)

// FuzzOpenSecret: Open's errors never show the DSN's secret, for every
// scheme. The host is
// always a closed loopback port (the fuzzed parts cannot move it: an '@',
// '/', '?' or '#' in them makes the DSN invalid instead), so every call
// fails fast without leaving the machine.
func FuzzOpenSecret(f *testing.F) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	tails := []string{"/db?sslmode=disable&connect_timeout=1", "/project?sslmode=disable", "/project", "/db?sslmode=require"}
	for i, s := range secrettest.Seeds {
		for j := range secrettest.Schemes {
			f.Add(uint8(j), s[0], s[1], uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, schemeIndex uint8, user, secret string, tail uint8) {
		// A sqlite:// DSN's path starts with the user info and holds
		// "@127.0.0.1:PORT" as a directory that never exists: Open fails
		// without creating a file.
		scheme := secrettest.Schemes[int(schemeIndex)%len(secrettest.Schemes)]
		open := func(secret string) string {
			db, err := wflog.Open(scheme + "://" + user + ":" + secret + "@" + addr + tails[int(tail)%len(tails)])
			if err == nil {
				closeGorm(db)
				t.Fatalf("Open succeeded against a closed port")
			}
			return err.Error()
		}
		if out := open(secret); secrettest.Leaks(out, open(secrettest.Control(secret)), secret) {
			t.Errorf("Open's error shows the secret %q:\n%s", secret, out)
		}
	})
}
