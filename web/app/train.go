// train.go: the App's side of training a head (wire/train.go has the flow). The page holds the
// picked Files (handles: nothing is read here), asks the model worker to list them, runs the
// extraction over a pool of workers — the model worker plus PoolSize−1 more copies started
// with ?role=extract — feeding each at most MaxInFlight Files, then has the model worker train.
// Methods run under Vugu's lock (DOM handlers, or App.do).
package main

import (
	"strconv"
	"strings"

	"github.com/vugu/vugu/js"

	"github.com/graftml/graft/web/wire"
)

// trainer is the App's browser-side training state.
type trainer struct {
	files     js.Value       // JS array of the picked Files
	fileOf    map[string]int // path below the root → index into files
	listingID int
	pool      []js.Value    // extraction workers; pool[0] is the model worker
	ready     []bool        // pool[i] has its model
	poolGen   int           // counts pools started: messages of an older pool are ignored
	settings  wire.Settings // of the run last sent to the model worker: the pool's run message
	wrongURLs []string      // object URLs of the gallery
}

// PickedFolder takes the files of the folder input (webkitdirectory): their
// webkitRelativePath starts with the picked folder's name, which is the root.
func (a *App) PickedFolder(files js.Value) {
	n := files.Get("length").Int()
	if n == 0 {
		a.State.Error = "That folder is empty (or the browser gave no files from it)."
		return
	}
	arr := js.Global().Get("Array").New()
	var paths []string
	folder := ""
	for i := range n {
		f := files.Call("item", i)
		rel := f.Get("webkitRelativePath").String()
		if rel == "" {
			rel = f.Get("name").String()
		}
		root, below, ok := strings.Cut(rel, "/")
		if !ok {
			below = rel
		}
		folder = root
		arr.Call("push", f)
		paths = append(paths, below)
	}
	a.startList(folder, arr, paths, nil)
}

// DroppedFolder takes what the folder drop zone got: graftFolder.fromDrop (main.mjs) walks the
// dropped directories (asynchronously) and resolves to {files, paths, dirs, root}.
func (a *App) DroppedFolder(dataTransfer js.Value) {
	glue := js.Global().Get("graftFolder")
	promise := glue.Call("fromDrop", dataTransfer) // reads the entries now: the DataTransfer empties after the event
	if a.State.Train.Busy() {
		a.Cancel()
	}
	a.State.Train.Phase, a.State.Train.List = TrainListing, wire.Listing{}
	awaitJS(promise, func(v js.Value) {
		a.do(func() {
			n := v.Get("files").Get("length").Int()
			if n == 0 {
				a.State.Train.Phase = TrainNone
				a.State.Error = "Nothing to train on: drop a folder that has one sub-folder per class."
				return
			}
			var paths, dirs []string
			for i := range n {
				paths = append(paths, v.Get("paths").Index(i).String())
			}
			for i := range v.Get("dirs").Get("length").Int() {
				dirs = append(dirs, v.Get("dirs").Index(i).String())
			}
			a.startList(v.Get("root").String(), v.Get("files"), paths, dirs)
		})
	}, func(msg string) {
		a.do(func() {
			a.State.Train.Phase = TrainNone
			a.State.Error = "The dropped folder could not be read: " + msg
		})
	})
}

// startList sends the files to the model worker to be listed.
func (a *App) startList(folder string, files js.Value, paths, dirs []string) {
	t := &a.State.Train
	if t.Busy() && t.Phase != TrainListing {
		a.Cancel()
	}
	a.revokeWrong()
	a.revokeCheck()
	a.tr.files, a.tr.fileOf = files, make(map[string]int, len(paths))
	for i, p := range paths {
		a.tr.fileOf[p] = i
	}
	a.tr.listingID++
	// Run goes on counting across folders: the model worker remembers the runs cancelled, and
	// a run id it saw cancelled would be refused ("Training cancelled.") if it came again.
	*t = Train{Run: t.Run, Form: t.Form, Heads: t.Heads, HeadsRead: t.HeadsRead, Workers: t.Workers, Cache: t.Cache, CacheMessage: t.CacheMessage, Check: t.Check.Relisted(),
		Phase: TrainListing, Folder: folder, List: wire.Listing{ID: a.tr.listingID, Total: len(paths)}}
	msg := wire.Encode(wire.Envelope{Kind: wire.KindList, List: &wire.List{ID: a.tr.listingID, Paths: paths, Dirs: dirs}})
	data := js.Global().Get("Object").New()
	data.Set("json", msg)
	setJS(data, "files", files)
	a.worker.Call("postMessage", data)
}

