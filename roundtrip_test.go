package wflog_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
)

func ptr[T any](v T) *T { return &v }

// hostile strings: everything that has ever broken a hand-written quoting
// routine.
var hostile = []string{
	"",
	"it's",
	"O''Brien",
	`back\slash`,
	`\'`,
	`ends with backslash\`,
	"$1",
	"$$dollar$$ $tag$",
	"-- comment",
	"/* block */ */",
	"line1\nline2\r\nline3\ttab",
	"' OR '1'='1",
	`"; DROP TABLE workflow_runs; --`,
	"emoji 😀 and 4-byte 𝄞 and 中文",
	`{"json":"with \"escapes\" and \\u0000-looking text"}`,
	strings.Repeat("long ", 2000),
}

// short cuts s to what a varchar(255) column holds.
func short(s string) string {
	r := []rune(s)
	if len(r) > 200 {
		return string(r[:200])
	}
	return s
}

// fullRun sets every column, text to s (varchar columns to its first 200 runes).
func fullRun(s string) models.WorkflowRun {
	created := time.Date(2026, 3, 8, 6, 59, 59, 999999999, time.UTC) // sub-microsecond part is dropped by both backends
	finished := created.Add(1234567 * time.Microsecond)
	return models.WorkflowRun{
		TenantID:        uuid.New(),
		AppID:           uuid.New(),
		WorkflowID:      uuid.New(),
		Type:            models.WorkflowTypeChat,
		TriggeredFrom:   models.RunFromWebhook,
		WorkflowVersion: short(s),
		Graph:           ptr(s),
		Inputs:          ptr(s + "in"),
		Outputs:         ptr("out" + s),
		Status:          models.RunPartialSucceeded,
		Error:           ptr(s),
		ElapsedTime:     math.Pi * 1e-3,
		TotalTokens:     math.MaxInt64,
		TotalSteps:      math.MaxInt32,
		ExceptionsCount: -1,
		CreatedByRole:   models.CreatedByEndUser,
		CreatedBy:       uuid.New(),
		CreatedAt:       created,
		FinishedAt:      &finished,
	}
}

func fullNodeExecution(s string, run *uuid.UUID) models.WorkflowNodeExecution {
	created := time.Date(2026, 11, 1, 1, 30, 0, 500, time.FixedZone("EST", -5*3600))
	return models.WorkflowNodeExecution{
		TenantID:          uuid.New(),
		AppID:             uuid.New(),
		WorkflowID:        uuid.New(),
		TriggeredFrom:     models.NodeFromWorkflowRun,
		WorkflowRunID:     run,
		Index:             math.MaxInt32,
		PredecessorNodeID: ptr(short(s)),
		NodeExecutionID:   ptr(short(s)),
		NodeID:            short(s),
		NodeType:          "llm",
		Title:             short(s),
		Inputs:            ptr(s),
		ProcessData:       ptr(s),
		Outputs:           ptr(s),
		ExecutionMetadata: ptr(s),
		Status:            models.NodeException,
		Error:             ptr(s),
		ElapsedTime:       0.1 + 0.2,
		CreatedByRole:     models.CreatedByAccount,
		CreatedBy:         uuid.New(),
		CreatedAt:         created,
	}
}

// normalized makes times comparable: UTC, microseconds (what both backends store).
func normalized[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		switch x := f.Interface().(type) {
		case time.Time:
			f.Set(reflect.ValueOf(x.UTC().Truncate(time.Microsecond)))
		case *time.Time:
			if x != nil {
				t := x.UTC().Truncate(time.Microsecond)
				f.Set(reflect.ValueOf(&t))
			}
		}
	}
	return v
}

