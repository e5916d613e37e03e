package appendonly_test

import (
	"fmt"

	"gorm.io/gorm"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/dialect"
	"github.com/wflog/wflog/internal/testdb"
)

// Task is any model of yours: a Version field in the primary key makes it append-only.
type Task struct {
	ID      string             `gorm:"primaryKey"`
	Version appendonly.Version `gorm:"primaryKey"`
	Title   string
	Done    bool
}

// Example prints the SQL each call sends to PostgreSQL and to LogStore.
func Example() {
	for _, backend := range []dialect.Backend{dialect.PostgreSQL, dialect.LogStore} {
		fmt.Println("--", backend)
		stmts, err := testdb.Record(backend, func(db *gorm.DB) error {
			task := Task{ID: "t1", Title: "write docs"}
			db.Create(&task) // the first version
			task.Done = true
			db.Save(&task)                        // a newer version, never an UPDATE
			db.Model(&task).Update("title", "ok") // the same: change in memory, INSERT
			var open []Task
			db.Where("done = ?", false).Find(&open) // the latest version of each task
			return db.Delete(&task).Error           // every version of t1 (PostgreSQL only)
		})
		for _, s := range stmts {
			if len(s.Args) > 0 {
				fmt.Println(s.SQL, s.Args)
			} else {
				fmt.Println(s.SQL)
			}
		}
		if err != nil {
			fmt.Println("error:", err)
		}
	}
	// Output:
	// -- PostgreSQL
	// INSERT INTO "tasks" ("id","version","title","done") VALUES ($1,$2,$3,$4) [t1 1795680000000000000 write docs false]
	// INSERT INTO "tasks" ("id","version","title","done") SELECT $1,$2,$3,$4 WHERE NOT EXISTS (SELECT 1 FROM "tasks" AS "wflog_newer" WHERE "wflog_newer"."id" = $5 AND "wflog_newer"."version" >= $6) [t1 1795680000000000001 write docs true t1 1795680000000000001]
	// INSERT INTO "tasks" ("id","version","title","done") SELECT $1,$2,$3,$4 WHERE NOT EXISTS (SELECT 1 FROM "tasks" AS "wflog_newer" WHERE "wflog_newer"."id" = $5 AND "wflog_newer"."version" >= $6) [t1 1795680000000000002 ok true t1 1795680000000000002]
	// SELECT * FROM "tasks" WHERE done = $1 AND NOT EXISTS (SELECT 1 FROM "tasks" AS "wflog_newer" WHERE "wflog_newer"."id" = "tasks"."id" AND "wflog_newer"."version" > "tasks"."version") [false]
	// DELETE FROM "tasks" WHERE "tasks"."id" = $1 [t1]
	// -- LogStore
	// INSERT INTO "tasks" ("id","version","title","done") VALUES ('t1','1795680000000000000','write docs','false')
	// INSERT INTO "tasks" ("id","version","title","done") VALUES ('t1','1795680000000000001','write docs','true')
	// INSERT INTO "tasks" ("id","version","title","done") VALUES ('t1','1795680000000000002','ok','true')
	// SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "version" DESC) AS "wflog_rn" FROM "tasks" WHERE __time__ > 0) AS "wflog_latest" WHERE done = FALSE AND "wflog_latest"."wflog_rn" = 1 LIMIT 1000000
	// error: wflog: LogStore does not support DELETE: rows expire by the logstore's TTL; set the TTL on the logstore in the SLS console
}
