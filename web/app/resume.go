// resume.go: what the page says when a run picks up work kept from before — the features of
// an extraction the tab closed (or a worker crashed) during, which IndexedDB kept photo by
// photo, so that picking the same folder again extracts only the rest — and when the browser
// refused to keep features (storage full, a private window): the run goes on with them held
// in the model worker's memory, and the page says the next run extracts them again.
package main

import (
	"fmt"
	"strconv"

	"github.com/graftml/graft/web/wire"
)

// ResumeLine says that a run continues an earlier extraction: "Continuing: 812 of 1,000
// photos were extracted before; extracting the other 188." ("" when nothing or everything
// was cached).
func ResumeLine(t *Train) string {
	m := t.Missing
	if m == nil || m.Run != t.Run || m.Cached == 0 || len(m.Entries) == 0 {
		return ""
	}
	total := m.Cached + len(m.Entries)
	return fmt.Sprintf("Continuing: %s of %s photos were extracted before; extracting the other %s.",
		Thousands(m.Cached), Thousands(total), Thousands(len(m.Entries)))
}

// NotKeptLine says which features the browser would not keep ("" when it kept them all).
func NotKeptLine(t *Train) string {
	if t.NotKept == "" {
		return ""
	}
	return fmt.Sprintf("This browser refused to keep the features of %s (%s): this run uses them, the next run extracts them again.",
		plural(t.NotKeptPhotos, "photo", "photos"), t.NotKept)
}

// Thousands writes n with commas between groups of three digits: 1,000.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// noteNotKept takes what an Extracted says of features the browser would not keep: the page
// notes it, and vectors pool worker k (not the model worker) held go on to the model worker.
func (a *App) noteNotKept(k int, e *wire.Extracted) {
	if e.NotKept == "" || e.Run != a.State.Train.Run {
		return
	}
	t := &a.State.Train
	t.NotKept = e.NotKept
	t.NotKeptPhotos++
	if k != 0 && e.Kept != nil && len(e.Kept.Keys) > 0 {
		a.post(a.worker, wire.Envelope{Kind: wire.KindKeep, Keep: e.Kept})
	}
}