// SetSetting changes one field of the settings form. Under the lock.
func (a *App) SetSetting(field string, value string, checked bool) {
	f := &a.State.Train.Form
	switch field {
	case "head":
		f.Head = value
	case "layer":
		f.Layer = value
	case "dropout":
		f.Dropout = value
	case "output":
		f.Output = value
	case "epochs":
		f.Epochs = value
	case "lr":
		f.LearningRate = value
	case "batch":
		f.BatchSize = value
	case "val":
		f.ValSplit = value
	case "patience":
		f.Patience = value
	case "seed":
		f.Seed = value
	case "resize":
		f.Resize = value
	case "flip":
		f.Flip = checked
	case "strategy":
		f.Strategy = value
	case "unfreeze":
		f.Unfreeze = value
	case "ft-lr":
		f.FineTuneLR = value
	case "ft-epochs":
		f.FineTuneEpochs = value
	case "memory":
		f.MemoryMB = value
	}
}

// StartTraining checks the form and asks the model worker to train. Under the lock.
func (a *App) StartTraining() {
	t := &a.State.Train
	if !t.CanTrain(a.State.Model) {
		return
	}
	s, err := t.Form.Settings()
	if err != nil {
		t.Message = "Check the settings: " + err.Error()
		return
	}
	t.Run++
	t.Phase, t.Message, t.Epochs, t.Missing, t.Extract = TrainPreparing, "", nil, nil, nil
	t.NotKept, t.NotKeptPhotos = "", 0
	a.postTrain(s)
	revealProgress()
}

// revealProgress scrolls the training progress (#train-progress) into view once the page has
// rendered the run, smoothly unless the user prefers reduced motion: the settings fill the
// screen above it, and the bar, the epoch line and the curves would otherwise come unseen.
func revealProgress() {
	var f js.Func
	f = js.FuncOf(func(js.Value, []js.Value) any {
		f.Release()
		el := js.Global().Get("document").Call("getElementById", "train-progress")
		if !el.Truthy() {
			return nil
		}
		opts := js.Global().Get("Object").New()
		opts.Set("block", "start")
		opts.Set("behavior", "smooth")
		if js.Global().Get("matchMedia").Truthy() && js.Global().Call("matchMedia", "(prefers-reduced-motion: reduce)").Get("matches").Truthy() {
			opts.Set("behavior", "auto")
		}
		el.Call("scrollIntoView", opts)
		return nil
	})
	js.Global().Call("requestAnimationFrame", f)
}

func (a *App) postTrain(s wire.Settings) {
	t := &a.State.Train
	a.tr.settings = s
	a.post(a.worker, wire.Envelope{Kind: wire.KindTrain, Train: &wire.Train{Run: t.Run, Listing: a.tr.listingID, Settings: s, Failed: t.Failed, Changes: t.Check.Changes}})
}

// Cancel stops the run: the pool's extra workers are ended (their memory freed at once), the
// model worker drops the run's queued images and stops training after the current epoch.
func (a *App) Cancel() {
	t := &a.State.Train
	if !t.Busy() {
		return
	}
	a.post(a.worker, wire.Envelope{Kind: wire.KindCancel, Cancel: &wire.Cancel{Run: t.Run}})
	a.stopPool()
	t.Phase, t.Message = TrainCancelled, "Cancelled."
}

// ClearCache clears the cached block inputs (wire.CacheClearInputs) or features. Refused while
// a run is under way: its extraction writes, and its training reads, those entries. Under the lock.
func (a *App) ClearCache(op string) {
	t := &a.State.Train
	if t.Busy() {
		t.CacheMessage = "A run is in progress: cancel it first, then clear the cache."
		return
	}
	t.CacheMessage = "Clearing…"
	a.askCache(op)
}

func (a *App) askCache(op string) {
	a.post(a.worker, wire.Envelope{Kind: wire.KindCache, Cache: &wire.Cache{Op: op}})
}

// post sends a message without anything beside it.
func (a *App) post(w js.Value, e wire.Envelope) {
	data := js.Global().Get("Object").New()
	data.Set("json", wire.Encode(e))
	w.Call("postMessage", data)
}

