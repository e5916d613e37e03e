//go:build unix

package faults

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// PostgresBin is where the cluster's initdb, pg_ctl and postgres are.
// WFLOG_PG_BIN overrides it.
const PostgresBin = "/usr/lib/postgresql/15/bin"

// Cluster is a throwaway PostgreSQL cluster: its own data directory and a
// private port on 127.0.0.1, owned by one test. It never touches the shared
// server.
type Cluster struct {
	tb   testing.TB
	bin  string
	dir  string
	port int
	cred *syscall.Credential
}

// NewCluster initialises and starts a cluster, and stops and removes it
// when the test ends. Without the PostgreSQL binaries it skips, or fails
// under CI=true.
func NewCluster(tb testing.TB) *Cluster {
	tb.Helper()
	bin := os.Getenv("WFLOG_PG_BIN")
	if bin == "" {
		bin = PostgresBin
	}
	if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
		msg := fmt.Sprintf("no initdb in %s (set WFLOG_PG_BIN to PostgreSQL's bin directory): %v", bin, err)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	c := &Cluster{tb: tb, bin: bin}
	// initdb refuses to run as root: run the cluster as postgres then.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Fatalf("running as root and no postgres user to run a cluster as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// Not t.TempDir: its parents are private to root, and the cluster may
	// run as postgres.
	dir, err := os.MkdirTemp("", "wflog-faults-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = os.RemoveAll(dir) })
	if c.cred != nil {
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			tb.Fatal(err)
		}
	}
	c.dir = dir
	c.port = freePort(tb)
	c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions")
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = off\nmax_connections = 60\nshared_buffers = 16MB\n", c.port, dir)
	if err := os.WriteFile(filepath.Join(c.data(), "postgresql.auto.conf"), []byte(conf), 0o600); err != nil {
		tb.Fatal(err)
	}
	if c.cred != nil {
		_ = os.Chown(filepath.Join(c.data(), "postgresql.auto.conf"), int(c.cred.Uid), int(c.cred.Gid))
	}
	c.Start()
	tb.Cleanup(func() { c.pgctl("stop", "-m", "immediate") })
	return c
}

// DSN is a URL for the cluster's postgres database.
func (c *Cluster) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Addr is the cluster's host:port.
func (c *Cluster) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)) }

// Start starts the cluster and waits until it accepts connections.
func (c *Cluster) Start() { c.pgctl("start", "-w", "-t", "30", "-l", filepath.Join(c.dir, "log")) }

// Stop stops the cluster: mode "fast" (clients disconnected, a checkpoint)
// or "immediate" (as if the server crashed).
func (c *Cluster) Stop(mode string) { c.pgctl("stop", "-w", "-m", mode) }

// Restart stops the cluster in mode and starts it again.
func (c *Cluster) Restart(mode string) {
	c.Stop(mode)
	c.Start()
}

// Exec runs sql on the cluster on a connection of its own.
func (c *Cluster) Exec(ctx context.Context, sql string) error {
	conn, err := pgconn.Connect(ctx, c.DSN())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql).ReadAll()
	return err
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) pgctl(args ...string) {
	c.tb.Helper()
	c.run("pg_ctl", append([]string{"-D", c.data()}, args...)...)
}

func (c *Cluster) run(name string, args ...string) {
	c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		c.tb.Fatalf("%s %v: %v\n%s\nserver log:\n%s", name, args, err, out, log)
	}
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
