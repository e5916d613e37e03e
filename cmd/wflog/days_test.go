package main

import (
	"strings"
	"testing"
)

// TestStatsDays: --days outside 1…36500 is a usage error, not a query for
// the year −2,735,881 or for nothing.
func TestStatsDays(t *testing.T) {
	owner := commandArgs("stats", "")
	for _, days := range []string{"-5", "0", "1000000000"} {
		code, _, errOut := run(t, nil, append(append([]string{"stats"}, owner...), "--days", days)...)
		if code != 2 || !strings.Contains(errOut, "--days "+days+": want 1 to 36500") {
			t.Errorf("--days %s: exit %d\n%s", days, code, errOut)
		}
	}
}
