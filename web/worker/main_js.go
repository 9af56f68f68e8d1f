//go:build js && wasm

// Command worker is the Go side of the model's Web Worker: web/static/worker.mjs starts it
// (with the kernel modules when the browser has SIMD), and from then on it owns the worker's
// messages. It downloads the model (engine.Downloader over fetch and the Cache API), posts a
// wire.Status after every change, and answers each wire.Classify: the browser decodes the Blob
// (worker.mjs's graftDecode: createImageBitmap with EXIF orientation, OffscreenCanvas), Go gets
// full-size RGBA (downscaled first only beyond engine.PhotoLimits, a folder's photos beyond
// engine.FolderLimits) and does the rest exactly as `graft classify` does. Requests are answered
// one at a time, in order; one that arrives during the download starts on the layers already in. With a trained head active (train_js.go), the
// answer carries its class probabilities too.
//
// The same program is every worker of the page's extraction pool: started as
// worker.mjs?role=extract it loads the model the same way (from the Cache API) and only answers
// extract messages. The model worker (no role) also lists folders, trains heads and keeps them
// (train_js.go). Its native twin is main_other.go.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall/js"
	"time"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/web/engine"
	"github.com/graftml/graft/web/wire"
)

// request is one classify message with its Blob.
type request struct {
	c    wire.Classify
	blob js.Value
}

type worker struct {
	engineName string
	role       string // "model", or "extract" for a pool worker
	requests   chan request
	extracts   chan job // run and extract messages, in order
	control    chan job // list, train, heads, head_op, bench: one at a time, in order

	settled chan struct{} // closed once session or loadErr is set
	session *engine.Session
	loadErr error

	training // train_js.go
	sorting  // sort_js.go
}

// job is one message of the training flow with what came beside its JSON.
type job struct {
	env   wire.Envelope
	blob  js.Value // a File (extract, import)
	files js.Value // an array of Files (list)
}

func main() {
	w := &worker{engineName: engineName(), role: roleOf(js.Global().Get("location").Get("search").String()),
		requests: make(chan request, 256), extracts: make(chan job, 1024), control: make(chan job, 64), settled: make(chan struct{})}
	w.training.init()
	self := js.Global()
	self.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		w.onMessage(arg0(args).Get("data"))
		return nil
	}))
	if glue := self.Get("graftWorker"); glue.Truthy() { // messages that came before Go was up
		queued := glue.Call("takeQueued")
		for i := range queued.Length() {
			w.onMessage(queued.Index(i))
		}
	}
	post(wire.Envelope{Kind: wire.KindStatus, Status: &wire.Status{Phase: wire.PhaseStarting, Engine: w.engineName}})
	go w.classifyLoop()
	go w.extractLoop()
	go w.controlLoop()
	go w.download()
	if w.role == "model" {
		go w.baked() // baked_js.go
	}
	select {}
}

// engineName is the compute path, as the loader chose it (GRAFT_ENGINE in the Go environment);
// a build without the kernel imports is the scalar path.
func engineName() string {
	if e := os.Getenv("GRAFT_ENGINE"); e != "" {
		return e
	}
	return "wasm-scalar"
}

// onMessage queues a page message; it runs inside a JS callback, so it must not block.
func (w *worker) onMessage(data js.Value) {
	text := data.Get("json")
	if text.Type() != js.TypeString {
		return
	}
	env, err := wire.Decode(text.String())
	if err != nil {
		return
	}
	switch env.Kind {
	case wire.KindClassify:
	case wire.KindCancel:
		w.cancel(env.Cancel.Run)
		return
	case wire.KindRun, wire.KindExtract, wire.KindSortRun, wire.KindSortPhoto: // in order: a run's settings (or head) before its images
		w.extracts <- job{env: env, blob: data.Get("blob")}
		return
	case wire.KindList, wire.KindTrain, wire.KindKeep, wire.KindHeads, wire.KindHeadOp, wire.KindBench, wire.KindCache, wire.KindSortStart, wire.KindSortPlan, wire.KindAudit:
		if w.role == "model" {
			w.control <- job{env: env, blob: data.Get("blob"), files: data.Get("files")}
		}
		return
	default:
		return
	}
	select {
	case w.requests <- request{c: *env.Classify, blob: data.Get("blob")}:
	default:
		post(wire.Envelope{Kind: wire.KindFailed, Failed: &wire.Failed{ID: env.Classify.ID, Message: "too many photos at once; wait for the ones in progress"}})
	}
}

