package main

import (
	"strings"
	"testing"
)

// TestStatsDays: --days outside 1…36500 is a usage error, not a query for
// the year −2,735,881 or for nothing.
func TestStatsDays(t *testing.T) {
	owner := commandArgs("stats", "")
	for days, want := range map[string]string{"-5": "want at least 1", "0": "want at least 1", "1000000000": "want at most 36500"} {
		code, _, errOut := run(t, nil, append(append([]string{"stats"}, owner...), "--days", days)...)
		if code != 2 || !strings.Contains(errOut, "--days "+days+": "+want) {
			t.Errorf("--days %s: exit %d\n%s", days, code, errOut)
		}
	}
}
