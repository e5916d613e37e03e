package dialect_test

import (
	"testing"

	"github.com/DATA-DOG/go-sqlmock"

	"github.com/wflog/wflog/internal/dialect"
)

func TestCheckPool(t *testing.T) {
	plain, _, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := dialect.New(dialect.Config{Backend: dialect.LogStore}).CheckPool(plain); err == nil {
		t.Error("a LogStore dialect accepted a pool that is not the adapter")
	}
	if err := dialect.New(dialect.Config{Backend: dialect.PostgreSQL}).CheckPool(plain); err != nil {
		t.Error(err)
	}
}
