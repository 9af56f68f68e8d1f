// sort.go: the App's side of "sort a folder" (web/wire/sort.go has the flow). The page holds
// the picked Files (handles), asks the model worker for the active head's file, gives it to a
// pool of workers — the model worker plus copies started with ?role=extract, as for training —
// and feeds them the photos, at most MaxInFlight each; the answers fill the table (sort_state.go).
// "Write copies" asks for a folder (showDirectoryPicker), lists what is in it, has the model
// worker name the copies (app.SortPlan) and folder.mjs writes them, never over a file.
// Methods run under Vugu's lock (DOM handlers, or App.do).
package main

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/vugu/vugu/js"

	"github.com/graftml/graft/web/wire"
)

// sorter is the App's browser-side sorting state.
type sorter struct {
	files   []js.Value // by row
	urls    []string   // thumbnails' object URLs, revoked by the next sort
	head    js.Value   // the head file (Uint8Array) of the run
	pool    []js.Value // pool[0] is the model worker
	ready   []bool
	gen     int
	runs    int
	target  js.Value // the folder chosen for copies
	copying []int    // rows being copied, in the order of the plan
}

// PickedSortFolder takes the files of the sort folder input (webkitdirectory). Under the lock.
func (a *App) PickedSortFolder(files js.Value) {
	n := files.Get("length").Int()
	if n == 0 {
		a.State.Error = "That folder is empty (or the browser gave no files from it)."
		return
	}
	if a.State.Sort.Busy() {
		a.CancelSort()
	}
	a.revokeSort()
	url := js.Global().Get("URL")
	paths, urls := make([]string, n), make([]string, n)
	byPath := map[string]js.Value{}
	folder := ""
	for i := range n {
		f := files.Call("item", i)
		rel := f.Get("webkitRelativePath").String()
		if rel == "" {
			rel = f.Get("name").String()
		}
		folder, _, _ = strings.Cut(rel, "/")
		paths[i] = rel
		byPath[rel] = f
	}
	a.so.runs++
	s := NewSort(SortRunBase+a.so.runs, folder, paths, urls)
	s.CanWrite = js.Global().Get("showDirectoryPicker").Truthy()
	a.so.files = make([]js.Value, len(s.Rows))
	for i := range s.Rows {
		f := byPath[s.Rows[i].Path]
		a.so.files[i] = f
		s.Rows[i].URL = url.Call("createObjectURL", f).String()
		a.so.urls = append(a.so.urls, s.Rows[i].URL)
	}
	a.State.Sort = s
	a.post(a.worker, wire.Envelope{Kind: wire.KindSortStart, SortStart: &wire.SortStart{Run: s.Run}})
}

// revokeSort frees the thumbnails of the previous sort.
func (a *App) revokeSort() {
	for _, u := range a.so.urls {
		js.Global().Get("URL").Call("revokeObjectURL", u)
	}
	a.so.urls = nil
}

// onSortMessage handles the sort flow's messages from pool worker k (0: the model worker).
func (a *App) onSortMessage(k int, e wire.Envelope, file js.Value) {
	if w := &a.State.Train.Check.Write; e.Kind == wire.KindSortNames && e.SortNames != nil && w.Running && e.SortNames.Run == w.Run {
		a.moveChanged(e.SortNames) // the label check's changes, named like sorted copies (labels.go)
		return
	}
	s := a.State.Sort
	if s == nil {
		return
	}
	switch e.Kind {
	case wire.KindSortReady:
		n := min(a.State.Train.Workers, len(s.Rows))
		if !s.Ready(e.SortReady, n, a.nowMs()) {
			return
		}
		a.so.head = file
		a.startSortPool(n)
	case wire.KindSorted:
		if _, ok := s.Apply(e.Sorted, a.nowMs()); !ok {
			return
		}
		if s.Phase == SortDone {
			a.stopSortPool()
			return
		}
		a.feedSort()
	case wire.KindSortNames:
		a.writeCopies(e.SortNames)
	}
}

// startSortPool gives every worker the head and feeds them.
func (a *App) startSortPool(n int) {
	a.so.gen++
	a.so.pool, a.so.ready = []js.Value{a.worker}, []bool{true}
	a.postHead(a.worker)
	for k := 1; k < n; k++ {
		w := js.Global().Get("graftBoot").Call("startWorker", "extract", "graft-sort-"+strconv.Itoa(k))
		a.listenSortPool(k, a.so.gen, w)
		a.postHead(w)
		a.so.pool, a.so.ready = append(a.so.pool, w), append(a.so.ready, false)
	}
	a.feedSort()
}

// postHead sends the run's head file to worker w.
func (a *App) postHead(w js.Value) {
	data := js.Global().Get("Object").New()
	data.Set("json", wire.Encode(wire.Envelope{Kind: wire.KindSortRun, SortRun: &wire.SortRun{Run: a.State.Sort.Run}}))
	setJS(data, "blob", a.so.head)
	w.Call("postMessage", data)
}

// feedSort gives every ready worker photos up to MaxInFlight.
func (a *App) feedSort() {
	s := a.State.Sort
	for k, w := range a.so.pool {
		if !a.so.ready[k] {
			continue
		}
		for {
			j, ok := s.Extract.Assign(k)
			if !ok {
				break
			}
			f := a.so.files[j.Entry]
			data := js.Global().Get("Object").New()
			data.Set("json", wire.Encode(wire.Envelope{Kind: wire.KindSortPhoto, SortPhoto: &wire.SortPhoto{ID: j.ID, Run: s.Run,
				Path: s.Rows[j.Entry].Path, Type: f.Get("type").String(), Bytes: int64(f.Get("size").Float())}}))
			setJS(data, "blob", f)
			w.Call("postMessage", data)
		}
	}
}

