// Package logstoresql is wflog's database/sql driver for Alibaba Cloud SLS
// LogStore's PostgreSQL-protocol endpoint: the injection boundary between
// Go values and the SQL text LogStore receives.
//
// LogStore has no server-side parameters and accepts only part of
// PostgreSQL's SQL. Every statement is therefore lexed and checked against
// LogStore's rules (docs/LOGSTORE.md lists them, with sources), its $n
// placeholders are replaced by literals rendered here, and the finished text
// is sent as one simple-protocol Query message. Anything LogStore would
// reject, ignore or silently truncate is an ErrUnsupported error before the
// network.
//
// The package knows nothing of GORM; package dialect builds on it. Importing
// package dialect (or wflog) registers the driver as "logstore", reading
// wflog's DSNs:
//
//	db, err := sql.Open("logstore", "logstore://AK_ID:AK_SECRET@cn-hangzhou.log.aliyuncs.com/my-project")
//
// Without dialect, NewConnector takes a pgx connection string to the endpoint:
//
//	c, err := logstoresql.NewConnector("postgresql://AK_ID:AK_SECRET@cn-hangzhou.log.aliyuncs.com:5432/my-project?sslmode=verify-full")
//	db := sql.OpenDB(c)
package logstoresql

import (
	"context"
	"database/sql/driver"
)

// Driver is the database/sql driver. ParseDSN turns the name given to
// sql.Open into a pgx connection string; nil takes the name as one.
type Driver struct {
	ParseDSN func(name string) (connString string, err error)
}

var (
	_ driver.Driver        = (*Driver)(nil)
	_ driver.DriverContext = (*Driver)(nil)
)

// theDriver is what connectors made by Wrap report as their driver.
var theDriver = &Driver{}

// Open opens one connection; database/sql prefers OpenConnector.
func (d *Driver) Open(name string) (driver.Conn, error) {
	c, err := d.OpenConnector(name)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses name once for all of a pool's connections.
func (d *Driver) OpenConnector(name string) (driver.Connector, error) {
	connString := name
	if d.ParseDSN != nil {
		var err error
		if connString, err = d.ParseDSN(name); err != nil {
			return nil, err
		}
	}
	inner, err := SimpleProtocol(connString)
	if err != nil {
		return nil, err
	}
	return &logStoreConnector{inner: inner, driver: d}, nil
}

// NewConnector returns the connector for a LogStore endpoint given as a pgx
// connection string: Wrap over SimpleProtocol.
func NewConnector(connString string) (driver.Connector, error) {
	inner, err := SimpleProtocol(connString)
	if err != nil {
		return nil, err
	}
	return Wrap(inner), nil
}

// IsLogStore reports whether drv is this package's driver, that is whether a
// *sql.DB whose Driver() is drv checks and renders statements LogStore's way.
func IsLogStore(drv driver.Driver) bool {
	_, ok := drv.(*Driver)
	return ok
}
