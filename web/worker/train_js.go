//go:build js && wasm

// The worker's part of training a head (wire/train.go has the flow): listing a picked folder
// (each File hashed in JavaScript, in order, and only its image header copied into Go:
// app/dataset's rules through Lister.AddHashed),
// extracting one image's features into IndexedDB (any worker of the pool), training (the model
// worker; epochs posted as they end) and the saved heads. The logic is web/engine; this file
// moves messages, Files and bytes.
package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/web/engine"
	"github.com/graftml/graft/web/wire"
)

// yieldEvery is how often training yields to the event loop at most (a 1 ms sleep each time:
// about 1 % of the time, and a cancel is seen within a batch).
const yieldEvery = 100 * time.Millisecond

// yieldToEventLoop sleeps a millisecond: Go's wasm runtime returns to JavaScript only when
// every goroutine waits, so long work calls it to let messages and fetches in.
func yieldToEventLoop() { time.Sleep(time.Millisecond) }

// training is the worker's training state.
type training struct {
	features *engine.KeptFeatures // IndexedDB, and memory for what it would not keep
	trainer  engine.Trainer
	shelf    *engine.Shelf // set with the session, before settled closes

	mu        sync.Mutex
	cancelled map[int]bool       // runs the page cancelled
	stopRun   int                // the run being trained
	stop      context.CancelFunc // stops it
	run       int                // the run whose extracts this worker answers (0: none yet)
	spec      engine.RunSpec     // what run extracts (engine.RunSpecOf of its settings)
	specErr   error              // why its settings give nothing to extract
}

func (t *training) init() {
	t.features = engine.NewKeptFeatures(idbFeatures{})
	t.cancelled = map[int]bool{}
}

// cancel stops run: its queued extractions are dropped and its training stops before the next
// batch. It runs inside a JS callback and must not block.
func (w *worker) cancel(run int) {
	w.training.mu.Lock()
	defer w.training.mu.Unlock()
	w.cancelled[run] = true
	if w.stopRun == run && w.stop != nil {
		w.stop()
	}
}

// setRun makes run the one this worker extracts for (a newer run replaces an older one: the
// page ignores answers of runs other than its current one).
func (w *worker) setRun(run int, spec engine.RunSpec, err error) {
	w.training.mu.Lock()
	defer w.training.mu.Unlock()
	w.run, w.spec, w.specErr = run, spec, err
}

// specOf is what run extracts, or why this worker cannot say.
func (w *worker) specOf(run int) (engine.RunSpec, error) {
	w.training.mu.Lock()
	defer w.training.mu.Unlock()
	switch {
	case run != w.run:
		return engine.RunSpec{}, fmt.Errorf("this worker was not told the settings of run %d", run)
	case w.specErr != nil:
		return engine.RunSpec{}, w.specErr
	}
	return w.spec, nil
}

func (w *worker) isCancelled(run int) bool {
	w.training.mu.Lock()
	defer w.training.mu.Unlock()
	return w.cancelled[run]
}

// extractLoop takes run messages (the settings of the run whose extracts follow) and answers
// extract messages, one at a time.
func (w *worker) extractLoop() {
	for j := range w.extracts {
		switch j.env.Kind {
		case wire.KindSortRun, wire.KindSortPhoto:
			w.sortJob(j)
			continue
		}
		if r := j.env.Run; r != nil {
			<-w.settled
			if w.session == nil {
				w.setRun(r.Run, engine.RunSpec{}, fmt.Errorf("the model could not be loaded: %w", w.loadErr))
				continue
			}
			spec, err := engine.RunSpecOf(w.session.Manifest(), r.Settings)
			w.setRun(r.Run, spec, err)
			continue
		}
		x := j.env.Extract
		out := wire.Extracted{ID: x.ID, Run: x.Run}
		if w.isCancelled(x.Run) {
			out.Error = "cancelled"
			post(wire.Envelope{Kind: wire.KindExtracted, Extracted: &out})
			continue
		}
		<-w.settled
		if w.session == nil {
			out.Error = "the model could not be loaded: " + w.loadErr.Error()
			post(wire.Envelope{Kind: wire.KindExtracted, Extracted: &out})
			continue
		}
		spec, err := w.specOf(x.Run)
		var res engine.Extracted
		if err == nil {
			res, err = w.session.ExtractWith(context.Background(), w.features, idbFeatures{}, spec.Base, spec.Input, spec.Views, x.Hash, func() (engine.Pixels, error) {
				px, _, msg := decodeBlob(j.blob, x.Path, x.Type, x.Bytes, engine.FolderLimits)
				if msg != "" {
					return px, errors.New(msg)
				}
				return px, nil
			})
		}
		out.Hit, out.Computed, out.DecodeMs, out.ModelMs = res.Hit, res.Computed, res.DecodeMs, res.ModelMs
		// Vectors IndexedDB refused stay in memory: the model worker's own, for its training;
		// another worker's go to the page, which hands them to the model worker.
		if keys, vecs, reason := w.features.TakeUnkept(w.role != "model"); reason != "" {
			out.NotKept = reason
			if w.role != "model" {
				out.Kept = &wire.Keep{Keys: keys, Features: vecs}
			}
		}
		switch {
		case engine.IsUndecodable(err):
			out.Undecodable = err.Error()
		case err != nil:
			out.Error = err.Error()
		}
		post(wire.Envelope{Kind: wire.KindExtracted, Extracted: &out})
	}
}

