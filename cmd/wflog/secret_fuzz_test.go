package main

import (
	"bytes"
	"context"
	"net"
	"testing"

	"github.com/wflog/wflog/internal/secrettest"
)

// FuzzCLISecret: the CLI's errors and help never show the secret of a DSN
// given with --dsn or in $WFLOG_DSN. The host is a closed loopback port.
func FuzzCLISecret(f *testing.F) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	for i, s := range secrettest.Seeds {
		f.Add(i%2 == 0, s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, postgres bool, user, secret string) {
		scheme := "logstore"
		if postgres {
			scheme = "postgres"
		}
		output := func(secret string) string {
			dsn := scheme + "://" + user + ":" + secret + "@" + addr + "/db?sslmode=disable&connect_timeout=1"
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