// listenSortPool routes pool worker k's messages: its status (ready or not) and its answers.
func (a *App) listenSortPool(k, gen int, w js.Value) {
	current := func() bool { return a.so.gen == gen && k < len(a.so.pool) }
	a.listenWorker(w, current, func(e wire.Envelope) {
		if a.State.Sort == nil {
			return
		}
		switch {
		case e.Kind == wire.KindStatus && e.Status.Phase == wire.PhaseReady && !a.so.ready[k]:
			a.so.ready[k] = true
			a.State.Sort.Extract.Workers++
			a.feedSort()
		case e.Kind == wire.KindStatus && e.Status.Phase == wire.PhaseError:
			a.sortWorkerLost(k)
		case e.Kind == wire.KindSorted:
			a.onSortMessage(k, e, js.Undefined())
		}
	}, func() { a.sortWorkerLost(k) })
}

// sortWorkerLost gives a failed worker's photos to the others.
func (a *App) sortWorkerLost(k int) {
	if s := a.State.Sort; s != nil && s.Phase == SortRunning {
		s.Extract.Requeue(k)
		if a.so.ready[k] {
			s.Extract.Workers--
		}
	}
	a.so.ready[k] = false
	a.so.pool[k].Call("terminate")
	a.feedSort()
}

// stopSortPool ends the extra workers (not the model worker).
func (a *App) stopSortPool() {
	for k := 1; k < len(a.so.pool); k++ {
		a.so.pool[k].Call("terminate")
	}
	a.so.pool, a.so.ready = nil, nil
	a.so.gen++
}

// CancelSort stops the sort: extra workers end, the model worker drops the run's photos.
func (a *App) CancelSort() {
	s := a.State.Sort
	if !s.Busy() {
		return
	}
	a.post(a.worker, wire.Envelope{Kind: wire.KindCancel, Cancel: &wire.Cancel{Run: s.Run}})
	a.stopSortPool()
	s.Cancel()
}

// SortBy sorts the table by a column. Under the lock.
func (a *App) SortBy(col string) {
	if a.State.Sort != nil {
		a.State.Sort.SetBy(col)
	}
}

// DownloadSortCSV downloads the table as graft classify --csv writes it. Under the lock.
func (a *App) DownloadSortCSV() {
	s := a.State.Sort
	if s == nil || s.CSVHeader == nil {
		return
	}
	b := s.CSV()
	arr := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(arr, b)
	a.download(FileStem(s.Folder)+"-classified.csv", arr)
}

// FileStem is a folder name fit for a download's name: letters, digits, - and _.
func FileStem(name string) string {
	stem := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, name)
	if stem = strings.Trim(stem, "-"); stem == "" {
		stem = "photos"
	}
	return stem
}

// WriteSortCopies asks for a folder and writes a copy of every classified photo into
// <folder>/<class>/ (or the folder of none of them). Under the lock: the picker must open in
// the click's handler (user activation); the rest runs from its Promise.
func (a *App) WriteSortCopies() {
	s := a.State.Sort
	if s == nil || s.Busy() || s.Copying {
		return
	}
	glue := js.Global().Get("graftFolder")
	s.Copying, s.CopyLine = true, "Choose the folder that receives the copies…"
	awaitJS(glue.Call("pickTarget"), func(v js.Value) {
		a.do(func() {
			a.so.target = v.Get("handle")
			var existing []string
			for i := range v.Get("existing").Length() {
				existing = append(existing, v.Get("existing").Index(i).String())
			}
			rows, items := s.CopyItems()
			if len(items) == 0 {
				s.Copying, s.CopyLine = false, "Every classified photo has its copy already."
				return
			}
			a.so.copying = rows
			s.CopyTotal, s.CopyDone, s.CopyFailed = len(items), 0, 0
			s.CopyLine = "Naming the copies…"
			a.post(a.worker, wire.Envelope{Kind: wire.KindSortPlan, SortPlan: &wire.SortPlan{Run: s.Run, Classes: s.Classes, Existing: existing, Items: items}})
		})
	}, func(msg string) {
		a.do(func() { s.Copying, s.CopyLine = false, "No copies written: "+msg })
	})
}

// writeCopies has folder.mjs write the copies the model worker named, one at a time.
func (a *App) writeCopies(n *wire.SortNames) {
	s := a.State.Sort
	if s == nil || n.Run != s.Run || !s.Copying {
		return
	}
	if n.Error != "" || len(n.Paths) != len(a.so.copying) {
		s.Copying, s.CopyLine = false, "No copies written: "+n.Error
		return
	}
	items := js.Global().Get("Array").New()
	for i, row := range a.so.copying {
		it := js.Global().Get("Object").New()
		it.Set("path", n.Paths[i])
		setJS(it, "file", a.so.files[row])
		items.Call("push", it)
	}
	rows := a.so.copying
	s.CopyLine = "Writing " + strconv.Itoa(len(rows)) + " copies…"
	progress := js.FuncOf(func(_ js.Value, args []js.Value) any {
		i, ok := args[0].Int(), args[1].Bool()
		a.do(func() {
			if ok {
				s.Rows[rows[i]].SortedTo = n.Paths[i]
				s.CopyDone++
			} else {
				s.CopyFailed++
			}
		})
		return nil
	})
	awaitJS(js.Global().Get("graftFolder").Call("writeCopies", a.so.target, items, progress), func(v js.Value) {
		a.do(func() {
			progress.Release()
			s.Copying = false
			s.CopyLine = CopyLine(s, v.Get("firstError").String())
		})
	}, func(msg string) {
		a.do(func() {
			progress.Release()
			s.Copying, s.CopyLine = false, "Copying stopped: "+msg
		})
	})
}