// onTrainMessage handles the training flow's messages from pool worker k (0: the model worker).
func (a *App) onTrainMessage(k int, e wire.Envelope, file js.Value) {
	t := &a.State.Train
	switch e.Kind {
	case wire.KindListing:
		t.ApplyListing(e.Listing, a.tr.listingID)
	case wire.KindMissing:
		if e.Missing.Run != t.Run || t.Phase != TrainPreparing {
			return
		}
		if e.Missing.Listing != nil {
			t.List = *e.Missing.Listing
		}
		a.startExtraction(e.Missing)
	case wire.KindExtracted:
		a.onExtracted(k, e.Extracted)
	case wire.KindEpoch:
		t.ApplyEpoch(e.Epoch)
	case wire.KindTrained:
		if e.Trained.Run != t.Run {
			return
		}
		t.Phase, t.Result = TrainDone, e.Trained
		t.SaveName = e.Trained.Head.Name
		a.showWrong(e.Trained) // the cache stats came just before, from the model worker
	case wire.KindTrainFailed:
		t.ApplyFailed(e.TrainFailed)
		a.stopPool()
		a.askCache(wire.CacheStatsOp)
	case wire.KindCacheStats:
		t.ApplyCacheStats(e.CacheStats)
	case wire.KindAuditProgress, wire.KindAudited:
		a.onAuditMessage(e)
	case wire.KindHeads:
		first := !t.HeadsRead
		t.Heads, t.HeadsRead = *e.Heads, true
		a.rememberActive(first)
	case wire.KindHeadError:
		t.HeadError = e.HeadError.Message
	case wire.KindHeadFile:
		a.download(e.HeadFile.FileName, file)
		t.Exported = e.HeadFile.FileName
	}
}

// startExtraction starts the pool (as many workers as PoolSize allows and there are images)
// and feeds it. Each new worker gets the run's settings first (a run message), from which it
// derives what to extract as the model worker did; the model worker knows already.
func (a *App) startExtraction(m *wire.Missing) {
	t := &a.State.Train
	n := min(t.Workers, len(m.Entries))
	t.Phase, t.Missing = TrainExtracting, m
	t.Extract = NewExtraction(m, max(n, 1), a.nowMs())
	a.tr.pool, a.tr.ready = []js.Value{a.worker}, []bool{true}
	a.tr.poolGen++
	for k := 1; k < n; k++ {
		w := js.Global().Get("graftBoot").Call("startWorker", "extract", "graft-extract-"+strconv.Itoa(k))
		a.listenPool(k, a.tr.poolGen, w)
		a.post(w, wire.Envelope{Kind: wire.KindRun, Run: &wire.Run{Run: m.Run, Settings: a.tr.settings}})
		a.tr.pool, a.tr.ready = append(a.tr.pool, w), append(a.tr.ready, false)
	}
	t.Extract.Workers = 1
	a.feed()
}

// feed gives every ready worker jobs up to MaxInFlight.
func (a *App) feed() {
	t := &a.State.Train
	x := t.Extract
	for k, w := range a.tr.pool {
		if !a.tr.ready[k] {
			continue
		}
		for {
			j, ok := x.Assign(k)
			if !ok {
				break
			}
			ent := t.List.Entries[j.Entry]
			file := a.tr.files.Index(a.tr.fileOf[ent.Path])
			msg := wire.Encode(wire.Envelope{Kind: wire.KindExtract, Extract: &wire.Extract{ID: j.ID, Run: x.Run, Path: ent.Path,
				Hash: ent.Hash, Type: file.Get("type").String(), Bytes: int64(file.Get("size").Float())}})
			data := js.Global().Get("Object").New()
			data.Set("json", msg)
			setJS(data, "blob", file)
			w.Call("postMessage", data)
		}
	}
}

// onExtracted takes one image's answer, feeds the pool, and trains once all are in.
func (a *App) onExtracted(k int, e *wire.Extracted) {
	t := &a.State.Train
	x := t.Extract
	if x == nil || t.Phase != TrainExtracting {
		return
	}
	entry, known := x.Entry(e.ID)
	if _, ok := x.Finish(e, a.nowMs()); !ok {
		return
	}
	a.noteNotKept(k, e)
	switch {
	case known && e.Undecodable != "":
		t.Failed = append(t.Failed, wire.Skip{Path: t.List.Entries[entry].Path, Reason: e.Undecodable})
	case e.Error != "": // the worker's fault (storage full, model gone): stop rather than train on less
		path := ""
		if known {
			path = "“" + t.List.Entries[entry].Path + "”: "
		}
		a.post(a.worker, wire.Envelope{Kind: wire.KindCancel, Cancel: &wire.Cancel{Run: t.Run}})
		a.stopPool()
		t.Phase, t.Message = TrainFailed, "Feature extraction stopped: "+path+e.Error
		return
	}
	if !x.Finished() {
		a.feed()
		return
	}
	a.stopPool()
	s, err := t.Form.Settings()
	if err != nil {
		t.Phase, t.Message = TrainFailed, err.Error()
		return
	}
	t.Phase = TrainPreparing
	a.postTrain(s)
}