// emptyAsNil is what LogStore reads back: it stores strings, and a nullable
// field's "" reads as nil (see logstoresql.WithEmptyAsNull).
func emptyAsNil[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	for i := 0; i < rv.NumField(); i++ {
		if f := rv.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.String && f.Elem().String() == "" {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	return v
}

// TestRoundTrip writes every column with hostile text through one path and
// reads it back through both: what comes back is what was written.
func TestRoundTrip(t *testing.T) {
	pg, ls, _ := testdb.OpenAdapterPair(t)
	paths := map[string]*gorm.DB{"postgres": pg, "logstore-adapter": ls}
	for writer, w := range paths {
		for i, s := range hostile {
			run := fullRun(s)
			if err := w.Create(&run).Error; err != nil {
				t.Fatalf("%s: create with %.40q: %v", writer, s, err)
			}
			runID := run.ID
			node := fullNodeExecution(s, &runID)
			if i%2 == 0 {
				node.WorkflowRunID, node.FinishedAt = nil, ptr(node.CreatedAt.Add(time.Second))
			}
			if err := w.Create(&node).Error; err != nil {
				t.Fatalf("%s: create node execution with %.40q: %v", writer, s, err)
			}
			for reader, r := range paths {
				var gotRun models.WorkflowRun
				if err := r.First(&gotRun, "id = ?", run.ID).Error; err != nil {
					t.Fatalf("%s→%s: read run %.40q: %v", writer, reader, s, err)
				}
				want := normalized(run)
				if reader == "logstore-adapter" {
					want = emptyAsNil(want)
				}
				if !reflect.DeepEqual(normalized(gotRun), want) {
					t.Errorf("%s→%s: run with %.40q\n got %+v\nwant %+v", writer, reader, s, normalized(gotRun), want)
				}
				var gotNode models.WorkflowNodeExecution
				if err := r.First(&gotNode, "id = ?", node.ID).Error; err != nil {
					t.Fatalf("%s→%s: read node execution %.40q: %v", writer, reader, s, err)
				}
				wantNode := normalized(node)
				if reader == "logstore-adapter" {
					wantNode = emptyAsNil(wantNode)
				}
				if want := wantNode; !reflect.DeepEqual(normalized(gotNode), want) {
					t.Errorf("%s→%s: node execution with %.40q\n got %+v\nwant %+v", writer, reader, s, normalized(gotNode), want)
				}
			}
		}
	}
}

// TestRoundTripRefusesUnstorableText: a NUL byte or invalid UTF-8 cannot be
// stored as text; both paths say so, and nothing is written.
func TestRoundTripRefusesUnstorableText(t *testing.T) {
	pg, ls, _ := testdb.OpenAdapterPair(t)
	for name, db := range map[string]*gorm.DB{"postgres": pg, "logstore-adapter": ls} {
		for _, bad := range []struct{ text, says string }{
			{"nul \x00 byte", "0x00"},
			{"bad \xff\xfe utf8", "UTF8"},
		} {
			run := fullRun(bad.text)
			err := db.Create(&run).Error
			if err == nil {
				t.Fatalf("%s: stored %q", name, bad.text)
			}
			if name == "logstore-adapter" {
				bad.says = map[string]string{"0x00": "NUL byte", "UTF8": "not valid UTF-8"}[bad.says]
			}
			if !strings.Contains(err.Error(), bad.says) {
				t.Errorf("%s: error %q does not say %q", name, err, bad.says)
			}
		}
		var n int64
		if err := db.Unscoped().Model(&models.WorkflowRun{}).Count(&n).Error; err != nil || n != 0 {
			t.Errorf("%s: %d rows written (%v), want 0", name, n, err)
		}
	}
}

// FuzzLiteralRoundTrip: whatever the LogStore adapter renders, a real
// PostgreSQL reads back as exactly the value that was written — or the
// adapter refuses it with an error, and only for values that text cannot
// hold (NUL, invalid UTF-8, NaN, infinities, years outside 1–9999).
func FuzzLiteralRoundTrip(f *testing.F) {
	for _, s := range hostile[:len(hostile)-1] {
		f.Add(s, int64(-1), 0.1, int64(0))
	}
	f.Add("x", int64(math.MinInt64), -0.0, int64(math.MinInt64))
	f.Add("y", int64(math.MaxInt64), math.MaxFloat64, int64(math.MaxInt64))
	f.Add("z", int64(0), math.SmallestNonzeroFloat64, int64(-62135596800000000))
	f.Add("nul\x00", int64(1), math.Inf(-1), int64(1))

	pg, ls, _ := testdb.OpenAdapterPair(f)
	if err := pg.Exec(`CREATE TABLE fuzz_literals (id bigint PRIMARY KEY, s text, i bigint, f double precision, t timestamptz, __time__ bigint NOT NULL DEFAULT 0)`).Error; err != nil {
		f.Fatal(err)
	}
	var next int64
	f.Fuzz(func(t *testing.T, s string, i int64, fl float64, ns int64) {
		next++
		id := next
		tm := time.Unix(0, ns).UTC()
		err := ls.Exec(`INSERT INTO fuzz_literals (id, s, i, f, t) VALUES (?, ?, ?, ?, ?)`, id, s, i, fl, tm).Error
		storable := !strings.ContainsRune(s, 0) && strings.ToValidUTF8(s, "\uFFFD") == s &&
			!math.IsNaN(fl) && !math.IsInf(fl, 0) && tm.Year() >= 1 && tm.Year() <= 9999
		if err != nil {
			if storable {
				t.Fatalf("refused a storable row (%q, %d, %v, %v): %v", s, i, fl, tm, err)
			}
			return
		}
		if !storable {
			t.Fatalf("accepted an unstorable row (%q, %v, %v)", s, fl, tm)
		}
		var got struct {
			S string
			I int64
			F float64
			T time.Time
		}
		if err := pg.Raw(`SELECT s, i, f, t FROM fuzz_literals WHERE id = ?`, id).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got.S != s || got.I != i || got.F != fl || !got.T.Equal(tm.Truncate(time.Microsecond)) {
			t.Fatalf("wrote (%q, %d, %v, %v), read back (%q, %d, %v, %v)", s, i, fl, tm, got.S, got.I, got.F, got.T)
		}
	})
}

// TestVersionCollisionRetry: two processes (two clocks) that pick the same
// version for one id collide on PostgreSQL's primary key; the second writer
// retries with a newer version instead of failing or overwriting.
func TestVersionCollisionRetry(t *testing.T) {
	stuck := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	_, dsn := testdb.Schema(t)
	a := openWith(t, dsn, appendonly.NewClock(func() time.Time { return stuck }))
	b := openWith(t, dsn, appendonly.NewClock(func() time.Time { return stuck }))
	run := fullRun("first")
	if err := a.Create(&run).Error; err != nil {
		t.Fatal(err)
	}
	again := run
	again.Version = 0 // a second process writing the same id from scratch
	again.Status = models.RunSucceeded
	if err := b.Create(&again).Error; err != nil {
		t.Fatalf("the colliding write failed instead of retrying: %v", err)
	}
	if again.Version != run.Version+1 {
		t.Errorf("retried version = %d, want %d", again.Version, run.Version+1)
	}
	var latest models.WorkflowRun
	if err := a.First(&latest, "id = ?", run.ID).Error; err != nil || latest.Status != models.RunSucceeded {
		t.Errorf("latest = %v (%v), want the retried write", latest.Status, err)
	}

	// In a transaction a failed INSERT aborts the transaction, so there is no
	// retry: a third process with a fresh stuck clock sees the key violation.
	c := openWith(t, dsn, appendonly.NewClock(func() time.Time { return stuck }))
	third := run
	third.Version = 0
	err := c.Transaction(func(tx *gorm.DB) error { return tx.Create(&third).Error })
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Errorf("transaction error = %v, want the primary key violation", err)
	}
}

func openWith(t *testing.T, dsn string, clock *appendonly.Clock) *gorm.DB {
	t.Helper()
	return testdb.OpenDSN(t, dsn, wflog.WithClock(clock))
}
