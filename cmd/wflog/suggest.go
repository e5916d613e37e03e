package main

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/wflog/wflog/internal/dialect"
)

// nextCommand is a command line the CLI suggests running next. It repeats
// the --dsn the user gave, so that it reads the same database; a DSN that
// holds a secret is not printed: the line reads it from $WFLOG_DSN, and the
// note says what to set that to, secret redacted.
type nextCommand struct {
	line string
	note string // empty unless the line needs $WFLOG_DSN set
}

func (n nextCommand) String() string { return n.line }

// printNext prints labelled command lines, aligned, then their note once
// (they share the DSN, so they share the note).
func printNext(w io.Writer, labels []string, cmds []nextCommand) {
	width := 0
	for _, l := range labels {
		width = max(width, len(l))
	}
	note := ""
	for i, c := range cmds {
		fmt.Fprintf(w, "%-*s %s\n", width, labels[i], c.line)
		if c.note != "" {
			note = c.note
		}
	}
	if note != "" {
		fmt.Fprintf(w, "  %s\n", note)
	}
}

// next builds the command line "wflog name args…", adding dsn when --dsn
// was given on fs's command line (else $WFLOG_DSN or the default applies
// again, as it did). args are flag/value pairs (or lone
// flags); values are quoted for a POSIX shell where needed.
func next(fs *flag.FlagSet, dsn, name string, args ...string) nextCommand {
	parts := []string{"wflog", name}
	for _, arg := range args {
		parts = append(parts, shellQuote(arg))
	}
	var n nextCommand
	if isSet(fs, "dsn") {
		if redacted := dialect.Redact(dsn); hasSecret(dsn, redacted) {
			parts = append(parts, "--dsn", `"$WFLOG_DSN"`)
			n.note = "(with WFLOG_DSN set to the --dsn given, " + shellQuote(redacted) + " with its secret in place of xxxxx; the secret is not printed)"
		} else {
			parts = append(parts, "--dsn", shellQuote(dsn))
		}
	}
	n.line = strings.Join(parts, " ")
	return n
}

// hasSecret reports whether dsn holds a password or AccessKey secret: its
// redacted form differs, or dsn already says xxxxx where a secret goes.
func hasSecret(dsn, redacted string) bool {
	return redacted != dsn || strings.Contains(dsn, "xxxxx")
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes s for a POSIX shell unless it needs no quotes.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
