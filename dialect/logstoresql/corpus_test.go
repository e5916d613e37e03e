package logstoresql

import (
	"os"
	"strings"
	"testing"
)

// corpusLine is one statement of testdata/logstore-rules.txt.
type corpusLine struct {
	line                   int
	rule, driver, emulator string
	statement              string
}

// readCorpus reads the rule corpus the driver shares with the emulator.
func readCorpus(t *testing.T, path string) []corpusLine {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusLine
	for i, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.SplitN(l, "|", 4)
		if len(f) != 4 {
			t.Fatalf("%s:%d: want rule | driver | emulator | statement", path, i+1)
		}
		out = append(out, corpusLine{line: i + 1, rule: strings.TrimSpace(f[0]), driver: strings.TrimSpace(f[1]), emulator: strings.TrimSpace(f[2]), statement: strings.TrimSpace(f[3])})
	}
	return out
}

// TestRuleCorpus: the driver gives every statement of the shared corpus
// the verdict it lists.
func TestRuleCorpus(t *testing.T) {
	lines := readCorpus(t, "../../testdata/logstore-rules.txt")
	if len(lines) < 40 {
		t.Fatalf("the corpus has %d statements", len(lines))
	}
	for _, c := range lines {
		toks, err := lexSQL(c.statement)
		if err == nil {
			err = checkStatement(c.statement, toks)
		}
		got := "ok"
		if err != nil {
			got = "refuse"
		}
		if got != c.driver {
			t.Errorf("line %d (%s): driver says %s (%v), corpus says %s: %s", c.line, c.rule, got, err, c.driver, c.statement)
		}
	}
}
