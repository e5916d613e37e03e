package main

import (
	"bytes"
	"context"
	"net"
	"testing"

	"github.com/wflog/wflog/internal/secrettest"
)

// FuzzCLISecret: the CLI's errors and help never show the secret of a DSN
// given with --dsn or in $WFLOG_DSN, for every scheme. The host is a closed
// loopback port.
func FuzzCLISecret(f *testing.F) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	for _, s := range secrettest.Seeds {
		for j := range secrettest.Schemes {
			f.Add(uint8(j), s[0], s[1])
		}
	}
	f.Fuzz(func(t *testing.T, schemeIndex uint8, user, secret string) {
		scheme := secrettest.Schemes[int(schemeIndex)%len(secrettest.Schemes)]
		tail := "/db?sslmode=disable&connect_timeout=1"
		if scheme == "sqlite" {
			// The path starts with the user info and has "@127.0.0.1:PORT"
			// as a directory that never exists: opening fails, creating
			// nothing.
			tail = "/wflog-fuzz.db"
		}
		output := func(secret string) string {
			dsn := scheme + "://" + user + ":" + secret + "@" + addr + tail
			var out bytes.Buffer
			env := map[string]string{"WFLOG_DSN": dsn}
			for _, args := range [][]string{{"migrate", "--help"}, {"runs", "--help"}, {"migrate"}, {"migrate", "--dsn", dsn}, {"runs", "--dsn", dsn}, {"--help"}} {
				a := &app{stdout: &out, stderr: &out, getenv: func(k string) string { return env[k] }}
				a.main(context.Background(), args)
			}
			return out.String()
		}
		if out := output(secret); secrettest.Leaks(out, output(secrettest.Control(secret)), secret) {
			t.Errorf("the CLI shows the secret %q:\n%s", secret, out)
		}
	})
}
