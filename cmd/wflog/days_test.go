package main

import (
	"strings"
	"testing"
)

// TestStatsDays: --days outside 1…36500 is a usage error, not a query for
// (or, in simulate, runs written in) the year −2,735,881, or for nothing.
// simulate and stats cut days the same way, so they accept the same --days.
func TestStatsDays(t *testing.T) {
	for _, command := range []string{"stats", "simulate"} {
		owner := commandArgs(command, "")
		for days, want := range map[string]string{"-5": "want at least 1", "0": "want at least 1", "1000000000": "want at most 36500"} {
			code, _, errOut := run(t, nil, append(append([]string{command}, owner...), "--days", days)...)
			if code != 2 || !strings.Contains(errOut, "--days "+days+": "+want) {
				t.Errorf("%s --days %s: exit %d\n%s", command, days, code, errOut)
			}
		}
	}
}