// controlLoop answers the model worker's training and head messages one at a time.
func (w *worker) controlLoop() {
	for j := range w.control {
		switch j.env.Kind {
		case wire.KindList:
			w.list(j.env.List, j.files)
			continue
		}
		<-w.settled
		if w.session == nil {
			msg := "the model could not be loaded: " + w.loadErr.Error()
			switch j.env.Kind {
			case wire.KindTrain:
				post(wire.Envelope{Kind: wire.KindTrainFailed, TrainFailed: &wire.TrainFailed{Run: j.env.Train.Run, Message: msg}})
			case wire.KindHeads, wire.KindHeadOp:
				post(wire.Envelope{Kind: wire.KindHeads, Heads: &wire.Heads{Heads: []wire.HeadInfo{}, Active: -1, Error: msg}})
			case wire.KindCache:
				post(wire.Envelope{Kind: wire.KindCacheStats, CacheStats: &wire.CacheStats{Op: j.env.Cache.Op, Error: msg}})
			case wire.KindAudit:
				post(wire.Envelope{Kind: wire.KindAudited, Audited: &wire.Audited{Run: j.env.Audit.Run, Error: msg}})
			}
			continue
		}
		switch j.env.Kind {
		case wire.KindTrain:
			w.train(j.env.Train)
		case wire.KindAudit:
			w.audit(j.env.Audit)
		case wire.KindHeads:
			w.postHeads()
		case wire.KindHeadOp:
			w.headOp(j.env.HeadOp, j.blob)
		case wire.KindCache:
			w.cacheOp(j.env.Cache.Op)
		case wire.KindKeep:
			w.features.Keep(j.env.Keep.Keys, j.env.Keep.Features)
		case wire.KindSortStart:
			r, file := w.shelf.SortReady(j.env.SortStart.Run)
			if file == nil {
				post(wire.Envelope{Kind: wire.KindSortReady, SortReady: &r})
			} else {
				postWithFile(wire.Envelope{Kind: wire.KindSortReady, SortReady: &r}, file)
			}
		case wire.KindSortPlan:
			names := engine.PlanCopies(j.env.SortPlan)
			post(wire.Envelope{Kind: wire.KindSortNames, SortNames: &names})
		case wire.KindBench:
			base, err := app.HeadBase(w.session.Manifest(), string(preprocess.DefaultResize))
			var r wire.BenchResult
			if err == nil {
				r, err = engine.BenchTrain(context.Background(), base, *j.env.Bench)
			}
			r.Engine = w.engineName
			if err != nil {
				r.Ms = -1
			}
			post(wire.Envelope{Kind: wire.KindBenchResult, BenchResult: &r})
		}
	}
}

