//go:build !unix

package faults

import (
	"context"
	"testing"
)

// Cluster is a throwaway PostgreSQL cluster; on this system there is none
// (its processes run as another user, which needs a Unix system).
type Cluster struct{}

// NewCluster skips the test: throwaway clusters need a Unix system.
func NewCluster(tb testing.TB) *Cluster {
	tb.Helper()
	tb.Skip("throwaway PostgreSQL clusters need a Unix system")
	return nil
}

func (c *Cluster) DSN() string                                { return "" }
func (c *Cluster) Addr() string                               { return "" }
func (c *Cluster) Start()                                     {}
func (c *Cluster) Stop(mode string)                           {}
func (c *Cluster) Restart(mode string)                        {}
func (c *Cluster) Exec(ctx context.Context, sql string) error { return nil }
