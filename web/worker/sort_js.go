//go:build js && wasm

// The worker's part of sorting a folder (web/wire/sort.go has the flow): sort_run gives this
// worker the run's head file (engine.Shelf.NewSorter), sort_photo one photo to decode and
// classify with it (engine.Sorter.Sort); a cancelled run's queued photos are answered
// "cancelled" without being read. Both come through the extract queue, in order.
package main

import (
	"context"

	"github.com/graftml/graft/web/engine"
	"github.com/graftml/graft/web/wire"
)

// sorting is the head this worker sorts with, for run sortRun.
type sorting struct {
	sortRun int
	sorter  *engine.Sorter
	sortErr error
}

// sortJob answers one sort_run or sort_photo message.
func (w *worker) sortJob(j job) {
	<-w.settled
	if r := j.env.SortRun; r != nil {
		w.sortRun, w.sorter, w.sortErr = r.Run, nil, nil
		if w.session == nil {
			w.sortErr = w.loadErr
			return
		}
		w.sorter, w.sortErr = w.shelf.NewSorter(bytesFromJS(j.blob))
		return
	}
	x := j.env.SortPhoto
	out := wire.Sorted{ID: x.ID, Run: x.Run}
	switch {
	case w.isCancelled(x.Run):
		out.Error = "cancelled"
	case w.session == nil:
		out.Error = "the model could not be loaded: " + w.loadErr.Error()
	case x.Run != w.sortRun:
		out.Error = "this worker was not given the head of this sort"
	case w.sortErr != nil:
		out.Error = w.sortErr.Error()
	default:
		px, _, msg := decodeBlob(j.blob, x.Path, x.Type, x.Bytes, engine.FolderLimits)
		if msg != "" {
			out.Undecodable = msg
			break
		}
		res, err := w.sorter.Sort(context.Background(), w.session, px, x.Path)
		if err != nil {
			out.Error = err.Error()
			break
		}
		res.ID, res.Run = x.ID, x.Run
		out = res
	}
	post(wire.Envelope{Kind: wire.KindSorted, Sorted: &out})
}
