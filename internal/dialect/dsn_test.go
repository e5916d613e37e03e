package dialect

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

const secret = "S3cr3t/+=@key"

func TestParse(t *testing.T) {
	tests := []struct {
		name, dsn    string
		backend      Backend
		conn         string
		batch, conns int
	}{
		{"Postgres", "postgres://u:p@db:5432/app?sslmode=disable", PostgreSQL, "postgres://u:p@db:5432/app?sslmode=disable&connect_timeout=10", 0, 0},
		{"PostgresqlMaxConns", "postgresql://u@db/app?max_conns=8&sslmode=disable", PostgreSQL, "postgresql://u@db/app?sslmode=disable&connect_timeout=10", 0, 8},
		{"LogStoreDefaults", "logstore://AKID:pw@cn-hangzhou.log.aliyuncs.com/proj", LogStore, "postgresql://AKID:pw@cn-hangzhou.log.aliyuncs.com:5432/proj?connect_timeout=10&sslmode=verify-full", 1, DefaultLogStoreMaxConns},
		{"ConnectTimeout", "logstore://AKID:pw@host/proj?connect_timeout=3", LogStore, "postgresql://AKID:pw@host:5432/proj?connect_timeout=3&sslmode=verify-full", 1, DefaultLogStoreMaxConns},
		{"SLSScheme", "sls://AKID:pw@host:6432/proj?sslmode=disable&batch=100&max_conns=4", LogStore, "postgresql://AKID:pw@host:6432/proj?connect_timeout=10&sslmode=disable", 100, 4},
		{"EscapedSecret", "logstore://AKID:" + "S3cr3t%2F%2B%3D%40key" + "@host/proj", LogStore, "postgresql://AKID:S3cr3t%2F+=%40key@host:5432/proj?connect_timeout=10&sslmode=verify-full", 1, DefaultLogStoreMaxConns},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Backend != tt.backend || cfg.ConnString != tt.conn || cfg.BatchSize != tt.batch && tt.backend == LogStore || cfg.MaxConns != tt.conns {
				t.Errorf("Parse(%q) = %v %q batch=%d conns=%d", tt.dsn, cfg.Backend, cfg.ConnString, cfg.BatchSize, cfg.MaxConns)
			}
		})
	}
}

