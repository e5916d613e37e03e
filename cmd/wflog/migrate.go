package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/dialect"
)

// migrate is wflog.Migrate for the commands: an empty logstore, ready but
// with its analytics unverified (wflog.ErrLogStoreIndexUnverified), is not
// a failure but a warning, returned apart from the error.
func migrate(ctx context.Context, db *gorm.DB) (warning, err error) {
	err = wflog.Migrate(ctx, db)
	if errors.Is(err, wflog.ErrLogStoreIndexUnverified) {
		return err, nil
	}
	return nil, err
}

// migrateCommand is `wflog migrate`: it says "migrated" only when Migrate
// verified everything, and otherwise what is left to check, and how.
func migrateCommand(ctx context.Context, a *app, fs *flag.FlagSet, dsn string) error {
	db, err := open(ctx, dsn)
	if err != nil {
		return err
	}
	defer closeDB(db)
	warning, err := migrate(ctx, db)
	if err != nil {
		return err
	}
	if warning != nil {
		fmt.Fprintf(a.stdout, "created wflog's tables on %s (%s), not fully verified: see the warning\n", dialect.Redact(dsn), dialect.Of(db).Backend())
		fmt.Fprintf(a.stderr, "warning: %v\n", warning)
		printNext(a.stderr, []string{"after the first writes:"}, []nextCommand{next(fs, dsn, "check")})
		return nil
	}
	fmt.Fprintf(a.stdout, "migrated %s (%s)\n", dialect.Redact(dsn), dialect.Of(db).Backend())
	return nil
}
