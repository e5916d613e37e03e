package repo

import (
	"strings"
	"testing"
	"time"
)

func TestLocalDays(t *testing.T) {
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	t.Run("Eucla", func(t *testing.T) { // +08:45: days start at 15:15 UTC
		days, ok := localDays(load("Australia/Eucla"), utc("2026-11-01T00:00:00Z"), utc("2026-11-03T00:00:00Z"))
		if !ok || len(days) != 3 || !days[1].lo.Equal(utc("2026-11-01T15:15:00Z")) || !days[1].hi.Equal(utc("2026-11-02T15:15:00Z")) || days[0].name != "2026-11-01" {
			t.Fatalf("localDays = %v, %v", days, ok)
		}
		_, utcDays, masks := segments(days[1:2])
		if len(masks) != 2 || utcDays[0] != "2026-11-01" || masks[0] != strings.Repeat("0", 61)+strings.Repeat("1", 35) ||
			masks[1] != strings.Repeat("1", 61)+strings.Repeat("0", 35) {
			t.Fatalf("segments = %v %v", utcDays, masks)
		}
	})
	t.Run("DaylightSaving", func(t *testing.T) { // New York's 25-hour day
		days, ok := localDays(load("America/New_York"), utc("2026-11-01T04:00:00Z"), utc("2026-11-02T05:00:00Z"))
		if !ok || len(days) != 1 || days[0].hi.Sub(days[0].lo) != 25*time.Hour {
			t.Fatalf("localDays = %v, %v", days, ok)
		}
	})
	t.Run("LocalMeanTime", func(t *testing.T) { // Kolkata before 1942: +05:53:20, off the buckets
		if days, ok := localDays(load("Asia/Kolkata"), utc("1900-01-01T00:00:00Z"), utc("1900-01-05T00:00:00Z")); ok {
			t.Fatalf("localDays on local mean time = %v, want the scan", days)
		}
	})
	t.Run("TooMany", func(t *testing.T) {
		if _, ok := localDays(time.UTC, utc("2000-01-01T00:00:00Z"), utc("2011-01-01T00:00:00Z")); ok {
			t.Fatal("eleven years of days accepted")
		}
	})
}