// download runs the Downloader against the model folder beside the worker script.
func (w *worker) download() {
	base := js.Global().Get("URL").New("model/", js.Global().Get("location").Get("href")).Get("href").String()
	store, storeErr := openCacheStore(base)
	d := &engine.Downloader{
		Net:  netFetcher{base: base},
		Hash: webCryptoHash(),
		OnStatus: func(s wire.Status) {
			s.Engine = w.engineName
			if storeErr != nil && s.CacheError == "" { // a private window's Cache API: the model works, unkept
				s.CacheError = "this browser would not keep the model (" + storeErr.Error() + "): the next visit downloads it again"
			}
			post(wire.Envelope{Kind: wire.KindStatus, Status: &s})
		},
		OnSession: func(s *engine.Session) {
			s.SetYield(yieldToEventLoop) // a pass started while streaming lets the fetches go on
			w.session = s
			base, _ := app.HeadBase(s.Manifest(), string(preprocess.DefaultResize))
			w.shelf = engine.NewShelf(idbHeads{}, s.Manifest().Model.ID, base.Layer)
			w.shelf.LastLayer = s.Manifest().Model.LastLayer // heads of the settings' other feature layers
			close(w.settled)
			if w.role == "model" { // entries of another model (an older version) can never be hits: drop them
				w.control <- job{env: wire.Envelope{Kind: wire.KindCache, Cache: &wire.Cache{Op: wire.CachePrune}}}
			}
		},
	}
	if storeErr == nil {
		d.Store = store
	}
	s, err := d.Run(context.Background())
	if s == nil {
		w.loadErr = err
		close(w.settled)
		return
	}
	if w.role == "model" { // the site's storage now counts the stored model too
		w.control <- job{env: wire.Envelope{Kind: wire.KindCache, Cache: &wire.Cache{Op: wire.CacheStatsOp}}}
	}
}

// classifyLoop answers requests one at a time.
func (w *worker) classifyLoop() {
	for r := range w.requests {
		res, msg := w.classify(r)
		if msg != "" {
			post(wire.Envelope{Kind: wire.KindFailed, Failed: &wire.Failed{ID: r.c.ID, Message: msg}})
			continue
		}
		post(wire.Envelope{Kind: wire.KindResult, Result: res})
	}
}

// classify decodes and classifies one photo; a non-empty message says why it could not.
func (w *worker) classify(r request) (*wire.Result, string) {
	mode, err := preprocess.ParseResizeMode(r.c.Resize)
	if err != nil {
		return nil, err.Error()
	}
	t0 := time.Now()
	px, original, msg := decode(r)
	if msg != "" {
		return nil, msg
	}
	decodeMs := float64(time.Since(t0).Microseconds()) / 1000
	<-w.settled
	if w.session == nil {
		return nil, "the model could not be loaded: " + w.loadErr.Error()
	}
	res, err := w.classifyWithHead(px, mode, r.c.Explain)
	if err != nil {
		return nil, fmt.Sprintf("“%s”: %v", r.c.Name, err)
	}
	res.ID, res.Engine, res.DecodeMs, res.Original = r.c.ID, w.engineName, decodeMs, original
	return res, ""
}

// decode has the browser decode the Blob to RGBA, downscaling first beyond engine.PhotoLimits.
func decode(r request) (px engine.Pixels, original, msg string) {
	return decodeBlob(r.blob, r.c.Name, r.c.Type, r.c.Bytes, engine.PhotoLimits)
}

// decodeBlob is decode for any Blob within limits: name, MIME type and size are for messages.
func decodeBlob(blob js.Value, name, mime string, size int64, limits engine.Limits) (px engine.Pixels, original, msg string) {
	if msg := checkBlob(blob, name, mime, size); msg != "" {
		return px, "", msg
	}
	glue := js.Global().Get("graftDecode")
	bitmap, err := await(glue.Call("bitmap", blob))
	if err != nil {
		head, herr := await(glue.Call("head", blob, engine.SniffBytes))
		var b []byte
		if herr == nil {
			b = bytesFromJS(head)
		}
		return px, "", engine.Undecodable(name, mime, size, b)
	}
	w, h := bitmap.Get("width").Int(), bitmap.Get("height").Int()
	fw, fh, scaled := limits.Fit(w, h)
	if scaled {
		original = fmt.Sprintf("%d×%d", w, h)
	}
	data, err := await(glue.Call("pixels", bitmap, fw, fh))
	if err != nil {
		return px, "", fmt.Sprintf("“%s” was decoded but its pixels could not be read: %v", name, err)
	}
	return engine.Pixels{RGBA: bytesFromJS(data), Width: fw, Height: fh, Stride: 4 * fw}, original, ""
}

// post sends one message to the page.
func post(e wire.Envelope) {
	js.Global().Call("postMessage", wire.Encode(e))
}

// postWithFile sends a message with bytes beside it, as {json, file: Uint8Array}, transferring
// the buffer instead of copying it.
func postWithFile(e wire.Envelope, file []byte) {
	data := js.Global().Get("Object").New()
	data.Set("json", wire.Encode(e))
	arr := bytesToJS(file)
	data.Set("file", arr)
	js.Global().Call("postMessage", data, js.ValueOf([]any{arr.Get("buffer")}))
}

// roleOf reads ?role= from the worker's URL: "extract" for a pool worker, else "model".
func roleOf(search string) string {
	if strings.Contains(search, "role=extract") {
		return "extract"
	}
	return "model"
}
