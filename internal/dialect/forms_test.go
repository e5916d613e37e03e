package dialect

import (
	"strings"
	"testing"
	"time"

	"gorm.io/gorm/clause"
)

func TestEachDay(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	pg := New(Config{Backend: PostgreSQL})
	// 2026-11-01 is 25 hours long in New York (daylight saving ends); the
	// range starts and ends mid-day, so the first and last day are clipped.
	from := time.Date(2026, 10, 31, 12, 0, 0, 0, ny)
	to := time.Date(2026, 11, 2, 6, 30, 0, 250_000, ny)
	days, ok := pg.EachDay(ny, from, to)
	if !ok {
		t.Fatal("EachDay: not applicable to a bounded PostgreSQL range")
	}
	expr, isExpr := days.From.(clause.Expr)
	if !isExpr || len(expr.Vars) != 3 {
		t.Fatalf("From = %#v, want a clause.Expr with three arrays", days.From)
	}
	want := []string{
		`{"2026-10-31T16:00:00Z","2026-11-01T04:00:00Z","2026-11-02T05:00:00Z"}`,
		`{"2026-11-01T04:00:00Z","2026-11-02T05:00:00Z","2026-11-02T11:30:00.00025Z"}`,
		`{2026-10-31,2026-11-01,2026-11-02}`,
	}
	for i, name := range []string{"lo", "hi", "day"} {
		if got := expr.Vars[i]; got != want[i] {
			t.Errorf("%s = %v, want %v", name, got, want[i])
		}
	}
	if !strings.Contains(expr.SQL, "AS "+EachDayAlias+" (lo, hi, day)") {
		t.Errorf("From SQL = %q, want the alias %s (lo, hi, day)", expr.SQL, EachDayAlias)
	}

	// A range that ends on a midnight has no empty last day.
	if days, _ := pg.EachDay(time.UTC, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)); days.From.(clause.Expr).Vars[2] != "{2026-01-01,2026-01-02}" {
		t.Errorf("days of [Jan 1, Jan 3) = %v, want two", days.From.(clause.Expr).Vars[2])
	}

	ls := New(Config{Backend: LogStore})
	notApplicable := []struct {
		name     string
		d        *Dialect
		from, to time.Time
	}{
		{"LogStore", ls, from, to},
		{"open start", pg, time.Time{}, to},
		{"open end", pg, from, time.Time{}},
		{"empty", pg, to, to},
		{"reversed", pg, to, from},
		{"over ten years", pg, from, from.AddDate(11, 0, 0)},
	}
	for _, c := range notApplicable {
		if _, ok := c.d.EachDay(ny, c.from, c.to); ok {
			t.Errorf("%s: EachDay applies, want group by Day instead", c.name)
		}
	}
}
