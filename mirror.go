package wflog

import "github.com/wflog/wflog/mirror"

// WithMirror writes every version stored through the opened database to
// m's database as well, with the same id and version, under m's policy:
// the way to keep a PostgreSQL copy of a LogStore deployment (or the
// reverse) so that a rollback is a DSN change. See package mirror.
func WithMirror(m *mirror.Mirror) Option {
	return func(o *options) { o.plugins = append(o.plugins, m) }
}
