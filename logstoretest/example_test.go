package logstoretest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wflog/wflog/logstoretest"
)

// Start serves the emulator outside a test, here with the row cap relaxed
// and a clock that stands still. Inside a test, New does the same and
// skips when PostgreSQL is not running.
func ExampleStart() {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	srv, err := logstoretest.Start(ctx, logstoretest.Config{
		Backend: logstoretest.DefaultBackend,
		Relax:   logstoretest.RuleRowCap,
		Now:     func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	conn, err := pgconn.Connect(ctx, srv.PostgresDSN())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range []string{
		"CREATE TABLE runs (id text, version bigint)",
		"INSERT INTO runs (id, version) VALUES ('a', 1), ('a', 2)",
		"SELECT id, max(version), max(__time__) FROM runs WHERE __time__ > 0 GROUP BY id LIMIT 0, 10",
	} {
		results, err := conn.Exec(ctx, sql).ReadAll()
		if err != nil {
			log.Fatal(err)
		}
		for _, row := range results[0].Rows {
			fmt.Printf("%s %s %s\n", row[0], row[1], row[2])
		}
	}
	_, err = conn.Exec(ctx, "SELECT * FROM runs LIMIT 10 OFFSET 0").ReadAll()
	fmt.Println(err)
	// Prints (this example is only compiled, since it needs PostgreSQL):
	// a 2 1795680000
	// ERROR: logstore: LIMIT … OFFSET is not supported; page with LIMIT offset, count (SQLSTATE 42601)
}
