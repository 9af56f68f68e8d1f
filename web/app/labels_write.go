// labels_write.go: "Write changes into the folder" — the label check's changes (labels_state.go)
// done to the folder itself, only on that explicit click and where the browser has the File
// System Access API: a moved photo goes into its new class's folder, an excluded one into
// _excluded/<its class>/ (nothing is deleted); the model worker names each destination with
// app.SortPlan (never over a file, as sorting does), and folder.mjs checks that each file it
// moves is the photo that was listed (its SHA-256) before it writes the new file and removes
// the old one. This file is the pure part: which moves to make and what to say after.
package main

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/graftml/graft/web/wire"
)

// ExcludedFolder receives the photos the check left out, under their class's name.
const ExcludedFolder = "_excluded"

// WriteRunBase keeps the write's naming request apart from sorting's and the check's runs.
const WriteRunBase = 3_000_000

// ChangeWrite is the state of writing the changes.
type ChangeWrite struct {
	Running  bool
	Run      int
	Line     string
	Done     int
	Failed   int
	Pending  []wire.Change // the changes being written, in Items' order
	runs     int
	CanWrite bool // the browser has showDirectoryPicker
}

// WriteItems are the destinations to name for the changes (folder, file name), one per change:
// the new class's folder, or ExcludedFolder/<class>.
func WriteItems(changes []wire.Change) []wire.SortItem {
	items := make([]wire.SortItem, 0, len(changes))
	for _, ch := range changes {
		folder := ch.Class
		if ch.Exclude {
			class, _, _ := strings.Cut(ch.Path, "/")
			folder = ExcludedFolder + "/" + class
		}
		items = append(items, wire.SortItem{Folder: folder, Name: path.Base(ch.Path)})
	}
	return items
}

// Start begins a write of changes; it returns its run.
func (w *ChangeWrite) Start(changes []wire.Change) int {
	w.runs++
	w.Run = WriteRunBase + w.runs
	w.Running, w.Done, w.Failed, w.Pending = true, 0, 0, slices.Clone(changes)
	w.Line = "Naming the files…"
	return w.Run
}

// Finish ends the write: the changes written leave the overlay (the folder holds them now),
// the ones that failed stay. written[i] says whether Pending[i] was.
func (w *ChangeWrite) Finish(c *LabelCheck, written []bool, firstError string) {
	moved, excluded := 0, 0
	for i, ch := range w.Pending {
		if i >= len(written) || !written[i] {
			continue
		}
		if ch.Exclude {
			excluded++
		} else {
			moved++
		}
		c.Changes = slices.DeleteFunc(c.Changes, func(x wire.Change) bool { return x.Hash == ch.Hash })
		c.setDecision(ch.Hash, "")
	}
	w.Running, w.Pending = false, nil
	n := moved + excluded
	switch {
	case n == 0:
		w.Line = "Nothing was written: " + firstError
	default:
		w.Line = fmt.Sprintf("Wrote %s into the folder (%d moved to their class, %d into %s/). Pick the folder again to train on it as it is now.",
			plural(n, "change", "changes"), moved, excluded, ExcludedFolder)
		if firstError != "" {
			w.Line += " Not written: " + firstError
		}
	}
}
