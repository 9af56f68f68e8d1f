// sort_state.go: the page's state of "sort a folder" as plain Go (tested in sort_state_test.go):
// the photos picked, each one's answer from the pool, the table's order, the CSV it downloads
// (graft classify --csv's rows, made by the workers with app.CSVRow; sorted_to filled in here
// once copies are written) and the copies' progress.
package main

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"

	"github.com/graftml/graft/web/wire"
)

// Sort phases.
const (
	SortNone      = ""
	SortStarting  = "starting" // asked the model worker for the head
	SortRunning   = "running"
	SortDone      = "done"
	SortCancelled = "cancelled"
	SortFailed    = "failed"
)

// SortRunBase numbers sort runs apart from training runs (they share the workers' Cancel).
const SortRunBase = 1_000_000

// Sort is one folder being sorted.
type Sort struct {
	Phase     string
	Run       int
	Folder    string // the picked folder's name
	Head      string
	Classes   []string
	CSVHeader []string
	SortedTo  int // index of sorted_to in CSVHeader
	Rows      []SortRow
	Skipped   int // hidden files left out, as graft classify does
	Extract   *Extraction
	Message   string
	By        string // column the table is sorted by: "file", "class", "prob", "unknown"
	Desc      bool

	CanWrite   bool   // the browser has showDirectoryPicker
	Copying    bool   // copies being written
	CopyDone   int    // copies written so far
	CopyTotal  int    //
	CopyFailed int    //
	CopyLine   string // what the last "Write copies" did
}

// SortRow is one photo of the folder.
type SortRow struct {
	Path     string // "folder/sub/a.jpg", as graft classify prints a path under the folder given
	URL      string // object URL of the File, for the thumbnail
	Done     bool
	Class    string // the head's class, or "none of these"
	Prob     float32
	Unknown  bool
	Folder   string // where a copy goes (app.SortPlan.Folder)
	CSV      []string
	Error    string // not classified, and why
	SortedTo string // the copy written, relative to the chosen folder
}

// NewSort is a sort of the picked files (paths below and including the folder's name): hidden
// files and folders are left out, the rest in name order.
func NewSort(run int, folder string, paths, urls []string) *Sort {
	s := &Sort{Phase: SortStarting, Run: run, Folder: folder, By: "file"}
	for i, p := range paths {
		if hiddenPath(p) {
			s.Skipped++
			continue
		}
		s.Rows = append(s.Rows, SortRow{Path: p, URL: urls[i]})
	}
	slices.SortStableFunc(s.Rows, func(a, b SortRow) int { return strings.Compare(a.Path, b.Path) })
	return s
}

// hiddenPath reports whether a name along p (below the picked folder) starts with a dot.
func hiddenPath(p string) bool {
	parts := strings.Split(p, "/")
	for _, part := range parts[min(1, len(parts)-1):] {
		if strings.HasPrefix(part, ".") {
			return true
		}
	}
	return false
}

// Ready takes the model worker's sort_ready: the schedule starts with workers workers.
func (s *Sort) Ready(r *wire.SortReady, workers int, nowMs float64) bool {
	if r.Run != s.Run || s.Phase != SortStarting {
		return false
	}
	if r.Error != "" {
		s.Phase, s.Message = SortFailed, "Cannot sort: "+r.Error
		return false
	}
	if len(s.Rows) == 0 {
		s.Phase, s.Message = SortFailed, "That folder holds no photos to sort."
		return false
	}
	s.Head, s.Classes, s.CSVHeader, s.SortedTo = r.Head, r.Classes, r.CSVHeader, r.SortedTo
	entries := make([]int, len(s.Rows))
	for i := range entries {
		entries[i] = i
	}
	s.Extract = NewExtraction(&wire.Missing{Run: s.Run, Entries: entries}, max(workers, 1), nowMs)
	s.Extract.Workers = 1 // the model worker; the others once they have loaded the model
	s.Phase = SortRunning
	return true
}

