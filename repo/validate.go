package repo

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// The years both backends store and read back exactly: PostgreSQL's
// timestamps reach further, but LogStore's ISO-8601 text has four-digit
// years, and a time outside them is a mistake (a --days of a billion), not
// a query.
const (
	minYear = 1
	maxYear = 9999
)

// validTime refuses a time outside minYear…maxYear; the zero time (an open
// end) is fine.
func validTime(name string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if y := t.UTC().Year(); y < minYear || y > maxYear {
		return fmt.Errorf("wflog/repo: %s is in the year %d; times must be in the years %d to %d", name, y, minYear, maxYear)
	}
	return nil
}

// validTimes checks a row's times before it is written: PostgreSQL's
// driver wraps a time beyond its microsecond range into another year, and
// SQLite stores text that no read can scan back, so a time outside
// minYear…maxYear would be stored wrong rather than refused. Every row of
// a batch is checked before any is sent.
func validTimes(what string, id uuid.UUID, createdAt time.Time, finishedAt *time.Time) error {
	if err := validTime(what+" "+id.String()+" created_at", createdAt); err != nil {
		return err
	}
	if finishedAt != nil {
		return validTime(what+" "+id.String()+" finished_at", *finishedAt)
	}
	return nil
}

// validRange checks a [from, to) range's ends.
func validRange(what string, from, to time.Time) error {
	if err := validTime(what+".From", from); err != nil {
		return err
	}
	if err := validTime(what+".To", to); err != nil {
		return err
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return fmt.Errorf("wflog/repo: %s.To (%s) is before %s.From (%s)", what, to.Format(time.RFC3339), what, from.Format(time.RFC3339))
	}
	return nil
}

// validZone refuses a time zone whose name is not an IANA zone with the
// same offsets. Days are cut on PostgreSQL by the zone's name (AT TIME
// ZONE) and in Go by its offsets, so a zone called "UTC" that is eight
// hours ahead (time.FixedZone("UTC", 8*3600)) would give different days on
// different paths; there must be one source of truth.
func validZone(loc *time.Location) error {
	if loc == nil {
		return nil
	}
	name := loc.String()
	iana, err := time.LoadLocation(name)
	if err != nil || name == "Local" || name == "" {
		return fmt.Errorf("wflog/repo: time zone %q is not an IANA zone name; load one with time.LoadLocation(\"Asia/Shanghai\")", truncate(name, 64))
	}
	probes := []time.Time{time.Now()}
	for _, y := range []int{1970, 2000, 2020, time.Now().Year()} {
		probes = append(probes, time.Date(y, 1, 15, 12, 0, 0, 0, time.UTC), time.Date(y, 7, 15, 12, 0, 0, 0, time.UTC))
	}
	for _, p := range probes {
		_, want := p.In(iana).Zone()
		if _, got := p.In(loc).Zone(); got != want {
			return fmt.Errorf("wflog/repo: time zone %q is %+d s from UTC on %s, but the IANA zone of that name is %+d s: a zone's name and offsets must agree (use time.LoadLocation)", name, got, p.Format("2006-01-02"), want)
		}
	}
	return nil
}

// validStats checks a Stats before any query.
func validStats(s Stats) error {
	if err := validRange("Stats", s.From, s.To); err != nil {
		return err
	}
	return validZone(s.Location)
}

// truncate shortens user input echoed in an error to n bytes, saying how
// long it was: an error never carries megabytes of someone's input.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:cut], len(s))
}
