package logstoretest

import (
	"errors"
	"fmt"
)

// BackendUnavailableError reports that the backing PostgreSQL did not accept
// a connection, so a test can skip rather than fail.
type BackendUnavailableError struct {
	DSN string // the backend DSN with its password redacted
	Err error  // the connection error
}

// Error says which backend could not be reached and why.
func (e *BackendUnavailableError) Error() string {
	return fmt.Sprintf("logstoretest: cannot connect to the backing PostgreSQL at %s: %v", e.DSN, e.Err)
}

// Unwrap returns the connection error.
func (e *BackendUnavailableError) Unwrap() error { return e.Err }

// ruleError is a statement the server refuses. It becomes an ErrorResponse;
// rule is the Rule that refused it, or 0 when the emulator could not parse
// the statement or does not support it (such as CREATE TABLE … AS).
type ruleError struct {
	rule Rule
	code string
	msg  string
}

func (e *ruleError) Error() string { return e.msg }

// refuse builds the error for rule r; msg must start with "logstore:" and say
// what to do instead.
func refuse(r Rule, code, format string, args ...any) *ruleError {
	return &ruleError{rule: r, code: code, msg: fmt.Sprintf(format, args...)}
}

// SQLSTATE codes the emulator answers with.
const (
	codeFeatureNotSupported = "0A000"
	codeSyntaxError         = "42601"
	codeInvalidParameter    = "22023"
	codeReservedName        = "42939"
	codeNameTooLong         = "42622"
	codeDuplicateTable      = "42P07"
	codeInvalidPassword     = "28P01"
	codeInvalidAuthSpec     = "28000"
	codeInvalidCatalogName  = "3D000"
	codeProtocolViolation   = "08P01"
	codeConnectionFailure   = "08006"
)

// asRuleError returns err as a *ruleError, or nil.
func asRuleError(err error) *ruleError {
	var re *ruleError
	if errors.As(err, &re) {
		return re
	}
	return nil
}