// listenPool routes pool worker k's messages: its status (ready or not) and its answers.
func (a *App) listenPool(k, gen int, w js.Value) {
	current := func() bool { return a.tr.poolGen == gen && k < len(a.tr.pool) }
	a.listenWorker(w, current, func(e wire.Envelope) {
		switch {
		case e.Kind == wire.KindStatus && e.Status.Phase == wire.PhaseReady && !a.tr.ready[k]:
			a.tr.ready[k] = true
			if x := a.State.Train.Extract; x != nil {
				x.Workers++
			}
			a.feed()
		case e.Kind == wire.KindStatus && e.Status.Phase == wire.PhaseError:
			a.poolWorkerLost(k)
		case e.Kind == wire.KindExtracted:
			a.onExtracted(k, e.Extracted)
		}
	}, func() { a.poolWorkerLost(k) })
}

// listenWorker decodes a pool worker's messages and passes them to onMessage, and its errors
// to onError, under the lock — only while current says the worker still belongs to the pool
// (a pool since stopped or replaced is ignored).
func (a *App) listenWorker(w js.Value, current func() bool, onMessage func(wire.Envelope), onError func()) {
	setJS(w, "onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		text := args[0].Get("data")
		if text.Type() != js.TypeString {
			return nil
		}
		s := text.String()
		a.do(func() {
			if !current() {
				return
			}
			if e, err := wire.Decode(s); err == nil {
				onMessage(e)
			}
		})
		return nil
	}))
	setJS(w, "onerror", js.FuncOf(func(_ js.Value, args []js.Value) any {
		a.do(func() {
			if current() {
				onError()
			}
		})
		return nil
	}))
}

// poolWorkerLost gives a failed worker's images to the others.
func (a *App) poolWorkerLost(k int) {
	if x := a.State.Train.Extract; x != nil && a.State.Train.Phase == TrainExtracting {
		x.Requeue(k)
		if a.tr.ready[k] {
			x.Workers--
		}
	}
	a.tr.ready[k] = false
	a.tr.pool[k].Call("terminate")
	a.feed()
}

// stopPool ends the extra workers (not the model worker).
func (a *App) stopPool() {
	for k := 1; k < len(a.tr.pool); k++ {
		a.tr.pool[k].Call("terminate")
	}
	a.tr.pool, a.tr.ready = nil, nil
	a.tr.poolGen++
}

// showWrong makes the gallery of wrong validation images from the user's own Files.
func (a *App) showWrong(r *wire.Trained) {
	a.revokeWrong()
	t := &a.State.Train
	t.Wrong = nil
	if r.Validation == nil {
		return
	}
	url := js.Global().Get("URL")
	for i, w := range r.Validation.Wrong {
		if i >= MaxWrongShown {
			break
		}
		idx, ok := a.tr.fileOf[w.Path]
		if !ok {
			continue
		}
		u := url.Call("createObjectURL", a.tr.files.Index(idx)).String()
		a.tr.wrongURLs = append(a.tr.wrongURLs, u)
		t.Wrong = append(t.Wrong, WrongOf(r, w, u, i))
	}
}

func (a *App) revokeWrong() {
	for _, u := range a.tr.wrongURLs {
		js.Global().Get("URL").Call("revokeObjectURL", u)
	}
	a.tr.wrongURLs = nil
}

// download saves bytes (a Uint8Array) as a file through a temporary link.
func (a *App) download(name string, bytes js.Value) {
	opts := js.Global().Get("Object").New()
	opts.Set("type", "application/octet-stream")
	parts := js.Global().Get("Array").New()
	parts.Call("push", bytes)
	blob := js.Global().Get("Blob").New(parts, opts)
	url := js.Global().Get("URL").Call("createObjectURL", blob)
	link := js.Global().Get("document").Call("createElement", "a")
	setJS(link, "href", url)
	link.Set("download", name)
	js.Global().Get("document").Get("body").Call("appendChild", link)
	link.Call("click")
	link.Call("remove")
	var revoke js.Func
	revoke = js.FuncOf(func(js.Value, []js.Value) any {
		js.Global().Get("URL").Call("revokeObjectURL", url)
		revoke.Release()
		return nil
	})
	js.Global().Call("setTimeout", revoke, 60000)
}

