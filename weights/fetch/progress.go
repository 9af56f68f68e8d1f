// Download progress for a person at a terminal: bytes so far and of how many, the rate, and the
// time left. On a TTY one line rewrites itself (carriage return); in a log, a line every few
// seconds.
package fetch

import (
	"fmt"
	"io"
	"time"
)

// How often progress is printed.
const (
	ttyEvery = 200 * time.Millisecond
	logEvery = 5 * time.Second
)

type progress struct {
	w           io.Writer // nil: silent
	tty         bool
	start       time.Time
	first, have int64 // bytes held when this transfer began; bytes held now
	total       int64 // -1: unknown
	last        time.Time
	printed     bool
}

func newProgress(w io.Writer, tty bool, have, total int64) *progress {
	now := time.Now()
	return &progress{w: w, tty: tty, start: now, first: have, have: have, total: total, last: now}
}

func (p *progress) add(n int64) {
	p.have += n
	every := logEvery
	if p.tty {
		every = ttyEvery
	}
	if p.w != nil && time.Since(p.last) >= every {
		p.print()
	}
}

// finish prints the last state (and ends the rewritten line on a TTY).
func (p *progress) finish() {
	if p.w == nil || (!p.printed && p.have == p.first) {
		return
	}
	p.print()
	if p.tty {
		fmt.Fprintln(p.w)
	}
}

func (p *progress) print() {
	p.last = time.Now()
	p.printed = true
	line := progressLine(p.have, p.first, p.total, time.Since(p.start))
	if p.tty {
		fmt.Fprintf(p.w, "\r%-72s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// progressLine: "weights: 45.2 of 97.8 MiB (46%), 3.1 MiB/s, 17 s left".
func progressLine(have, first, total int64, elapsed time.Duration) string {
	const mib = 1 << 20
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(have-first) / s
	}
	if total <= 0 {
		return fmt.Sprintf("weights: %.1f MiB, %.1f MiB/s", float64(have)/mib, rate/mib)
	}
	left := "time left unknown"
	if rate > 0 {
		left = time.Duration(float64(total-have)/rate*float64(time.Second)).Round(time.Second).String() + " left"
	}
	return fmt.Sprintf("weights: %.1f of %.1f MiB (%d%%), %.1f MiB/s, %s",
		float64(have)/mib, float64(total)/mib, 100*have/total, rate/mib, left)
}
