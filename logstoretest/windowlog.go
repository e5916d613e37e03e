package logstoretest

import (
	"strconv"
	"strings"
)

// logHiddenByWindow tells Config.Logf, when one was given, how many rows of
// the tables st reads the time window hid from it: st never mentions
// __time__, so rows received longer than Config.Window ago did not reach
// it — the rows that go missing on LogStore without an error. It counts
// against the session's settings for st, so it sees the window st saw.
// Only reads are looked at; a failed count is logged, never sent.
func (c *clientConn) logHiddenByWindow(st statement) {
	if !c.srv.verbose || !st.windowed || c.txStatus == 'E' {
		return
	}
	toks, err := lex(st.sql)
	if err != nil || len(toks) == 0 || !toks[0].is("select") && !toks[0].is("with") {
		return
	}
	var names []string
	seen := map[string]bool{}
	for _, t := range toks {
		if (t.kind == tokWord || t.kind == tokQuotedIdent) && !seen[t.norm] {
			seen[t.norm] = true
			names = append(names, quoteLiteral(t.norm))
		}
	}
	// The logstores among the statement's words: views over a __rows table.
	rows, pgErr, err := c.backendQuery("SELECT v.relname FROM pg_class v JOIN pg_class r ON r.relnamespace = v.relnamespace AND r.relname = v.relname || " + quoteLiteral(rowsSuffix) +
		" WHERE v.relnamespace = current_schema()::regnamespace AND v.relkind = 'v' AND v.relname IN (" + strings.Join(names, ", ") + ") ORDER BY 1")
	if err != nil || pgErr != nil || len(rows) == 0 {
		return
	}
	var counts []string
	for _, r := range rows {
		counts = append(counts, "SELECT "+quoteLiteral(r[0])+", count(*) FROM "+quoteIdent(r[0]+rowsSuffix)+
			" WHERE "+timeColumn+" < COALESCE(NULLIF(current_setting('"+settingWindow+"', true), '')::bigint, '-9223372036854775808'::bigint)"+
			" AND "+receiveColumn+" <= COALESCE(NULLIF(current_setting('"+settingVisible+"', true), '')::bigint, '9223372036854775807'::bigint)")
	}
	hidden, pgErr, err := c.backendQuery(strings.Join(counts, " UNION ALL "))
	if err != nil || pgErr != nil {
		c.srv.cfg.Logf("logstoretest: time window: could not count the rows hidden from %q", st.sql)
		return
	}
	for _, h := range hidden {
		if n, _ := strconv.ParseInt(h[1], 10, 64); n > 0 {
			c.srv.cfg.Logf("logstoretest: time window: %d row(s) of %s older than %v were hidden from %q, which does not mention __time__",
				n, h[0], c.srv.cfg.Window, st.sql)
		}
	}
}
