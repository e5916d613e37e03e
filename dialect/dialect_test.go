package dialect

import (
	"testing"

	"github.com/wflog/wflog/internal/dialect"
)

// The public constants are written out so that go doc shows their values;
// they must stay equal to the ones the implementation uses.
func TestConstantsMatchImplementation(t *testing.T) {
	for _, c := range []struct {
		name       string
		got, wants any
	}{
		{"DefaultConnectTimeout", DefaultConnectTimeout, dialect.DefaultConnectTimeout},
		{"DefaultLogStoreMaxConns", DefaultLogStoreMaxConns, dialect.DefaultLogStoreMaxConns},
		{"DefaultSQLiteBusyTimeout", DefaultSQLiteBusyTimeout, dialect.DefaultSQLiteBusyTimeout},
		{"DefaultSQLiteMaxConns", DefaultSQLiteMaxConns, dialect.DefaultSQLiteMaxConns},
		{"MaxPage", MaxPage, dialect.MaxPage},
		{"MaxLimit", MaxLimit, dialect.MaxLimit},
		{"DriverName", DriverName, dialect.DriverName},
	} {
		if c.got != c.wants {
			t.Errorf("%s = %v, the implementation uses %v", c.name, c.got, c.wants)
		}
	}
}
