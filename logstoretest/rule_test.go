package logstoretest

import (
	"strings"
	"testing"
)

func TestRuleString(t *testing.T) {
	tests := map[Rule]string{
		0:                                     "none",
		RuleRowCap:                            "row-cap",
		RuleTimeWindow | RuleRowCap:           "row-cap,time-window",
		RuleSimpleQuery | RuleSingleStatement: "simple-query,single-statement",
		RuleNoPositions << 1:                  "rule(0x800)",
	}
	for r, want := range tests {
		if got := r.String(); got != want {
			t.Errorf("Rule(%#x).String() = %q, want %q", uint32(r), got, want)
		}
	}
}

func TestParseRuleRoundTrip(t *testing.T) {
	for bit := Rule(1); bit&allRules != 0; bit <<= 1 {
		for _, spelling := range []string{bit.String(), strings.ToUpper(bit.String()), bit.goName()} {
			got, err := ParseRule(spelling)
			if err != nil || got != bit {
				t.Errorf("ParseRule(%q) = %v, %v; want %v", spelling, got, err, bit)
			}
		}
	}
	all, err := ParseRule(allRules.String())
	if err != nil || all != allRules {
		t.Errorf("ParseRule(%q) = %v, %v; want every rule", allRules.String(), all, err)
	}
}

func TestParseRule(t *testing.T) {
	tests := []struct {
		in   string
		want Rule
	}{
		{"", 0},
		{"none", 0},
		{" row-cap , time-window ,", RuleRowCap | RuleTimeWindow},
		{"RuleLimitSyntax,limit_syntax", RuleLimitSyntax},
	}
	for _, tt := range tests {
		got, err := ParseRule(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseRule(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	_, err := ParseRule("row-cap,rowcaps")
	if err == nil || !strings.Contains(err.Error(), `unknown rule "rowcaps"`) || !strings.Contains(err.Error(), "time-window") {
		t.Errorf("ParseRule of an unknown name: error %v, want one naming it and listing the known rules", err)
	}
}

func TestRuleNames(t *testing.T) {
	names := RuleNames()
	if len(names) != 11 || names[0] != "simple-query" || names[10] != "no-positions" {
		t.Errorf("RuleNames() = %q", names)
	}
}
