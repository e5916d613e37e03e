package transfer

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/schema"

	"github.com/wflog/wflog/models"
)

// TestColumns: the COPY column lists are the models' tables and columns,
// and row gives each column its own field's value: every field of a model
// is set to a value of its own, and row's i-th value must be the one of
// columns[i]'s field.
func TestColumns(t *testing.T) {
	t.Run("Runs", func(t *testing.T) {
		var r models.WorkflowRun
		checkColumns(t, &r, runTable.name, runTable.columns, func() []any { return runTable.row(&r) })
	})
	t.Run("NodeExecutions", func(t *testing.T) {
		var n models.WorkflowNodeExecution
		checkColumns(t, &n, nodeTable.name, nodeTable.columns, func() []any { return nodeTable.row(&n) })
	})
}

func checkColumns(t *testing.T, model any, name string, columns []string, row func() []any) {
	t.Helper()
	s, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Table != name {
		t.Errorf("table %s, model's %s", name, s.Table)
	}
	if got, want := strings.Join(columns, ","), strings.Join(s.DBNames, ","); got != want {
		t.Errorf("%s columns\n %s\nmodel\n %s", name, got, want)
	}
	ctx := context.Background()
	rv := reflect.ValueOf(model)
	for i, f := range s.Fields {
		if f.DBName != "" {
			fill(t, f.ReflectValueOf(ctx, rv), i)
		}
	}
	values := row()
	if len(values) != len(columns) {
		t.Fatalf("%s: row has %d values for %d columns", name, len(values), len(columns))
	}
	for i, col := range columns {
		f := s.LookUpField(col)
		if f == nil {
			t.Fatalf("%s: no field for column %s", name, col)
		}
		want, _ := f.ValueOf(ctx, rv)
		if got, want := plain(values[i]), plain(want); got != want {
			t.Errorf("%s: row's value %d is %s, column %s's field holds %s", name, i, got, col, want)
		}
	}
}

// fill sets v, a model's field, to a value that only field i has.
func fill(t *testing.T, v reflect.Value, i int) {
	t.Helper()
	if v.Kind() == reflect.Pointer {
		v.Set(reflect.New(v.Type().Elem()))
		v = v.Elem()
	}
	switch x := v.Addr().Interface().(type) {
	case *uuid.UUID:
		*x = uuid.UUID{15: byte(i + 1)}
	case *time.Time:
		*x = time.Date(2026, 11, 30, 0, 0, i, 0, time.UTC)
	default:
		switch v.Kind() {
		case reflect.String:
			v.SetString(fmt.Sprintf("value %d", i))
		case reflect.Int, reflect.Int64:
			v.SetInt(int64(1000 + i))
		case reflect.Float64:
			v.SetFloat(float64(i) + 0.5)
		default:
			t.Fatalf("fill: no value for a %s", v.Type())
		}
	}
}

// plain writes a value as row and the model would hold it alike: pointers
// followed, uuids as [16]byte or uuid.UUID, numbers of any int type.
func plain(x any) string {
	v := reflect.ValueOf(x)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "nil"
		}
		v = v.Elem()
	}
	switch y := v.Interface().(type) {
	case [16]byte:
		return uuid.UUID(y).String()
	case uuid.UUID:
		return y.String()
	case time.Time:
		return y.Format(time.RFC3339Nano)
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int64:
		return fmt.Sprint(v.Int())
	}
	return fmt.Sprint(v.Interface())
}
