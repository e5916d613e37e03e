package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress reports how far a long write has come: a redrawn bar with rows/s
// and an ETA on a terminal, a plain line every few seconds otherwise.
type progress struct {
	w        io.Writer
	tty      bool
	total    int64
	unit     string
	start    time.Time
	lastDraw time.Time
	done     int64
	now      func() time.Time
}

func newProgress(w io.Writer, total int64, unit string) *progress {
	p := &progress{w: w, total: total, unit: unit, now: time.Now}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	p.start = p.now()
	p.lastDraw = p.start // no line before there is a rate to show
	return p
}

// add records n more done, and redraws when it is time to.
func (p *progress) add(n int64) {
	if n == 0 && !p.lastDraw.IsZero() {
		return // nothing new to draw (the final 100% line would repeat)
	}
	p.done += n
	now := p.now()
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if now.Sub(p.lastDraw) < every && p.done < p.total {
		return
	}
	p.lastDraw = now
	p.draw(now)
}

func (p *progress) rate(now time.Time) float64 {
	secs := now.Sub(p.start).Seconds()
	if secs <= 0 {
		return 0
	}
	return float64(p.done) / secs
}

// lineWidth is the most a progress line takes: it fits an 80-column
// terminal without wrapping, whatever the numbers.
const lineWidth = 79

func (p *progress) draw(now time.Time) {
	rate := p.rate(now)
	eta := "?"
	if rate > 0 && p.total > 0 {
		eta = etaString(time.Duration(float64(p.total-p.done) / rate * float64(time.Second)))
	}
	frac := 0.0
	if p.total > 0 {
		frac = min(float64(p.done)/float64(p.total), 1)
	}
	if !p.tty {
		fmt.Fprintf(p.w, "%d/%d %s (%.0f%%), %s %s/s, ETA %s\n", p.done, p.total, p.unit, 100*frac, count(int64(rate)), p.unit, eta)
		return
	}
	const width = 20
	filled := int(frac * width)
	line := fmt.Sprintf("[%s%s] %3.0f%%  %s/%s %s  %s/s  ETA %s",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*frac, count(p.done), count(p.total), p.unit, count(int64(rate)), eta)
	if r := []rune(line); len(r) > lineWidth {
		line = string(r[:lineWidth])
	}
	// Padded, so that a shorter line covers a longer one drawn before it.
	fmt.Fprintf(p.w, "\r%-*s", lineWidth, line)
}

// count writes n in at most five characters: exact below 100000, else
// with a k or M suffix and three significant digits.
func count(n int64) string {
	switch {
	case n < 100_000:
		return fmt.Sprint(n)
	case n < 1_000_000:
		return fmt.Sprintf("%dk", n/1000)
	case n < 10_000_000:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n < 100_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n < 1_000_000_000:
		return fmt.Sprintf("%dM", n/1_000_000)
	default:
		return fmt.Sprintf("%.1fG", float64(n)/1e9)
	}
}

// etaString rounds d to what matters and caps it.
func etaString(d time.Duration) string {
	switch {
	case d >= 100*time.Hour:
		return ">99h"
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	}
	return d.Round(time.Second).String()
}

// finish prints the final line and returns the overall rate.
func (p *progress) finish() float64 {
	now := p.now()
	rate := p.rate(now)
	if p.tty {
		p.draw(now)
		fmt.Fprintln(p.w)
	}
	return rate
}
