package logstoresql

import (
	"errors"
	"fmt"
)

// ErrUnsupported is wrapped by every error that reports a statement or
// operation LogStore cannot carry. Such errors are returned before anything
// is sent, and their text says what to do instead. dialect.ErrUnsupported is
// this same value.
var ErrUnsupported = errors.New("not supported")

// UnsupportedError names what LogStore cannot do and what to do instead. It
// matches ErrUnsupported with errors.Is.
type UnsupportedError struct {
	What    string // the operation refused, e.g. "DELETE"
	Instead string // one sentence of advice
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("wflog: LogStore does not support %s: %s", e.What, e.Instead)
}

// Is reports whether target is ErrUnsupported.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

func unsupported(what, instead string) error {
	return &UnsupportedError{What: what, Instead: instead}
}
