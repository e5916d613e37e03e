package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog/repo"
)

// tierFlags are --older and --cutover: read two databases as one, split
// by created_at (repo.WithOlderTier), as a console does after a cutover.
type tierFlags struct {
	older, cutover *string
}

func addTierFlags(fs *flag.FlagSet) tierFlags {
	return tierFlags{
		older:   fs.String("older", "", "DSN of the older tier: runs created before --cutover are read there, the rest from --dsn"),
		cutover: fs.String("cutover", "", "where the tiers meet, RFC 3339 (e.g. 2026-11-20T00:00:00Z); with --older"),
	}
}

// open returns the repository options the flags ask for, and closes the
// older tier's database when done is called.
func (t tierFlags) open(ctx context.Context) (opts []repo.Option, done func(), err error) {
	done = func() {}
	if *t.older == "" && *t.cutover == "" {
		return nil, done, nil
	}
	if *t.older == "" || *t.cutover == "" {
		return nil, done, fmt.Errorf("--older and --cutover go together: a tiered read needs both")
	}
	cutover, err := time.Parse(time.RFC3339Nano, *t.cutover)
	if err != nil {
		return nil, done, fmt.Errorf("--cutover %q: want an RFC 3339 time such as 2026-11-20T00:00:00Z", echo(*t.cutover))
	}
	var older *gorm.DB
	if older, err = open(ctx, *t.older); err != nil {
		return nil, done, err
	}
	return []repo.Option{repo.WithOlderTier(older, cutover)}, func() { closeDB(older) }, nil
}
