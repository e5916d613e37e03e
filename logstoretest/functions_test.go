package logstoretest_test

import (
	"fmt"
	"testing"
)

// dayBucket is the library's day-bucket expression, with the zone as a
// placeholder.
const dayBucket = "date_format(from_unixtime(to_unixtime(from_iso8601_timestamp(created_at)), '%s'), '%%Y-%%m-%%d')"

func TestDayBuckets(t *testing.T) {
	c := connect(t, newServer(t))
	execSQL(t, c, "CREATE TABLE t (created_at text)")
	tests := []struct {
		createdAt, zone, want string
	}{
		{"2026-11-26T15:59:59.999999Z", "Asia/Shanghai", "2026-11-26"},
		{"2026-11-26T16:00:00.000000Z", "Asia/Shanghai", "2026-11-27"},
		{"2026-11-26T16:00:00.000000Z", "+08:00", "2026-11-27"},
		{"2026-11-26T07:59:59.000000Z", "-08:00", "2026-11-25"},
		{"2026-11-26T16:00:00.000000Z", "UTC", "2026-11-26"},
		// America/New_York springs forward on 2026-03-08 at 07:00Z and
		// falls back on 2026-11-01 at 06:00Z. Each pair is only right if
		// the offset in force at that instant is used.
		{"2026-03-08T04:59:59.000000Z", "America/New_York", "2026-03-07"}, // 23:59:59 EST
		{"2026-03-08T05:00:00.000000Z", "America/New_York", "2026-03-08"}, // 00:00 EST
		{"2026-03-09T03:30:00.000000Z", "America/New_York", "2026-03-08"}, // 23:30 EDT
		{"2026-03-09T04:30:00.000000Z", "America/New_York", "2026-03-09"}, // 00:30 EDT; EST would say 03-08
		{"2026-11-01T04:30:00.000000Z", "America/New_York", "2026-11-01"}, // 00:30 EDT; EST would say 10-31
		{"2026-11-02T04:30:00.000000Z", "America/New_York", "2026-11-01"}, // 23:30 EST; EDT would say 11-02
		{"2026-11-02T05:00:00.000000Z", "America/New_York", "2026-11-02"}, // 00:00 EST
	}
	for _, tt := range tests {
		execSQL(t, c, "INSERT INTO t (created_at) VALUES ('"+tt.createdAt+"')")
	}
	for _, tt := range tests {
		sql := fmt.Sprintf("SELECT "+dayBucket+" FROM t WHERE __time__ > 0 AND created_at = '%s' LIMIT 1", tt.zone, tt.createdAt)
		if got := query(t, c, sql); len(got) != 1 || got[0][0] != tt.want {
			t.Errorf("day of %s in %s = %v, want %s", tt.createdAt, tt.zone, got, tt.want)
		}
	}
	// Grouping by the bucket, as a daily statistics query does.
	got := query(t, c, "SELECT "+fmt.Sprintf(dayBucket, "America/New_York")+" AS day, count(*) FROM t WHERE __time__ > 0 AND created_at LIKE '2026-03%' GROUP BY day ORDER BY day LIMIT 100")
	if fmt.Sprint(got) != "[[2026-03-07 1] [2026-03-08 2] [2026-03-09 1]]" {
		t.Errorf("March days in New York = %v", got)
	}
}

func TestDateFunctions(t *testing.T) {
	c := connect(t, newServer(t))
	execSQL(t, c, "CREATE TABLE t (ts text)")
	execSQL(t, c, "INSERT INTO t (ts) VALUES ('2026-03-05T07:08:09.123456Z')")
	tests := []struct{ expr, want string }{
		{"date_format(from_iso8601_timestamp(ts), '%Y-%m-%d %H:%i:%s.%f %% %T')", "2026-03-05 07:08:09.123456 % 07:08:09"},
		{"date_format(from_unixtime(to_unixtime(from_iso8601_timestamp(ts))), '%y %c %e %k %l %p %M %b %W %a %j %D %w')", "26 3 5 7 7 AM March Mar Thursday Thu 064 5th 4"},
		{"date_format(from_unixtime(0), '%Y%m%d%H%i%S%q')", "19700101000000q"},
		{"to_unixtime(from_iso8601_timestamp('1970-01-01T00:00:10.5Z'))", "10.5"},
		{"to_unixtime(from_iso8601_timestamp(ts))", "1772694489.123456"},
		{"from_unixtime(1772694489)", "2026-03-05 07:08:09"},
		{"from_unixtime(1772694489, 'Asia/Shanghai')", "2026-03-05 15:08:09"},
		{"from_unixtime(1772694489, '-05:30')", "2026-03-05 01:38:09"},
		{"date(from_iso8601_timestamp(ts))", "2026-03-05"},
		{"date(from_unixtime(1772694489, 'Pacific/Kiritimati'))", "2026-03-05"},
		{"date(from_unixtime(1772694489, 'Pacific/Pago_Pago'))", "2026-03-04"},
	}
	for _, tt := range tests {
		got := query(t, c, "SELECT "+tt.expr+" FROM t WHERE __time__ > 0 LIMIT 1")
		if got[0][0] != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got[0][0], tt.want)
		}
	}
}
