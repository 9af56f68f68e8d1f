//go:build js && wasm

// Command worker is the Go side of the model's Web Worker: web/static/worker.mjs starts it
// (with the kernel modules when the browser has SIMD), and from then on it owns the worker's
// messages. It downloads the model (engine.Downloader over fetch and the Cache API), posts a
// wire.Status after every change, and answers each wire.Classify: the browser decodes the Blob
// (worker.mjs's graftDecode: createImageBitmap with EXIF orientation, OffscreenCanvas), Go gets
// full-size RGBA (downscaled first only beyond engine.MaxPixels) and does the rest exactly as
// `graft classify` does. Requests are answered one at a time, in order; one that arrives during
// the download waits for the model's layers. Its native twin is main_other.go.
package main

import (
	"context"
	"fmt"
	"os"
	"syscall/js"
	"time"

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
	requests   chan request

	settled chan struct{} // closed once session or loadErr is set
	session *engine.Session
	loadErr error
}

func main() {
	w := &worker{engineName: engineName(), requests: make(chan request, 256), settled: make(chan struct{})}
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
	go w.download()
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
	if err != nil || env.Kind != wire.KindClassify {
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
	d := &engine.Downloader{
		Net: netFetcher{base: base},
		OnStatus: func(s wire.Status) {
			s.Engine = w.engineName
			post(wire.Envelope{Kind: wire.KindStatus, Status: &s})
		},
		OnSession: func(s *engine.Session) { w.session = s; close(w.settled) },
	}
	if store, err := openCacheStore(base); err == nil {
		d.Store = store
	}
	if s, err := d.Run(context.Background()); s == nil {
		w.loadErr = err
		close(w.settled)
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
	res, err := w.session.Classify(context.Background(), px, mode)
	if err != nil {
		return nil, fmt.Sprintf("“%s”: %v", r.c.Name, err)
	}
	res.ID, res.Engine, res.DecodeMs, res.Original = r.c.ID, w.engineName, decodeMs, original
	return res, ""
}

// decode has the browser decode the Blob to RGBA, downscaling first beyond engine.MaxPixels.
func decode(r request) (px engine.Pixels, original, msg string) {
	if r.c.Bytes > engine.MaxFileBytes {
		return px, "", engine.TooLarge(r.c.Name, r.c.Bytes)
	}
	glue := js.Global().Get("graftDecode")
	bitmap, err := await(glue.Call("bitmap", r.blob))
	if err != nil {
		head, herr := await(glue.Call("head", r.blob, engine.SniffBytes))
		var b []byte
		if herr == nil {
			b = bytesFromJS(head)
		}
		return px, "", engine.Undecodable(r.c.Name, r.c.Type, r.c.Bytes, b)
	}
	w, h := bitmap.Get("width").Int(), bitmap.Get("height").Int()
	fw, fh, scaled := engine.FitSize(w, h)
	if scaled {
		original = fmt.Sprintf("%d×%d", w, h)
	}
	data, err := await(glue.Call("pixels", bitmap, fw, fh))
	if err != nil {
		return px, "", fmt.Sprintf("“%s” was decoded but its pixels could not be read: %v", r.c.Name, err)
	}
	return engine.Pixels{RGBA: bytesFromJS(data), Width: fw, Height: fh, Stride: 4 * fw}, original, ""
}

// post sends one message to the page.
func post(e wire.Envelope) {
	js.Global().Call("postMessage", wire.Encode(e))
}
