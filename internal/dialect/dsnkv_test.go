package dialect

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestParseKeyValue: libpq's key/value DSNs, as GORM's documentation writes
// them, are PostgreSQL DSNs; pgx reads the connection string Parse makes
// as the DSN said.
func TestParseKeyValue(t *testing.T) {
	tests := []struct {
		name, dsn string
		conns     int
		timeout   time.Duration
		host      string
		port      uint16
		user      string
		password  string
		database  string
		params    map[string]string
	}{
		{name: "GORM docs", dsn: "host=localhost user=gorm password=pass1 dbname=gorm port=9920 sslmode=disable TimeZone=Asia/Shanghai",
			timeout: DefaultConnectTimeout, host: "localhost", port: 9920, user: "gorm", password: "pass1", database: "gorm", params: map[string]string{"TimeZone": "Asia/Shanghai"}},
		{name: "spaces around =", dsn: "  host = db   user= u dbname =app  ", timeout: DefaultConnectTimeout, host: "db", port: 5432, user: "u", database: "app"},
		{name: "quoted and escaped", dsn: `host=db user=u password='it\'s a \\ secret' dbname=app application_name='my app'`,
			timeout: DefaultConnectTimeout, host: "db", port: 5432, user: "u", password: `it's a \ secret`, database: "app", params: map[string]string{"application_name": "my app"}},
		{name: "wflog's own", dsn: "host=db user=u dbname=app max_conns=7 connect_timeout=3", conns: 7, timeout: 3 * time.Second, host: "db", port: 5432, user: "u", database: "app"},
		{name: "search_path", dsn: "host=db user=u dbname=app search_path=s1", timeout: DefaultConnectTimeout, host: "db", port: 5432, user: "u", database: "app", params: map[string]string{"search_path": "s1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Backend != PostgreSQL || cfg.MaxConns != tt.conns || cfg.ConnectTimeout != tt.timeout {
				t.Errorf("Parse = %v, max_conns %d, timeout %v", cfg.Backend, cfg.MaxConns, cfg.ConnectTimeout)
			}
			if strings.Contains(cfg.ConnString, "max_conns") {
				t.Errorf("ConnString keeps max_conns: %s", Redact(cfg.ConnString))
			}
			pc, err := pgconn.ParseConfig(cfg.ConnString)
			if err != nil {
				t.Fatalf("pgx cannot read %s: %v", Redact(cfg.ConnString), err)
			}
			if pc.Host != tt.host || pc.Port != tt.port || pc.User != tt.user || pc.Password != tt.password || pc.Database != tt.database ||
				pc.ConnectTimeout != tt.timeout {
				t.Errorf("pgx reads host %q port %d user %q password %q database %q timeout %v", pc.Host, pc.Port, pc.User, pc.Password, pc.Database, pc.ConnectTimeout)
			}
			for k, v := range tt.params {
				if pc.RuntimeParams[k] != v {
					t.Errorf("runtime parameter %s = %q, want %q", k, pc.RuntimeParams[k], v)
				}
			}
			if tt.password != "" && (strings.Contains(cfg.String(), tt.password) || !strings.Contains(cfg.String(), "password=xxxxx")) {
				t.Errorf("Config prints %q", cfg.String())
			}
		})
	}
}

// TestParseKeyValueErrors: malformed key/value DSNs are errors that name
// the problem and never show the secret.
func TestParseKeyValueErrors(t *testing.T) {
	tests := []struct{ name, dsn, want string }{
		{"Repeated", "host=db sslmode=verify-full password=S3cr3t sslmode=disable", "key sslmode given more than once"},
		{"NoEquals", "host=db password=S3cr3t user", "the word at byte 24 has no '='"},
		{"Unclosed", "host=db password='S3cr3t user=u", "the quoted value of password has no closing quote"},
		{"BadMaxConns", "host=db password=S3cr3t max_conns=lots", "max_conns=lots"},
		{"BadTimeout", "host=db password=S3cr3t connect_timeout=-1", "connect_timeout=-1"},
		// PostgreSQL's setting names ignore case: pgx would send both.
		{"RepeatedTimeZone", "host=db password=S3cr3t TimeZone=UTC timezone=Asia/Shanghai", "key TimeZone and timezone given more than once"},
		{"UnknownTimeZone", "host=db password=S3cr3t TimeZone=Mars/Olympus", "unknown time zone"},
		{"QuotedTimeZone", "host=db password=S3cr3t TimeZone='Asia/ Shanghai'", "unknown time zone"},
		{"LocalTimeZone", "host=db password=S3cr3t TimeZone=Local", "want a zone name"},
		// GORM would take "UTC" from the password for the session's zone.
		{"TimeZoneInPassword", "host=db password=S3cr3tTimeZone=UTC", "key password: its key or value holds text gorm.io/driver/postgres would read as the time zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.dsn)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tt.dsn)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "S3cr3t") {
				t.Errorf("error %q: want it to say %q without the secret", msg, tt.want)
			}
		})
	}
}

func TestRedactKeyValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"host=db password=topsecret user=u", "host=db password=xxxxx user=u"},
		{"host=db password = topsecret user=u", "host=db password = xxxxx user=u"},
		{"host=db password= 'top secret' user=u", "host=db password= xxxxx user=u"},
		{`host=db password='it\'s secret' user=u`, "host=db password=xxxxx user=u"},
		{`host=db password=top\ secret user=u`, "host=db password=xxxxx user=u"},
		{"host=db sslpassword=keypass sslkey=/k PASSWORD=other", "host=db sslpassword=xxxxx sslkey=/k PASSWORD=xxxxx"},
		{"host=db user=u", "host=db user=u"},
		// Malformed: what can be read is redacted in place, the rest by the
		// password= rule.
		{"host=db password='unclosed secret", "host=db password=xxxxx"},
		{"host=db stray password=topsecret", "host=db stray password=xxxxx"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestScrubKeyValue: a lower layer's message that quotes the key/value
// DSN's password is scrubbed.
func TestScrubKeyValue(t *testing.T) {
	cfg, err := Parse("host=db user=u password='top secret'")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Scrub(errString("auth failed for password top secret")).Error(); strings.Contains(got, "top secret") {
		t.Errorf("Scrub left the secret: %q", got)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// gormTimeZoneMatch is gorm.io/driver/postgres's own expression (postgres.go
// v1.6.3): it runs it over the connection string and takes group 2 as the
// session time zone.
var gormTimeZoneMatch = regexp.MustCompile("(time_zone|TimeZone|timezone)=(.*?)($|&| )")

// TestGormReadsPgxTimeZone: in every connection string Parse makes, GORM's
// expression finds exactly the zone pgx sends, or nothing when there is none,
// whatever else (options, a password) holds "TimeZone=".
func TestGormReadsPgxTimeZone(t *testing.T) {
	tests := []struct{ name, dsn, zone string }{
		{"GORMDocs", "host=localhost user=gorm password=gorm dbname=gorm port=9920 sslmode=disable TimeZone=Asia/Shanghai", "Asia/Shanghai"},
		{"KeyValueLater", "host=db application_name='TimeZone=x' TimeZone=UTC", "UTC"},
		{"KeyValueLowerCase", "host=db timezone=Europe/Berlin", "Europe/Berlin"},
		{"KeyValueOptions", "host=db options='-c TimeZone=Asia/Shanghai -c x.y=1'", ""},
		{"KeyValueNone", "host=db user=u password='a b'", ""},
		{"URL", "postgres://u@db/x?sslmode=disable&TimeZone=Asia/Shanghai", "Asia/Shanghai"},
		{"URLEscaped", "postgres://u@db/x?TimeZone=Asia%2FShanghai&sslmode=disable", "Asia/Shanghai"},
		{"URLOptions", "postgres://u@db/x?options=-c%20TimeZone%3DAsia/Shanghai", ""},
		{"URLPasswordParam", "postgres://u@db/x?password=pTimeZone%3DUTC", ""},
		{"URLUserInfo", "postgres://u:pTimeZone%3DUTC@db/x%3Dy", ""},
		{"URLAfterPassword", "postgres://u@db/x?password=pTimeZone%3DUTC&timezone=UTC", "UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			pc, err := pgconn.ParseConfig(cfg.ConnString)
			if err != nil {
				t.Fatal(err)
			}
			var pgxZones []string
			for k, v := range pc.RuntimeParams {
				if strings.EqualFold(k, "timezone") {
					pgxZones = append(pgxZones, v)
				}
			}
			gorm := ""
			if m := gormTimeZoneMatch.FindStringSubmatch(cfg.ConnString); m != nil {
				gorm = m[2]
			}
			want := []string{tt.zone}
			if tt.zone == "" {
				want = nil
			}
			if gorm != tt.zone || !slices.Equal(pgxZones, want) {
				t.Errorf("connection string %s: GORM reads zone %q, pgx sends %q; want %q", Redact(cfg.ConnString), gorm, pgxZones, tt.zone)
			}
		})
	}
}
