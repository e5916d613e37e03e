package logstoretest

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultDatabase is DefaultBackend's database: the tests' own, so that
// neither they nor a local emulator write into the server's shared postgres
// database. Start creates it when it is missing.
const DefaultDatabase = "wflog_test"

// ensureDefaultDatabase creates DefaultDatabase through the server's
// postgres database when it does not exist. Parallel test packages may race
// to create it; losing that race is success. Any other failure is left for
// the connection that follows to report.
func ensureDefaultDatabase(ctx context.Context) {
	conn, err := pgconn.Connect(ctx, DefaultBackend)
	if err == nil {
		_ = conn.Close(ctx)
		return
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name
		return
	}
	maint, err := pgconn.Connect(ctx, strings.Replace(DefaultBackend, "/"+DefaultDatabase+"?", "/postgres?", 1))
	if err != nil {
		return
	}
	defer maint.Close(ctx)
	_ = maint.Exec(ctx, "CREATE DATABASE "+DefaultDatabase).Close()
}
