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

func (p *progress) draw(now time.Time) {
	rate := p.rate(now)
	eta := "?"
	if rate > 0 && p.total > 0 {
		eta = (time.Duration(float64(p.total-p.done)/rate) * time.Second).Round(time.Second).String()
	}
	frac := 0.0
	if p.total > 0 {
		frac = float64(p.done) / float64(p.total)
	}
	if !p.tty {
		fmt.Fprintf(p.w, "%d/%d %s (%.0f%%), %.0f %s/s, ETA %s\n", p.done, p.total, p.unit, 100*frac, rate, p.unit, eta)
		return
	}
	const width = 30
	filled := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %5.1f%%  %d/%d %s  %.0f %s/s  ETA %-8s",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*frac, p.done, p.total, p.unit, rate, p.unit, eta)
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
