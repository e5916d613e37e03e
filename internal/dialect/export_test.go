package dialect

// Quiet is quiet, for postgres_test.go.
var Quiet = quiet