// Apply records one photo's answer and returns the worker it came from (ok false for an answer
// of another run, or of a job not in flight).
func (s *Sort) Apply(e *wire.Sorted, nowMs float64) (worker int, ok bool) {
	if s.Extract == nil || s.Phase != SortRunning || e.Run != s.Run {
		return 0, false
	}
	entry, known := s.Extract.Entry(e.ID)
	worker, ok = s.Extract.Finish(&wire.Extracted{ID: e.ID, Run: e.Run, Undecodable: e.Undecodable, Error: e.Error}, nowMs)
	if !ok || !known {
		return worker, ok
	}
	r := &s.Rows[entry]
	r.Done = true
	switch {
	case e.Undecodable != "":
		r.Error = e.Undecodable
	case e.Error != "":
		r.Error = e.Error
	default:
		r.Prob, r.Unknown, r.Folder, r.CSV = e.Prob, e.Unknown, e.Folder, e.CSV
		r.Class = "none of these"
		if !e.Unknown && e.Best >= 0 && e.Best < len(s.Classes) {
			r.Class = s.Classes[e.Best]
		}
	}
	if s.Extract.Finished() {
		s.Phase = SortDone
	}
	return worker, true
}

// Cancel stops the sort: the photos not answered stay without a class.
func (s *Sort) Cancel() {
	if s.Phase == SortRunning || s.Phase == SortStarting {
		s.Phase = SortCancelled
	}
}

// Busy reports whether photos are being classified.
func (s *Sort) Busy() bool { return s != nil && (s.Phase == SortStarting || s.Phase == SortRunning) }

// SetBy sorts the table by column (again: the other way).
func (s *Sort) SetBy(col string) {
	if s.By == col {
		s.Desc = !s.Desc
		return
	}
	s.By, s.Desc = col, col == "prob" // most probable first
}

// View is the rows in the table's order.
func (s *Sort) View() []SortRow {
	out := slices.Clone(s.Rows)
	key := func(a, b SortRow) int {
		switch s.By {
		case "class":
			return strings.Compare(a.Class, b.Class)
		case "prob":
			return cmp.Compare(a.Prob, b.Prob)
		case "unknown":
			return cmp.Compare(boolInt(a.Unknown), boolInt(b.Unknown))
		}
		return strings.Compare(a.Path, b.Path)
	}
	slices.SortStableFunc(out, func(a, b SortRow) int {
		c := key(a, b)
		if s.Desc {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(a.Path, b.Path)
		}
		return c
	})
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// AriaSort is a column header's aria-sort.
func (s *Sort) AriaSort(col string) string {
	switch {
	case s.By != col:
		return "none"
	case s.Desc:
		return "descending"
	}
	return "ascending"
}

// CSV is the table graft classify --head --csv writes: a row per classified photo, in name
// order, with sorted_to where a copy was written.
func (s *Sort) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(s.CSVHeader)
	for _, r := range s.Rows {
		if r.CSV == nil {
			continue
		}
		row := slices.Clone(r.CSV)
		if s.SortedTo >= 0 && s.SortedTo < len(row) {
			row[s.SortedTo] = r.SortedTo
		}
		w.Write(row)
	}
	w.Flush()
	return b.Bytes()
}

// Classified counts the rows with a class.
func (s *Sort) Classified() int {
	n := 0
	for _, r := range s.Rows {
		if r.CSV != nil {
			n++
		}
	}
	return n
}

