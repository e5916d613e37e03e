package main

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/wflog/wflog/internal/dialect"
)

// nextCommand is a command line the CLI suggests running next. It repeats
// the --dsn the user gave (and --older, for runs over two tiers), so that
// it reads the same databases; a DSN that holds a secret is not printed:
// the line reads it from an environment variable ($WFLOG_DSN for --dsn),
// and a note says what to set that to, secret redacted.
type nextCommand struct {
	line  string
	notes []string // empty unless the line reads a DSN from the environment
}

func (n nextCommand) String() string { return n.line }

// printNext prints labelled command lines, aligned, then their notes once
// each (the lines share their DSNs, so they share the notes).
func printNext(w io.Writer, labels []string, cmds []nextCommand) {
	width := 0
	for _, l := range labels {
		width = max(width, len(l))
	}
	var notes []string
	for i, c := range cmds {
		fmt.Fprintf(w, "%-*s %s\n", width, labels[i], c.line)
		for _, n := range c.notes {
			if !slices.Contains(notes, n) {
				notes = append(notes, n)
			}
		}
	}
	for _, n := range notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
}

// dsnFlag is a flag holding a DSN that a suggested line repeats, and the
// environment variable the line reads it from when it holds a secret.
type dsnFlag struct {
	name, env, value string
}

// next builds the command line "wflog name args…", adding dsn when --dsn
// was given on fs's command line (else $WFLOG_DSN or the default applies
// again, as it did). args are flag/value pairs (or lone
// flags); values are quoted for a POSIX shell where needed.
func next(fs *flag.FlagSet, dsn, name string, args ...string) nextCommand {
	return nextWith(fs, []dsnFlag{{"dsn", "WFLOG_DSN", dsn}}, name, args...)
}

// nextWith is next with DSN flags of its own: each one given on fs's
// command line is repeated, as next repeats --dsn.
func nextWith(fs *flag.FlagSet, dsns []dsnFlag, name string, args ...string) nextCommand {
	parts := []string{"wflog", name}
	for _, arg := range args {
		parts = append(parts, shellQuote(arg))
	}
	var n nextCommand
	for _, d := range dsns {
		if !isSet(fs, d.name) {
			continue
		}
		if redacted := dialect.Redact(d.value); hasSecret(d.value, redacted) {
			parts = append(parts, "--"+d.name, `"$`+d.env+`"`)
			n.notes = append(n.notes, "(with "+d.env+" set to the --"+d.name+" given, "+shellQuote(redacted)+" with its secret in place of xxxxx; the secret is not printed)")
		} else {
			parts = append(parts, "--"+d.name, shellQuote(d.value))
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
