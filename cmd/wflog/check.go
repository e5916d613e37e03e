package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/dialect"
)

// runCheck probes a LogStore's logstores for the field index wflog needs.
func runCheck(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("check", "--dsn logstore://AK_ID:AK_SECRET@ENDPOINT/PROJECT")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := dialect.Parse(*dsn)
	if err != nil {
		return err
	}
	switch cfg.Backend {
	case dialect.LogStore:
	case dialect.PostgreSQL:
		return fmt.Errorf("check probes LogStore field indexes; %s is a %s DSN (on PostgreSQL, wflog migrate checks the tables)", cfg, cfg.Backend)
	default:
		return fmt.Errorf("check probes LogStore field indexes; %s is a %s DSN, which has no field indexes to check", cfg, cfg.Backend)
	}
	db, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer closeDB(db)
	checks, err := wflog.CheckLogStore(ctx, db)
	for _, c := range checks {
		verdict := "ok"
		if len(c.Problems) > 0 {
			verdict = fmt.Sprintf("%d problem(s)", len(c.Problems))
		}
		fmt.Fprintf(a.stdout, "%s: %d rows, %s\n", c.Logstore, c.Rows, verdict)
		for _, p := range c.Problems {
			fmt.Fprintf(a.stdout, "  problem: %s\n", p)
		}
		for _, n := range c.Notes {
			fmt.Fprintf(a.stdout, "  note: %s\n", n)
		}
	}
	if errors.Is(err, wflog.ErrLogStoreIndex) {
		return errors.New("the field indexes are not what wflog needs; `wflog logstore-index` prints them")
	}
	return err
}
