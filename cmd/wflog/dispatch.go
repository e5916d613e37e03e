package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// route reads what comes before the command: help, global flags, a
// misspelled command. It returns the arguments with the command first and
// any global flag moved after it (wflog --dsn X demo runs as wflog demo
// --dsn X), or done with the exit status when there is nothing to run.
// Help goes to stdout and exits 0; mistakes go to stderr and exit 2.
func (a *app) route(args []string) (out []string, code int, done bool) {
	var global []string
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		arg := args[0]
		if arg == "--" {
			args = args[1:]
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		switch name {
		case "h", "help":
			a.usage(a.stdout)
			return nil, 0, true
		case "dsn":
			if !hasValue {
				if len(args) < 2 {
					fmt.Fprintln(a.stderr, "wflog: flag needs an argument: --dsn")
					return nil, 2, true
				}
				value, args = args[1], args[1:]
			}
			global = append(global, "--dsn="+value)
			args = args[1:]
			continue
		}
		// A command's own flag before the command: say where it goes. Its
		// value is not repeated: it may be a secret.
		if hasValue {
			arg = arg[:strings.IndexByte(arg, '=')] + "=…"
		}
		arg = echo(arg)
		if editDistance(strings.ToLower(name), "dsn") == 1 {
			fmt.Fprintf(a.stderr, "wflog: unknown flag %s; did you mean --dsn?\n", arg)
		} else if c, ok := firstCommand(args[1:]); ok {
			fmt.Fprintf(a.stderr, "wflog: %s goes after the command (only --dsn may come before it), as in\n  wflog %s %s …\n", arg, c, arg)
		} else {
			fmt.Fprintf(a.stderr, "wflog: unknown flag %s: the only flag before the command is --dsn\n\n", arg)
			a.usage(a.stderr)
		}
		return nil, 2, true
	}
	if len(args) == 0 {
		if len(global) > 0 {
			fmt.Fprintln(a.stderr, "wflog: --dsn given, but no command")
		}
		a.usage(a.stderr)
		return nil, 2, true
	}
	name := args[0]
	if name == "help" {
		if len(args) > 1 {
			if _, ok := lookup(args[1]); ok {
				return []string{args[1], "--help"}, 0, false
			}
			a.unknown(args[1])
			return nil, 2, true
		}
		a.usage(a.stdout)
		return nil, 0, true
	}
	if _, ok := lookup(name); !ok {
		a.unknown(name)
		return nil, 2, true
	}
	return append(append([]string{name}, global...), args[1:]...), 0, false
}

// unknown reports an unknown command, with the nearest ones.
func (a *app) unknown(name string) {
	fmt.Fprintf(a.stderr, "wflog: unknown command %q", echo(name))
	if near := nearest(name); len(near) > 0 {
		fmt.Fprintf(a.stderr, "; did you mean %s?", strings.Join(near, " or "))
	}
	fmt.Fprintf(a.stderr, "\nCommands: %s. Run wflog --help for more.\n", strings.Join(commandNames(), ", "))
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

// firstCommand finds the first argument that names a command.
func firstCommand(args []string) (string, bool) {
	for _, arg := range args {
		if _, ok := lookup(arg); ok {
			return arg, true
		}
	}
	return "", false
}

// nearest returns the commands name is probably a misspelling of: the ones
// it is a prefix of (or that are a prefix of it), else those within two
// edits, ignoring case.
func nearest(name string) []string {
	if len(name) > maxEcho {
		return nil // far longer than any command
	}
	n := strings.ToLower(name)
	var prefix, close []string
	best := 3
	for _, c := range commandNames() {
		if n != "" && (strings.HasPrefix(c, n) || strings.HasPrefix(n, c)) {
			prefix = append(prefix, c)
		}
		switch d := editDistance(n, c); {
		case d < best:
			best, close = d, []string{c}
		case d == best:
			close = append(close, c)
		}
	}
	if len(prefix) > 0 {
		return prefix
	}
	if best > len(n)/2 {
		return nil // too far from anything to be a typo of it
	}
	return close
}

// editDistance is the Damerau–Levenshtein distance of a and b (optimal
// string alignment: an adjacent swap counts as one edit).
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// usageOutput is a command's flag-set output: stderr, where the flag
// package reports mistakes, except while --help is being answered, which
// goes to stdout.
type usageOutput struct {
	stdout, stderr io.Writer
	help           bool
}

func (u *usageOutput) Write(p []byte) (int, error) {
	if u.help {
		return u.stdout.Write(p)
	}
	return u.stderr.Write(p)
}

// printHelp prints fs's usage to stdout, for --help.
func printHelp(fs *flag.FlagSet) {
	if u, ok := fs.Output().(*usageOutput); ok {
		u.help = true
		defer func() { u.help = false }()
	}
	fs.Usage()
}

// bound is a flag's value and the least it may be.
type bound struct {
	flag     string
	value    int
	least    int
	sentence string // optional: why, or what the least means
}

// atLeast reports the first flag below its bound, with fs's usage, as a
// usage error.
func (a *app) atLeast(fs *flag.FlagSet, bounds ...bound) error {
	for _, b := range bounds {
		if b.value < b.least {
			fmt.Fprintf(a.stderr, "--%s %d: want at least %d", b.flag, b.value, b.least)
			if b.sentence != "" {
				fmt.Fprintf(a.stderr, " (%s)", b.sentence)
			}
			fmt.Fprintln(a.stderr)
			fs.Usage()
			return errUsage
		}
	}
	return nil
}
