package dialect_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/testdb"
)

// TestOpenSessionSettings: DSNs that set the session time zone or pass
// options=-c … connect through wflog.Open with the meaning they have for
// psql and pgx — GORM's documented key/value DSN first — and a TimeZone
// parameter is also the zone GORM scans timestamp columns in.
func TestOpenSessionSettings(t *testing.T) {
	testdb.Admin(t) // the database exists (or the test skips, or fails under CI)
	u, err := url.Parse(testdb.URL())
	if err != nil {
		t.Fatal(err)
	}
	host, port, db := u.Hostname(), u.Port(), strings.TrimPrefix(u.Path, "/")
	if port == "" {
		port = "5432"
	}
	kv := fmt.Sprintf("host=%s user=postgres dbname=%s port=%s sslmode=disable", host, db, port)
	pg := fmt.Sprintf("postgres://postgres@%s/%s?sslmode=disable", (&url.URL{Host: u.Host}).Host, db)
	tests := []struct {
		name, dsn, setting, want string
		scanZone                 bool // GORM reads the zone from the DSN too
	}{
		// GORM's documentation's DSN, with this server's address and no password.
		{"GORMDocs", kv + " TimeZone=Asia/Shanghai", "TimeZone", "Asia/Shanghai", true},
		{"KeyValueLowerCase", kv + " timezone=America/New_York", "TimeZone", "America/New_York", true},
		{"KeyValueSignedZone", kv + " TimeZone=Etc/GMT+8", "TimeZone", "Etc/GMT+8", true},
		{"KeyValueOptions", kv + " options='-c statement_timeout=5000'", "statement_timeout", "5s", false},
		{"KeyValueOptionsTimeZone", kv + " options='-c TimeZone=Asia/Shanghai'", "TimeZone", "Asia/Shanghai", false},
		{"URL", pg + "&TimeZone=Asia/Shanghai", "TimeZone", "Asia/Shanghai", true},
		{"URLEscaped", pg + "&TimeZone=Asia%2FShanghai", "TimeZone", "Asia/Shanghai", true},
		{"URLOptions", pg + "&options=-c%20statement_timeout%3D5000", "statement_timeout", "5s", false},
		{"URLOptionsTimeZone", pg + "&options=-c%20TimeZone%3DAsia/Shanghai", "TimeZone", "Asia/Shanghai", false},
		{"URLOptionsPlus", pg + "&options=-c+statement_timeout%3D7000", "statement_timeout", "7s", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gdb, err := wflog.Open(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			sqlDB, err := gdb.DB()
			if err != nil {
				t.Fatal(err)
			}
			defer sqlDB.Close()
			var got string
			if err := gdb.Raw("SHOW " + tt.setting).Scan(&got).Error; err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("SHOW %s = %q, want %q", tt.setting, got, tt.want)
			}
			if !tt.scanZone {
				return
			}
			var ts time.Time
			if err := gdb.Raw("SELECT TIMESTAMP '2026-01-02 03:04:05'").Scan(&ts).Error; err != nil {
				t.Fatal(err)
			}
			if ts.Location().String() != tt.want || ts.Hour() != 3 {
				t.Errorf("a timestamp scans as %v, want 03:04:05 in %s", ts, tt.want)
			}
		})
	}
}

// TestOpenSQLitePathAsWritten: a SQLite DSN opens the file it names, even
// with '#' or '%' in the path (the driver reads a file: URI, where '#'
// would end the path).
func TestOpenSQLitePathAsWritten(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"u:a#secret@x.db", "100%25.db"} {
		gdb, err := wflog.Open("sqlite://" + dir + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if err := gdb.Exec("CREATE TABLE t (x int)").Error; err != nil {
			t.Fatal(err)
		}
		if sqlDB, err := gdb.DB(); err == nil {
			_ = sqlDB.Close()
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			entries, _ := os.ReadDir(dir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("sqlite://…/%s: %v; the directory holds %q", name, err, names)
		}
	}
}
