package dialect_test

import (
	"database/sql"
	"log"

	_ "github.com/wflog/wflog/dialect" // registers "logstore"
)

// Importing dialect registers the LogStore driver with database/sql; it
// reads the same DSNs as wflog.Open and applies the same checks and
// rendering.
func Example_sqlOpen() {
	db, err := sql.Open("logstore", "logstore://AK_ID:AK_SECRET@cn-hangzhou.log.aliyuncs.com/my-project")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(15) // LogStore runs 15 analytic queries per project at once
	var n int64
	err = db.QueryRow(`SELECT count(*) FROM "workflow_runs" WHERE __time__ > 0 AND "status" = $1 LIMIT 1`, "succeeded").Scan(&n)
	if err != nil {
		log.Fatal(err)
	}
	log.Println(n, "succeeded runs")
}