// SortLine is the line above the table.
func SortLine(s *Sort) string {
	if s == nil {
		return ""
	}
	skipped := ""
	if s.Skipped > 0 {
		skipped = fmt.Sprintf(" (%d hidden files left out)", s.Skipped)
	}
	switch s.Phase {
	case SortStarting:
		return fmt.Sprintf("Preparing to sort %d photos of “%s”%s…", len(s.Rows), s.Folder, skipped)
	case SortRunning:
		x := s.Extract
		line := fmt.Sprintf("Classifying with “%s”: %d of %d photos, %d workers", s.Head, x.Done, x.Total, x.Workers)
		if eta, ok := x.ETA(); ok {
			line += fmt.Sprintf(", about %s left", Seconds(eta))
		}
		return line + skipped
	case SortDone, SortCancelled:
		unknown, failed := 0, 0
		for _, r := range s.Rows {
			if r.Unknown {
				unknown++
			}
			if r.Error != "" {
				failed++
			}
		}
		verb := "Sorted"
		if s.Phase == SortCancelled {
			verb = "Cancelled after"
		}
		return fmt.Sprintf("%s %d of %d photos of “%s” with “%s”: %d none of its classes, %d not classified%s.",
			verb, s.Classified(), len(s.Rows), s.Folder, s.Head, unknown, failed, skipped)
	case SortFailed:
		return s.Message
	}
	return ""
}

// CopyItems are the rows to copy: classified, not yet copied, in name order.
func (s *Sort) CopyItems() (rows []int, items []wire.SortItem) {
	for i, r := range s.Rows {
		if r.CSV == nil || r.SortedTo != "" {
			continue
		}
		name := r.Path[strings.LastIndex(r.Path, "/")+1:]
		rows, items = append(rows, i), append(items, wire.SortItem{Folder: r.Folder, Name: name})
	}
	return rows, items
}

// CopyLine says what writing the copies did; firstError is the first failure's message.
func CopyLine(s *Sort, firstError string) string {
	line := fmt.Sprintf("Wrote %d copies into the chosen folder (one folder per class, “_none of these” for the rest); the photos themselves are untouched.", s.CopyDone)
	if s.CopyFailed > 0 {
		line += fmt.Sprintf(" %d could not be written: %s", s.CopyFailed, firstError)
	}
	return line
}

// ---- What the sort panel shows ----

// SortAnswered is how many photos have an answer (for the progress bar).
func SortAnswered(s *Sort) int {
	if s == nil || s.Extract == nil {
		return 0
	}
	return s.Extract.Done
}

// SortMax is the progress bar's max (absent while the head is being fetched).
func SortMax(s *Sort) any {
	if s == nil || s.Extract == nil {
		return nil
	}
	return max(s.Extract.Total, 1)
}

// SortFinished reports whether the sort is over with something to download.
func SortFinished(s *Sort) bool {
	return s != nil && (s.Phase == SortDone || s.Phase == SortCancelled) && s.Classified() > 0
}

// SortHasRows reports whether there is a table to show.
func SortHasRows(s *Sort) bool { return s != nil && len(s.Rows) > 0 && s.Phase != SortFailed }

// SortRowClass marks rows that are none of the classes, or failed.
func SortRowClass(r SortRow) string {
	switch {
	case r.Error != "":
		return "failed"
	case r.Unknown:
		return "unknown"
	}
	return ""
}

// SortClassText is the class cell.
func SortClassText(r SortRow) string {
	switch {
	case r.Error != "":
		return "not classified: " + r.Error
	case !r.Done:
		return "…"
	}
	return r.Class
}

// SortProbText is the probability cell.
func SortProbText(r SortRow) string {
	if !r.Done || r.Error != "" {
		return ""
	}
	return Percent(r.Prob)
}

// SortUnknownText is the "none of these" cell.
func SortUnknownText(r SortRow) string {
	switch {
	case !r.Done || r.Error != "":
		return ""
	case r.Unknown:
		return "yes"
	}
	return "no"
}

// CopyProgress is the line under the buttons while copies are written, then what was done.
func CopyProgress(s *Sort) string {
	if s.Copying && s.CopyTotal > 0 && s.CopyLine != "Naming the copies…" {
		return fmt.Sprintf("Writing copies: %d of %d…", s.CopyDone+s.CopyFailed, s.CopyTotal)
	}
	return s.CopyLine
}