// list reads every File of a picked folder once, in order, into a dataset.Lister; it posts
// progress about five times a second and then the listing. Only hashes are kept.
func (w *worker) list(l *wire.List, files js.Value) {
	start := time.Now()
	lister := dataset.NewLister()
	for _, d := range l.Dirs {
		lister.AddClass(d)
	}
	n := 0
	if files.Truthy() {
		n = files.Length()
	}
	if n != len(l.Paths) {
		post(wire.Envelope{Kind: wire.KindListing, Listing: &wire.Listing{ID: l.ID, Final: true}})
		return
	}
	last := time.Now()
	glue := js.Global().Get("graftList")
	for i := range n {
		f := files.Index(i)
		if size := int64(f.Get("size").Float()); size > engine.MaxFileBytes { // refused unread, as a dropped photo is
			lister.AddTooLarge(l.Paths[i], size, engine.MaxFileBytes)
			continue
		}
		listed := false // from its hash and header: the file's bytes stay in JavaScript
		if r, err := await(glue.Call("hashed", f, dataset.HeaderBytes)); err == nil {
			listed = engine.AddHashedFile(lister, l.Paths[i], int64(f.Get("size").Float()), r.Get("hash").String(), bytesFromJS(r.Get("header")))
		}
		if !listed {
			// unreadable (listed as an empty file), or its image header lies beyond the first
			// HeaderBytes (a JPEG with more metadata before its frame): all its bytes
			var data []byte
			if buf, err := await(f.Call("arrayBuffer")); err == nil {
				data = bytesFromJS(buf)
			}
			engine.AddFile(lister, l.Paths[i], data)
		}
		if time.Since(last) > 200*time.Millisecond {
			last = time.Now()
			post(wire.Envelope{Kind: wire.KindListing, Listing: &wire.Listing{ID: l.ID, Done: i + 1, Total: n}})
		}
	}
	listing := lister.Listing()
	w.trainer.SetListing(l.ID, listing)
	post(wire.Envelope{Kind: wire.KindListing, Listing: engine.ListingMessage(l.ID, listing, float64(time.Since(start).Microseconds())/1000)})
}

// runContext is the context of a training or audit run, which a Cancel for run stops (w.stop),
// and the function that ends the run.
func (w *worker) runContext(run int) (context.Context, func()) {
	ctx, stop := context.WithCancel(context.Background())
	w.training.mu.Lock()
	w.stopRun, w.stop = run, stop
	w.training.mu.Unlock()
	return ctx, func() {
		w.training.mu.Lock()
		w.stopRun, w.stop = 0, nil
		w.training.mu.Unlock()
		stop()
	}
}

// train answers a train request: missing (extract these first), or epochs and then trained.
func (w *worker) train(req *wire.Train) {
	fail := func(err error) {
		post(wire.Envelope{Kind: wire.KindTrainFailed, TrainFailed: &wire.TrainFailed{Run: req.Run, Message: err.Error(),
			Cancelled: errors.Is(err, context.Canceled)}})
	}
	if w.isCancelled(req.Run) {
		fail(context.Canceled)
		return
	}
	base, err := app.HeadBaseAt(w.session.Manifest(), req.Settings.Resize, req.Settings.Layer)
	if err != nil {
		fail(err)
		return
	}
	ctx, end := w.runContext(req.Run)
	defer end()
	plan, err := w.trainer.Prepare(ctx, w.features, base, *req)
	if err != nil {
		fail(err)
		return
	}
	if len(plan.Missing) > 0 {
		// This worker is the pool's first: it extracts for the run it planned.
		w.setRun(req.Run, engine.RunSpec{Base: plan.Base, Views: plan.Views, Input: plan.Input}, nil)
		post(wire.Envelope{Kind: wire.KindMissing, Missing: plan.MissingMessage(req.Run)})
		return
	}
	model, err := w.session.WaitModel(ctx)
	if err != nil {
		fail(err)
		return
	}
	// Yield to the event loop between batches (engine.WithYield: at most every yieldEvery) and
	// after each epoch, so that a cancel message (and the page's other messages) can arrive: Go's
	// wasm runtime returns to JavaScript only when every goroutine waits.
	yctx := engine.WithYield(ctx, yieldEvery, yieldToEventLoop)
	out, err := plan.Train(yctx, model, req.Run, func(e wire.Epoch) {
		post(wire.Envelope{Kind: wire.KindEpoch, Epoch: &e})
		yieldToEventLoop()
	})
	if err != nil {
		fail(err)
		return
	}
	// Kept here: Save and Export ask for them.
	if err := w.shelf.SetTrained(out.Model, out.File, out.Fallback, out.FallbackFile); err != nil {
		fail(err)
		return
	}
	w.shelf.KeepDraft(ctx, js.Global().Get("Date").Call("now").Float()) // a refusal is listed with the heads
	out.Msg.Engine = w.engineName
	// What the caches hold now, before the result: the page shows both at once, so its cache
	// line is never the previous run's while the result is on screen.
	w.cacheOp(wire.CacheStatsOp)
	post(wire.Envelope{Kind: wire.KindTrained, Trained: out.Msg})
	w.postHeads() // the new head is active and (unless a saved one is this very file) unsaved
}

