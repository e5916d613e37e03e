package logstoretest

import (
	"os"
	"strings"
	"testing"
)

// TestRuleCorpus: the emulator's classifier gives every statement of the
// corpus it shares with wflog's driver (testdata/logstore-rules.txt) the
// verdict it lists. The reader is this package's own, as the classifier is.
func TestRuleCorpus(t *testing.T) {
	const path = "../testdata/logstore-rules.txt"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.SplitN(l, "|", 4)
		if len(f) != 4 {
			t.Fatalf("%s:%d: want rule | driver | emulator | statement", path, i+1)
		}
		n++
		rule, want, sql := strings.TrimSpace(f[0]), strings.TrimSpace(f[2]), strings.TrimSpace(f[3])
		stmts, err := classify(sql, allRules)
		var got string
		switch {
		case err != nil:
			got = "refuse"
		case len(stmts) == 1 && stmts[0].kind == stmtTxIgnored:
			got = "ignored"
		default:
			var parts []string
			for _, st := range stmts {
				// The window matters only to a statement that reads.
				if st.windowed && strings.Contains(strings.ToUpper(st.sql), "SELECT") {
					parts = append(parts, "windowed")
				}
				if st.capRows {
					parts = append(parts, "capped")
				}
			}
			got = strings.Join(parts, ",")
			if got == "" {
				got = "ok"
			}
		}
		if got != want {
			t.Errorf("line %d (%s): the emulator says %s (%v), the corpus says %s: %s", i+1, rule, got, err, want, sql)
		}
	}
	if n < 40 {
		t.Fatalf("the corpus has %d statements", n)
	}
}
