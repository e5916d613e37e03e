package dialect

import (
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
		{"Postgres", "postgres://u:p@db:5432/app?sslmode=disable", PostgreSQL, "postgres://u:p@db:5432/app?sslmode=disable", 0, 0},
		{"PostgresqlMaxConns", "postgresql://u@db/app?max_conns=8&sslmode=disable", PostgreSQL, "postgresql://u@db/app?sslmode=disable", 0, 8},
		{"LogStoreDefaults", "logstore://AKID:pw@cn-hangzhou.log.aliyuncs.com/proj", LogStore, "postgresql://AKID:pw@cn-hangzhou.log.aliyuncs.com:5432/proj?sslmode=verify-full", 1, DefaultLogStoreMaxConns},
		{"SLSScheme", "sls://AKID:pw@host:6432/proj?sslmode=disable&batch=100&max_conns=4", LogStore, "postgresql://AKID:pw@host:6432/proj?sslmode=disable", 100, 4},
		{"EscapedSecret", "logstore://AKID:" + "S3cr3t%2F%2B%3D%40key" + "@host/proj", LogStore, "postgresql://AKID:S3cr3t%2F+=%40key@host:5432/proj?sslmode=verify-full", 1, DefaultLogStoreMaxConns},
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
		{"NoScheme", "host=db user=u password=" + secret, "want a URL"},
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
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestConfigDoesNotPrintSecret: a Config can be logged with any verb.
func TestConfigDoesNotPrintSecret(t *testing.T) {
	cfg, err := Parse("logstore://AKID:topsecret@host/proj")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{cfg.String(), cfg.GoString(), sprint("%v", cfg), sprint("%+v", cfg), sprint("%#v", cfg), sprint("%s", cfg)} {
		if strings.Contains(s, "topsecret") {
			t.Errorf("%q shows the secret", s)
		}
	}
}