// cacheOp runs an operation on the feature and block-input caches and answers with what they
// hold. Jobs run one at a time, so a clear never overlaps a training step of this worker; the
// page refuses to clear while a run (extraction included) is in progress.
func (w *worker) cacheOp(op string) {
	st := engine.CacheOp(context.Background(), idbFeatures{}, op, w.session.Manifest().Model.ID)
	st.UsageBytes, st.QuotaBytes = storageEstimate()
	post(wire.Envelope{Kind: wire.KindCacheStats, CacheStats: &st})
}

func (w *worker) postHeads() {
	h := w.shelf.List(context.Background())
	post(wire.Envelope{Kind: wire.KindHeads, Heads: &h})
}

// headOp runs one operation on the saved heads and answers with the heads (or the file).
func (w *worker) headOp(op *wire.HeadOp, blob js.Value) {
	ctx := context.Background()
	now := js.Global().Get("Date").Call("now").Float()
	var err error
	notice := ""
	switch op.Op {
	case wire.HeadSave:
		var id int
		if op.ID > 0 { // a draft kept from before
			id, err = w.shelf.SaveDraft(ctx, op.ID, op.Name, now)
		} else {
			id, err = w.shelf.Save(ctx, op.Name, now)
		}
		var dup *engine.AlreadySavedError
		if errors.As(err, &dup) {
			notice, err = "Already saved as “"+dup.Name+"”: nothing added.", nil
		} else if err == nil {
			notice = "Saved as “" + w.shelf.NameOf(ctx, id) + "”."
		}
	case wire.HeadUse:
		err = w.shelf.Use(ctx, op.ID)
	case wire.HeadDelete:
		err = w.shelf.Delete(ctx, op.ID)
	case wire.HeadDiscard:
		err = w.shelf.Discard(ctx, op.ID)
	case wire.HeadImport:
		var buf js.Value
		if buf, err = await(blob.Call("arrayBuffer")); err == nil {
			var id int
			if id, err = w.shelf.Import(ctx, op.FileName, bytesFromJS(buf), now); err == nil {
				err = w.shelf.Use(ctx, id)
			}
		}
	case wire.HeadExport, wire.HeadBundle:
		file, name, err := w.shelf.Export(ctx, op.ID)
		if err == nil && op.Op == wire.HeadBundle { // the deploy bundle: NAME-deploy.zip
			name = strings.TrimSuffix(name, ".grafthead")
			file, err = app.DeployBundle(file, name)
			name += "-deploy.zip"
		}
		if err == nil {
			postWithFile(wire.Envelope{Kind: wire.KindHeadFile, HeadFile: &wire.HeadFile{ID: op.ID, FileName: name, Bytes: len(file)}}, file)
			return
		}
		post(wire.Envelope{Kind: wire.KindHeadError, HeadError: &wire.HeadError{Op: op.Op, Message: err.Error()}})
		return
	default:
		err = fmt.Errorf("unknown head operation %q", op.Op)
	}
	if err != nil {
		post(wire.Envelope{Kind: wire.KindHeadError, HeadError: &wire.HeadError{Op: op.Op, Message: err.Error()}})
	}
	h := w.shelf.List(ctx)
	h.Notice = notice
	post(wire.Envelope{Kind: wire.KindHeads, Heads: &h})
}

// classifyWithHead classifies px and, with a head active, adds its class probabilities
// (engine.Session.ClassifyWithHead).
func (w *worker) classifyWithHead(px engine.Pixels, mode preprocess.ResizeMode, explain bool) (*wire.Result, error) {
	return w.session.ClassifyWithHead(context.Background(), px, mode, w.shelf, explain)
}
