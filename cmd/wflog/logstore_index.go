package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/wflog/wflog"
)

// runLogStoreIndex prints the field index each of wflog's logstores needs,
// as SLS's CreateIndex API and the console's JSON editor take it, and how
// to apply it.
func runLogStoreIndex(_ context.Context, a *app, args []string) error {
	// --dsn is accepted, as before any command, but not used or listed.
	fs, _ := a.flags("logstore-index", "[--json] [--out DIR]")
	asJSON := fs.Bool("json", false, "print one JSON object {logstore: index}, as logstore-emulator --index-config reads it")
	out := fs.String("out", "", "also write each index to `DIR`/<logstore>.index.json (DIR is created if missing)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wflog logstore-index [--json] [--out DIR]\n\nIt prints, and connects to no database.\n\nFlags:\n")
		printDefaultsExcept(fs, "dsn")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
	}
	indexes := wflog.LogStoreIndexes()
	if *asJSON {
		body, err := marshal(indexes)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(a.stdout, "%s\n", body)
		return err
	}
	names := make([]string, 0, len(indexes))
	for n := range indexes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		body, err := marshal(indexes[n])
		if err != nil {
			return err
		}
		if *out != "" {
			path := filepath.Join(*out, n+".index.json")
			if err := os.WriteFile(path, append(body, '\n'), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "wrote %s\n", path)
		}
		fmt.Fprintf(a.stdout, "== logstore %s: field index (CreateIndex request body)\n%s\n\n", n, body)
	}
	fmt.Fprintf(a.stdout, `How to apply it (the SQL endpoint cannot: its DDL sets no index):

1. Create the logstores %s
   in the SLS project (console, or the CreateLogStore API). Set their
   retention: rows expire by TTL, never by DELETE.
2. Give each logstore the field index above:
   - API: CreateIndex (POST /logstores/<logstore>/index) with the JSON as body,
     or UpdateIndex if the logstore already has one;
   - console: the logstore's query and analysis (index) settings: add every
     field with the type shown and analytics (statistics) on, and set the
     maximum statistics field length to %d.
   Types matter: version, index, total_tokens, total_steps and exceptions_count
   must be long and elapsed_time double, or the SQL wflog sends sorts and
   compares wrongly. An index change applies to logs written after it;
   reindex older logs in the console.
3. Verify: wflog check --dsn logstore://AK_ID:AK_SECRET@ENDPOINT/PROJECT
   (wflog.Migrate runs the same check and fails unless it passes).

Steps 1–2 follow Alibaba Cloud's documentation and have not been run
against a live endpoint by wflog's tests; the emulator takes the same JSON
(go run ./cmd/logstore-emulator --index-config FILE, FILE from --json).
`, joinNames(names), wflog.LogStoreMaxTextLen)
	return nil
}

// printDefaultsExcept prints fs's flags as fs.PrintDefaults does, leaving
// out the one named skip.
func printDefaultsExcept(fs *flag.FlagSet, skip string) {
	shown := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	shown.SetOutput(fs.Output())
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != skip {
			shown.Var(f.Value, f.Name, f.Usage)
			shown.Lookup(f.Name).DefValue = f.DefValue
		}
	})
	shown.PrintDefaults()
}

// marshal is indented JSON without HTML escaping: the tokens < > & stay
// readable, as the console shows them.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += " and "
		}
		s += n
	}
	return s
}
