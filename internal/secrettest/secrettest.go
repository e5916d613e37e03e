// Package secrettest helps fuzz tests check that no output shows a DSN's
// secret: the DSN shapes that once leaked, and a comparison that tells a
// leak from text a message says anyway.
package secrettest

import (
	"net/url"
	"strings"
)

// Schemes are the DSN schemes the fuzzers build DSNs with: every backend,
// since the rule for a secret (everything between :// and the last '@')
// holds for all of them.
var Schemes = []string{"postgres", "logstore", "sqlite"}

// Seeds are DSN pieces that once leaked their secret: user name, secret,
// and what follows "@host" (port, path, parameters).
var Seeds = [][3]string{
	{"AK", "/SECRET", "/p"},
	{"AK", "a#SECRET", "/p"},
	{"AK", "a?SECRET", "/p"},
	{"AK", "SECRET/x", ":8080/p"},
	{"u", "123#SECRET", "/db"},
	{"AK", "S3cr3t%2F%2B%3D%40key", "/proj?sslmode=disable"},
	{"AK", "top@secret", ":5432/proj"},
	{"AK", "pwpwpw", "/p?sslmode=verify-full&sslmode=disable"},
	{"u", "hunter2", "/db?password=hunter2"},
	{"A:K", "x y z w", "/p"},
	{"u", "SECRET10", "/tmp/x.db"},
	{"u", "a?SECRET", "/x.db?max_conns=%ZZ"},
}

// Control replaces the letters and digits of secret, keeping every other
// byte, so that a DSN with it parses exactly as one with secret does while
// the secret's text is gone.
func Control(secret string) string {
	b := []byte(secret)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			b[i] = 'Q' | (c & 0x20) // Q or q, keeping case
		case '0' <= c && c <= '9':
			b[i] = '7'
		}
	}
	return string(b)
}

// Leaks reports whether out shows secret (as written, or percent-decoded)
// more often than control, the same output for the DSN with Control(secret):
// text that a message says anyway is not a leak. Secrets shorter than six
// bytes are not judged: they occur by chance.
func Leaks(out, control, secret string) bool {
	forms := []string{secret}
	if dec, err := url.PathUnescape(secret); err == nil && dec != secret {
		forms = append(forms, dec)
	}
	for _, s := range forms {
		if len(s) >= 6 && strings.Count(out, s) > strings.Count(control, s) {
			return true
		}
	}
	return false
}