// ---- saved heads ----

// HeadOp sends one operation on the saved heads to the model worker. Under the lock.
func (a *App) HeadOp(op string, id int) {
	a.State.Train.HeadError = ""
	name := ""
	if op == wire.HeadSave {
		name = a.State.Train.SaveName
	}
	a.post(a.worker, wire.Envelope{Kind: wire.KindHeadOp, HeadOp: &wire.HeadOp{Op: op, ID: id, Name: name}})
}

// ImportHead sends a picked head file to the model worker to be checked and kept. Under the lock.
func (a *App) ImportHead(files js.Value) {
	if files.Get("length").Int() == 0 {
		return
	}
	f := files.Call("item", 0)
	a.State.Train.HeadError = ""
	msg := wire.Encode(wire.Envelope{Kind: wire.KindHeadOp, HeadOp: &wire.HeadOp{Op: wire.HeadImport, FileName: f.Get("name").String()}})
	data := js.Global().Get("Object").New()
	data.Set("json", msg)
	setJS(data, "blob", f)
	a.worker.Call("postMessage", data)
}

// SetSaveName keeps the Save form's name field. Under the lock.
func (a *App) SetSaveName(v string) { a.State.Train.SaveName = v }

// awaitJS calls ok or fail when a Promise settles (from a JS callback: use a.do inside).
func awaitJS(p js.Value, ok func(js.Value), fail func(string)) {
	var then, catch js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ok(args[0])
		then.Release()
		catch.Release()
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "unknown error"
		if len(args) > 0 && args[0].Truthy() && args[0].Get("message").Type() == js.TypeString {
			msg = args[0].Get("message").String()
		}
		fail(msg)
		then.Release()
		catch.Release()
		return nil
	})
	p.Call("then", then, catch)
}

// setUpTraining sizes the extraction pool (navigator.hardwareConcurrency, deviceMemory, and
// ?workers=N to force it) and asks the model worker for the saved heads.
func (a *App) setUpTraining() {
	nav := js.Global().Get("navigator")
	cores, mem := 1, 0.0
	if v := nav.Get("hardwareConcurrency"); v.Type() == js.TypeNumber {
		cores = v.Int()
	}
	if v := nav.Get("deviceMemory"); v.Type() == js.TypeNumber {
		mem = v.Float()
	}
	params := js.Global().Get("URLSearchParams").New(js.Global().Get("location").Get("search"))
	forced, _ := strconv.Atoi(params.Call("get", "workers").String())
	a.State.Train.Workers = PoolSize(cores, mem, forced)
	a.post(a.worker, wire.Envelope{Kind: wire.KindHeads, Heads: &wire.Heads{}})
	// Leaving the page loses a head trained here and not saved: the browser asks first.
	js.Global().Call("addEventListener", "beforeunload", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if a.State.Train.Heads.Unsaved {
			args[0].Call("preventDefault")
			args[0].Set("returnValue", "The head you trained is not saved.")
		}
		return nil
	}))
}

// activeHeadKey is the localStorage key of the saved head in use, made active again on the next visit.
const activeHeadKey = "graft-active-head"

// rememberActive keeps the id of the saved head in use in localStorage; at the page's first
// list of heads it makes the head remembered active again (unless a baked head is the page's).
func (a *App) rememberActive(first bool) {
	h := &a.State.Train.Heads
	if !first {
		if h.Active > 0 {
			storage("setItem", activeHeadKey, strconv.Itoa(h.Active))
		} else {
			storage("removeItem", activeHeadKey)
		}
		return
	}
	id, err := strconv.Atoi(storage("getItem", activeHeadKey))
	if err != nil || id <= 0 || h.Active != -1 || BakedOn(a.State.Baked) {
		return
	}
	for _, info := range h.Heads {
		if info.ID == id && info.Compatible {
			a.HeadOp(wire.HeadUse, id)
		}
	}
}

// storage calls a localStorage method; "" when the browser refuses storage (or has no such item).
func storage(method string, args ...any) (out string) {
	defer func() {
		if recover() != nil {
			out = ""
		}
	}()
	ls := js.Global().Get("localStorage")
	if !ls.Truthy() {
		return ""
	}
	if v := ls.Call(method, args...); v.Type() == js.TypeString {
		return v.String()
	}
	return ""
}
