package faults

import (
	"context"
	"testing"
	"time"
)

func TestCluster(t *testing.T) {
	c := NewCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Exec(ctx, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	c.Restart("immediate")
	if err := c.Exec(ctx, "SELECT 1/count(*) FROM t"); err != nil {
		t.Fatal(err)
	}
}
