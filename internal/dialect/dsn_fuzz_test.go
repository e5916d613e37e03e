package dialect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/wflog/wflog/internal/secrettest"
)

// dsnOutputs is everything this package prints about dsn.
func dsnOutputs(dsn string) string {
	var b strings.Builder
	b.WriteString(Redact(dsn))
	cfg, err := Parse(dsn)
	if err != nil {
		b.WriteString(err.Error())
		return b.String()
	}
	j, _ := json.Marshal(cfg)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "cfg", cfg)
	fmt.Fprintf(&b, "%v %+v %#v %s %s %s", cfg, cfg, cfg, cfg, j, logged.String())
	b.WriteString(cfg.Scrub(errors.New("lower layer says " + cfg.ConnString)).Error())
	return b.String()
}

// FuzzDSNSecret: no output of Parse, Redact, Config's formats or Scrub
// shows a DSN's secret, whatever the DSN looks like.
func FuzzDSNSecret(f *testing.F) {
	for _, s := range secrettest.Seeds {
		for _, scheme := range append(secrettest.Schemes, "sqlite3") {
			f.Add(scheme, s[0], s[1], "host"+s[2])
		}
	}
	f.Fuzz(func(t *testing.T, scheme, user, secret, rest string) {
		dsn := scheme + "://" + user + ":" + secret + "@" + rest
		control := scheme + "://" + user + ":" + secrettest.Control(secret) + "@" + rest
		if out := dsnOutputs(dsn); secrettest.Leaks(out, dsnOutputs(control), secret) {
			t.Errorf("DSN %q: output shows the secret %q:\n%s", dsn, secret, out)
		}
	})
}

// FuzzKeyValueSecret: the same for libpq's key/value DSNs, the password
// plain or quoted. The user name is a plain word: a user value with quotes
// or spaces can make the "password" part of the user name by the DSN's own
// grammar, which is no secret to find (redaction still catches the
// password= inside it; TestRedactKeyValue has such cases).
func FuzzKeyValueSecret(f *testing.F) {
	for _, s := range secrettest.Seeds {
		f.Add(s[0], s[1], "dbname=app sslmode=disable", false)
		f.Add(s[0], s[1], "", true)
	}
	f.Fuzz(func(t *testing.T, user, secret, rest string, quoted bool) {
		if user == "" || strings.ContainsAny(user, " \t\n\r\f\v'\\=") {
			return
		}
		build := func(secret string) string {
			if quoted {
				secret = "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(secret) + "'"
			}
			return "host=h user=" + user + " password=" + secret + " " + rest
		}
		if out := dsnOutputs(build(secret)); secrettest.Leaks(out, dsnOutputs(build(secrettest.Control(secret))), secret) {
			t.Errorf("DSN %q: output shows the secret %q:\n%s", build(secret), secret, out)
		}
	})
}
