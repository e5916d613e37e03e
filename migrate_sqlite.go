package wflog

import (
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// inspectSQLiteTable checks the table that exists under table's name in
// the main database, if any, against the shape stmt gives it: columns and
// their types as SQLite reports them (the declared types, upper-cased), the
// primary key, and unique indexes that leave version out.
func inspectSQLiteTable(tx *gorm.DB, table, stmt string) (*ForeignTable, error) {
	var kind []string
	if err := tx.Raw(`SELECT type FROM main.sqlite_master WHERE name = ? AND type IN ('table', 'view')`, table).Scan(&kind).Error; err != nil {
		return nil, err
	}
	if len(kind) == 0 {
		return nil, nil
	}
	if kind[0] != "table" {
		return &ForeignTable{Table: table, Problems: []string{"it is a " + kind[0] + ", not a table"}}, nil
	}
	have, err := sqliteShape(tx, "main", table)
	if err != nil {
		return nil, err
	}
	// The shape wflog wants is the one stmt gives: build it as a temporary
	// table and read it back, as on PostgreSQL.
	expected := "wflog_expected_" + table
	loc := createTableRE.FindStringIndex(stmt)
	if err := tx.Exec("DROP TABLE IF EXISTS temp." + expected).Error; err != nil {
		return nil, err
	}
	if err := tx.Exec("CREATE TEMP TABLE " + expected + " (" + stmt[loc[1]:]).Error; err != nil {
		return nil, fmt.Errorf("building the expected shape of %s: %w", table, err)
	}
	want, err := sqliteShape(tx, "temp", expected)
	if dropErr := tx.Exec("DROP TABLE temp." + expected).Error; err == nil {
		err = dropErr
	}
	if err != nil {
		return nil, err
	}
	return compareShapes(table, have, want), nil
}

// sqliteShape reads a table's columns, primary key and version-less unique
// indexes from PRAGMA table_info and index_list.
func sqliteShape(tx *gorm.DB, schema, table string) (tableShape, error) {
	var s tableShape
	var cols []struct {
		Name    string
		Type    string
		NotNull bool
		HasDef  bool
		Pk      int
	}
	if err := tx.Raw(`SELECT name, type, "notnull" AS not_null, dflt_value IS NOT NULL AS has_def, pk
		FROM pragma_table_info(?, ?) ORDER BY cid`, table, schema).Scan(&cols).Error; err != nil {
		return s, err
	}
	key := map[int]string{}
	for _, c := range cols {
		s.columns = append(s.columns, column{Name: c.Name, Type: strings.ToUpper(c.Type), NotNull: c.NotNull, HasDef: c.HasDef})
		if c.Pk > 0 {
			key[c.Pk] = c.Name
		}
	}
	for i := 1; i <= len(key); i++ {
		s.key = append(s.key, key[i])
	}
	var indexes []struct {
		Name   string
		Origin string
	}
	if err := tx.Raw(`SELECT name, origin FROM pragma_index_list(?, ?) WHERE "unique" AND NOT partial`, table, schema).Scan(&indexes).Error; err != nil {
		return s, err
	}
	for _, ix := range indexes {
		if ix.Origin == "pk" {
			continue // the primary key, compared as such
		}
		var names []string
		if err := tx.Raw(`SELECT coalesce(name, '(expression)') FROM pragma_index_info(?, ?) ORDER BY seqno`, ix.Name, schema).Scan(&names).Error; err != nil {
			return s, err
		}
		if !slices.Contains(names, "version") {
			s.unique = append(s.unique, uniqueIndex{name: ix.Name, columns: names})
		}
	}
	return s, nil
}