// TestParseErrors: every malformed DSN is an error that names the problem
// and never shows the secret.
func TestParseErrors(t *testing.T) {
	esc := "S3cr3t%2F%2B%3D%40key"
	tests := []struct{ name, dsn, want string }{
		{"NoScheme", "db:5432/app?password=" + secret, "want a URL"},
		{"UnknownScheme", "mysql://u:" + esc + "@db/x", `unknown scheme "mysql"`},
		{"MissingKeyID", "logstore://:" + esc + "@host/proj", "missing AccessKey ID"},
		{"MissingSecret", "logstore://AKID@host/proj", "missing AccessKey secret"},
		{"MissingHost", "logstore://AKID:" + esc + "@/proj", "missing endpoint host"},
		{"MissingProject", "logstore://AKID:" + esc + "@host", "exactly one path segment"},
		{"NestedPath", "logstore://AKID:" + esc + "@host/a/b", "exactly one path segment"},
		{"BadPort", "logstore://AKID:" + esc + "@host:99999/proj", "invalid port"},
		{"UnknownParam", "logstore://AKID:" + esc + "@host/proj?search_path=x", "unknown parameter search_path"},
		{"SSLPrefer", "logstore://AKID:" + esc + "@host/proj?sslmode=prefer", "sslmode=prefer"},
		{"BadBatch", "logstore://AKID:" + esc + "@host/proj?batch=many", "batch=many"},
		{"ZeroBatch", "logstore://AKID:" + esc + "@host/proj?batch=0", "batch must be at least 1"},
		{"BadMaxConns", "postgres://u:" + esc + "@db/x?max_conns=-1", "max_conns=-1"},
		{"Unparsable", "logstore://AKID:" + secret + "@host:port/proj", "percent-encoded"},
		// A parameter given twice: pgx reads one copy, a check may read the
		// other (sslmode=verify-full&sslmode=disable would be plaintext).
		{"RepeatedSSLMode", "logstore://AKID:" + esc + "@host/proj?sslmode=verify-full&sslmode=disable", "parameter sslmode given more than once"},
		{"RepeatedSSLModePrefer", "logstore://AKID:" + esc + "@host/proj?sslmode=verify-full&sslmode=prefer", "parameter sslmode given more than once"},
		{"RepeatedPostgres", "postgres://u:" + esc + "@db/x?sslmode=verify-full&sslmode=disable", "parameter sslmode given more than once"},
		{"RepeatedAny", "postgres://u:" + esc + "@db/x?max_conns=1&application_name=a&max_conns=2", "parameter max_conns given more than once"},
		{"BadConnectTimeout", "postgres://u:" + esc + "@db/x?connect_timeout=soon", "connect_timeout=soon"},
		{"SlashInSecret", "logstore://AKID:/S3cr3t@host/proj", "percent-encoded"},
		{"HashInSecret", "postgres://u:123#S3cr3t@db/x", "percent-encoded"},
		{"QuestionInSecret", "logstore://AKID:a?S3cr3t@host/proj", "percent-encoded"},
		{"PortShapedSecret", "logstore://AKID:S3cr3t/x@host:8080/proj", "percent-encoded"},
		{"SecretBeforeScheme", "AKID:S3cr3t@host://x", "want a URL"},
		{"Fragment", "postgres://u:" + esc + "@db/x#frag", "'#'"},
		{"RepeatedTimeZone", "postgres://u:" + esc + "@db/x?timezone=UTC&TimeZone=UTC", "parameter timezone and TimeZone given more than once"},
		{"UnknownTimeZone", "postgres://u:" + esc + "@db/x?TimeZone=Asia/Nowhere", "unknown time zone"},
		{"EscapedTimeZone", "postgres://u:" + esc + "@db/x?TimeZone=Etc/GMT%2B8", "give it in a key/value DSN (TimeZone=Etc/GMT+8)"},
		{"TimeZoneShapedKey", "postgres://u:" + esc + "@db/x?app.time_zone=1", "parameter app.time_zone: gorm.io/driver/postgres would read it"},
		{"SQLiteUnknownParam", "sqlite://u:" + esc + "@/tmp/x.db?cache=shared", "unknown parameter cache"},
		{"SQLiteBadQuery", "sqlite://u:" + secret + "@/tmp/x.db?max_conns=%ZZ", "not valid key=value pairs"},
		{"SQLiteAtInQuery", "sqlite://u:a?S3cr3t=%ZZ@/tmp/x.db", "'@' after the '?'"},
		{"SQLiteNUL", "sqlite://u:" + esc + "\x00@/tmp/x.db", "NUL byte"},
		{"SQLiteBadMaxConns", "sqlite://u:" + esc + "@/tmp/x.db?max_conns=-1", "max_conns=-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.dsn)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tt.dsn)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not say %q", msg, tt.want)
			}
			for _, leak := range []string{secret, esc, "S3cr3t"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q shows the secret", msg)
				}
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"logstore://AKID:topsecret@host/proj", "logstore://AKID:xxxxx@host/proj"},
		{"postgres://u@db/x?password=topsecret&sslmode=disable", "postgres://u@db/x?password=xxxxx&sslmode=disable"},
		{"postgres://u@db/x", "postgres://u@db/x"},
		{"logstore://AKID:top secret@ho st/proj", "logstore://AKID:xxxxx@ho st/proj"},
		{"logstore://AKID:top@secret@host:port/proj", "logstore://AKID:xxxxx@host:port/proj"},
		{"host=db password=topsecret user=u", "host=db password=xxxxx user=u"},
		// Shapes url.Parse reads differently: everything between :// and
		// the last @ is user info.
		{"logstore://AK:/SECRET@host/p", "logstore://AK:xxxxx@host/p"},
		{"logstore://AK:a#SECRET@host/p", "logstore://AK:xxxxx@host/p"},
		{"logstore://AK:a?SECRET@host/p", "logstore://AK:xxxxx@host/p"},
		{"logstore://AK:SECRET/x@host:8080/p", "logstore://AK:xxxxx@host:8080/p"},
		{"postgres://u:123#SECRET@host/db", "postgres://u:xxxxx@host/db"},
		{"postgres://u/x:SECRET@host/db", "postgres://xxxxx@host/db"},
		{"AK:SECRET@host/p", "AK:xxxxx@host/p"},
		{"x:SECRET@h://y", "x:xxxxx@h://y"},
		{"postgres://u@db/x?sslpassword=SECRET&a=b", "postgres://u@db/x?sslpassword=xxxxx&a=b"},
		{"host=db password='top secret' user=u", "host=db password=xxxxx user=u"},
		{"sqlite://u:SECRET@/tmp/x.db", "sqlite://u:xxxxx@/tmp/x.db"},
		{"sqlite3://a/b:SECRET@x.db?max_conns=2", "sqlite3://xxxxx@x.db?max_conns=2"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestConfigDoesNotPrintSecret: a Config can be logged with any verb.
func TestConfigDoesNotPrintSecret(t *testing.T) {
	for _, dsn := range []string{"logstore://AKID:topsecret@host/proj", "sqlite://AKID:topsecret@host/proj.db"} {
		t.Run(dsn[:strings.Index(dsn, ":")], func(t *testing.T) { testConfigDoesNotPrintSecret(t, dsn) })
	}
}

func testConfigDoesNotPrintSecret(t *testing.T, dsn string) {
	cfg, err := Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	jp, err := json.Marshal(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	var slogged bytes.Buffer
	slog.New(slog.NewJSONHandler(&slogged, nil)).Info("opening", "config", cfg)
	slog.New(slog.NewTextHandler(&slogged, nil)).Info("opening", "config", cfg)
	if !strings.Contains(slogged.String(), "AKID:xxxxx@host") || !strings.Contains(string(j), "AKID:xxxxx@host") {
		t.Errorf("slog %q / json %s do not show the redacted DSN", slogged.String(), j)
	}
	for _, s := range []string{cfg.String(), cfg.GoString(), sprint("%v", cfg), sprint("%+v", cfg), sprint("%#v", cfg), sprint("%s", cfg), string(j), string(jp), slogged.String()} {
		if strings.Contains(s, "topsecret") {
			t.Errorf("%q shows the secret", s)
		}
	}
}

// TestScrub: errors from lower layers lose the secret, keep their chain.
func TestScrub(t *testing.T) {
	cfg, err := Parse("postgres://u:" + "S3cr3t%2F%2B%3D%40key" + "@db/x")
	if err != nil {
		t.Fatal(err)
	}
	inner := errors.New("server said: bad password " + secret)
	got := cfg.Scrub(inner)
	if strings.Contains(got.Error(), "S3cr3t") || !errors.Is(got, inner) {
		t.Errorf("Scrub = %q (wraps inner: %v)", got, errors.Is(got, inner))
	}
	// SQLite's driver may name the file, whose path holds the user info.
	lite, err := Parse("sqlite://u:S3cr3t@/tmp/x.db")
	if err != nil {
		t.Fatal(err)
	}
	if got := lite.Scrub(errors.New("cannot open " + lite.ConnString)); strings.Contains(got.Error(), "S3cr3t") {
		t.Errorf("Scrub = %q", got)
	}
	if plain := errors.New("no secret here"); cfg.Scrub(plain) != plain {
		t.Error("Scrub changed an error without the secret")
	}
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("é", 1000)
	got := truncate(long, 41)
	if len(got) > 60 || !strings.HasSuffix(got, "…(2000 bytes)") {
		t.Errorf("truncate = %q", got)
	}
	if truncate("short", 40) != "short" {
		t.Error("truncate changed a short string")
	}
}
