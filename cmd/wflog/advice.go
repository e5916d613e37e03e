package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wflog/wflog/internal/dialect"
)

// defaultPostgresPort is where PostgreSQL listens unless told otherwise.
const defaultPostgresPort = 5432

// emulatorCommand starts the LogStore emulator without a checkout.
const emulatorCommand = "go run github.com/wflog/wflog/cmd/logstore-emulator@latest"

// explainOpen adds to err, an error opening dsn, the advice that fits the
// DSN: which server did not answer, and what to do about it. Errors that
// are not about reaching the server come back unchanged.
func explainOpen(dsn string, err error) error {
	cfg, perr := dialect.Parse(dsn)
	if perr != nil {
		return err
	}
	pc, perr := pgconn.ParseConfig(cfg.ConnString)
	if perr != nil {
		return err
	}
	host, port := pc.Host, int(pc.Port)
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	if strings.HasPrefix(host, "/") {
		addr = fmt.Sprintf("the socket %s/.s.PGSQL.%d", host, port)
	}
	if advice := adviseOpen(cfg.Backend, host, port, addr, err); advice != "" {
		return fmt.Errorf("%w\n\n%s", err, advice)
	}
	return err
}

// adviseOpen returns a few sentences for a failed connection, or "".
func adviseOpen(backend dialect.Backend, host string, port int, addr string, err error) string {
	msg := err.Error()
	var dnsErr *net.DNSError
	logstore := backend == dialect.LogStore
	local := isLoopback(host)
	switch {
	case strings.Contains(msg, "server refused TLS connection"):
		if strings.Contains(msg, "sslmode=disable") {
			return "" // the library's error says it already
		}
		if logstore {
			return fmt.Sprintf("The server at %s does not offer TLS, which a logstore:// DSN asks for unless told not to. "+
				"The LogStore emulator serves plaintext unless started with --tls-self-signed: add sslmode=disable to the DSN "+
				"(logstore://…/PROJECT?sslmode=disable). SLS LogStore itself offers TLS: if this is a real endpoint, check its address.", addr)
		}
		return fmt.Sprintf("The server at %s does not offer TLS, which the DSN's sslmode asks for: use sslmode=disable (or prefer) for a server without TLS.", addr)
	case strings.Contains(msg, "x509:") || strings.Contains(msg, "certificate"):
		if logstore && local {
			return "The server's certificate is not trusted. The LogStore emulator's --tls-self-signed certificate is checked by no one: connect to it with sslmode=require (TLS without certificate checks), or sslmode=disable."
		}
		return "The server's certificate did not pass the check that sslmode asks for (verify-full checks the chain and the host name): give sslrootcert=FILE with the CA that signed it, or sslmode=require to skip the checks on a network you trust."
	case errors.As(err, &dnsErr) || strings.Contains(msg, "no such host"):
		if logstore {
			return fmt.Sprintf("The host %s is not known. A LogStore endpoint is the SLS endpoint of the project's region, such as cn-hangzhou.log.aliyuncs.com.", host)
		}
		return fmt.Sprintf("The host %s is not known: check the DSN's host name.", host)
	case refused(msg):
		// Below.
	case strings.Contains(msg, "i/o timeout") || strings.Contains(msg, "deadline exceeded") || errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("Nothing answered at %s in time: the host may be down, or a firewall may drop the connection. Check the host and port, or raise connect_timeout=SECONDS in the DSN.", addr)
	default:
		return ""
	}
	// Nothing listens there.
	switch {
	case logstore && local:
		return fmt.Sprintf("No LogStore emulator listens at %s. Start one, in front of a PostgreSQL, with\n  %s --listen %s\n"+
			"or use the address and DSN it printed when it started.", addr, emulatorCommand, addr)
	case logstore:
		return fmt.Sprintf("No LogStore endpoint answered at %s. LogStore's PostgreSQL-protocol endpoint is the SLS endpoint of the project's region "+
			"(such as cn-hangzhou.log.aliyuncs.com) on port 5432, and not every region offers it: check the endpoint, the port, and that this machine can reach it.", addr)
	case local && port != defaultPostgresPort && probe(net.JoinHostPort(host, fmt.Sprint(defaultPostgresPort))):
		hint := ""
		if port == 5433 {
			hint = " (5433 is where the LogStore emulator listens by default; its DSNs start with logstore://)"
		}
		return fmt.Sprintf("Nothing listens at %s, but a server answers at port %d of the same host: did you mean port %d?%s",
			addr, defaultPostgresPort, defaultPostgresPort, hint)
	case local:
		return fmt.Sprintf("No PostgreSQL answers at %s. Start one, for example:\n"+
			"  Debian/Ubuntu:  sudo pg_ctlcluster <version> main start   (pg_lsclusters lists them; apt install postgresql if there are none)\n"+
			"  macOS:          brew services start postgresql\n"+
			"  Docker:         docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15\n"+
			"or pass --dsn (or set WFLOG_DSN) to a server that runs.", addr)
	}
	return fmt.Sprintf("No PostgreSQL answered at %s: check the host and port, and that the server accepts TCP connections from here (listen_addresses, pg_hba.conf, firewalls); or pass --dsn (or set WFLOG_DSN) to a server that runs.", addr)
}

// refused reports whether msg says nothing listens at the address.
func refused(msg string) bool {
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "no such file or directory") && strings.Contains(msg, ".s.PGSQL.")
}

// isLoopback reports whether host is this machine.
func isLoopback(host string) bool {
	if host == "localhost" || strings.HasPrefix(host, "/") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// probe reports whether something accepts TCP connections at addr; tests
// replace it.
var probe = func(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
