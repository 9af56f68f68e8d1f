// App joins the components to the browser: the model's Web Worker (started by main.mjs, taken
// over here), photos from the file input, drops, paste and the camera. Methods named in
// handlers run inside Vugu's DOM event callbacks, which hold the event lock; anything arriving
// from elsewhere (worker messages, Promise results, the paste listener) goes through do, which
// runs it under the lock in arrival order. Browser calls go through github.com/vugu/vugu/js,
// which compiles natively to inert stubs, so the static twin (main_other.go) builds the same tree.
package main

import (
	"time"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/js"

	"github.com/graftml/graft/web/wire"
)

// App is the page's controller.
type App struct {
	State *State

	env     vugu.EventEnv
	worker  js.Value
	blob    js.Value // the photo on screen, to run it again with another resize mode
	name    string
	stream  js.Value // the camera's MediaStream while it is on
	queue   chan func()
	start   time.Time
	tr      trainer      // train.go
	so      sorter       // sort.go
	byClass byClassFiles // by_class.go

	writeRoot js.Value // labels.go: the folder the label check's changes are written into
}

// NewApp is an App with no browser attached (natively, or before main_js.go wires it).
func NewApp() *App {
	return &App{State: NewState(), queue: make(chan func(), 1024), start: time.Now()}
}

// nowMs is the page clock.
func (a *App) nowMs() float64 { return float64(time.Since(a.start).Microseconds()) / 1000 }

// do runs f under the event lock, after everything queued before it, and re-renders.
func (a *App) do(f func()) {
	select {
	case a.queue <- f:
	default: // a page flooded with events drops the excess rather than blocking a JS callback
	}
}

// pump applies queued changes; main_js.go runs it in a goroutine.
func (a *App) pump() {
	for f := range a.queue {
		a.env.Lock()
		f()
		a.env.UnlockRender()
	}
}

// onWorkerMessage takes one message from the model worker, with the bytes that came beside it
// if any (inside a JS callback: it must not block).
func (a *App) onWorkerMessage(text string, file js.Value) {
	a.do(func() {
		e, err := wire.Decode(text)
		if err != nil {
			a.State.Error = "A message from the model worker made no sense: " + err.Error()
			return
		}
		switch e.Kind {
		case wire.KindStatus, wire.KindResult, wire.KindFailed:
		case wire.KindBaked:
			js.Global().Get("document").Set("title", PageTitle(e.Baked))
		case wire.KindSortReady, wire.KindSorted, wire.KindSortNames:
			a.onSortMessage(0, e, file)
			return
		default:
			a.onTrainMessage(0, e, file)
			return
		}
		a.State.Apply(e, a.nowMs())
		if e.Kind == wire.KindResult {
			a.paintHeat(a.State.Photo)
		}
	})
}

// ClassifyFiles takes the first file of a FileList (input, drop, paste). Under the lock.
func (a *App) ClassifyFiles(files js.Value) {
	if files.IsUndefined() || files.IsNull() || files.Get("length").Int() == 0 {
		a.State.Error = "Nothing to classify: no file came with that."
		return
	}
	a.ClassifyBlob(files.Call("item", 0), "")
}

// ClassifyBlob shows blob and sends it to the worker. name overrides the Blob's own (a File's
// name; camera snapshots have none). Under the lock.
func (a *App) ClassifyBlob(blob js.Value, name string) {
	if name == "" {
		name = blob.Get("name").String()
	}
	url := js.Global().Get("URL")
	if p := a.State.Photo; p != nil && p.URL != "" {
		url.Call("revokeObjectURL", p.URL)
	}
	a.revokeHeat()
	a.blob, a.name = blob, name
	p := a.State.NewPhoto(name, url.Call("createObjectURL", blob).String(), a.nowMs())
	a.send(p)
}

// send posts the photo on screen to the worker, with the Blob beside the JSON.
func (a *App) send(p *Photo) {
	msg := wire.Encode(wire.Envelope{Kind: wire.KindClassify, Classify: &wire.Classify{
		ID: p.ID, Resize: p.Resize, Name: p.Name, Type: a.blob.Get("type").String(), Bytes: int64(a.blob.Get("size").Float()),
		Explain: true, // the ImageNet top-1's heat map, and with a head active the head's (cheap beside the forward pass)
	}})
	data := js.Global().Get("Object").New()
	data.Set("json", msg)
	setJS(data, "blob", a.blob)
	a.worker.Call("postMessage", data)
}

// SetResize changes the resize mode and runs the photo on screen again. Under the lock.
func (a *App) SetResize(mode string) {
	if mode == a.State.Resize {
		return
	}
	a.State.Resize = mode
	if p := a.State.Photo; p != nil && a.blob.Truthy() {
		a.revokeHeat()
		np := a.State.NewPhoto(p.Name, p.URL, a.nowMs())
		a.send(np)
	}
}

// DismissError hides the banner. Under the lock.
func (a *App) DismissError() { a.State.Error = "" }

// RetryModel loads the page again after the model failed to load: the chunks already verified
// are in the Cache API, so only the missing ones are fetched.
func (a *App) RetryModel() { js.Global().Get("location").Call("reload") }

// StartCamera asks for the camera and shows its preview. Under the lock; the Promise is awaited
// in a goroutine.
func (a *App) StartCamera() {
	md := js.Global().Get("navigator").Get("mediaDevices")
	if !md.Truthy() || !md.Get("getUserMedia").Truthy() {
		a.State.Error = "This browser offers no camera to web pages (it needs https or localhost, and a camera)."
		return
	}
	video := js.Global().Get("Object").New()
	video.Set("facingMode", "environment")
	constraints := js.Global().Get("Object").New()
	setJS(constraints, "video", video)
	constraints.Set("audio", false)
	promise := md.Call("getUserMedia", constraints)
	var ok, fail js.Func
	ok = js.FuncOf(func(_ js.Value, args []js.Value) any {
		stream := args[0]
		a.do(func() {
			a.stream = stream
			a.State.Camera = true
			el := js.Global().Get("document").Call("getElementById", "camera-video")
			if el.Truthy() {
				setJS(el, "srcObject", stream)
				el.Call("play")
			}
		})
		ok.Release()
		fail.Release()
		return nil
	})
	fail = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := args[0].Get("message").String()
		a.do(func() { a.State.Error = "The camera could not be opened: " + msg })
		ok.Release()
		fail.Release()
		return nil
	})
	promise.Call("then", ok, fail)
}

// Snapshot classifies the camera's current frame. Under the lock; the PNG is made by the
// browser asynchronously.
func (a *App) Snapshot() {
	doc := js.Global().Get("document")
	video := doc.Call("getElementById", "camera-video")
	w, h := video.Get("videoWidth").Int(), video.Get("videoHeight").Int()
	if !a.State.Camera || w == 0 || h == 0 {
		a.State.Error = "The camera has no picture yet; try again in a moment."
		return
	}
	canvas := doc.Call("createElement", "canvas")
	canvas.Set("width", w)
	canvas.Set("height", h)
	canvas.Call("getContext", "2d").Call("drawImage", video, 0, 0, w, h)
	var done js.Func
	done = js.FuncOf(func(_ js.Value, args []js.Value) any {
		blob := args[0]
		a.do(func() {
			if !blob.Truthy() {
				a.State.Error = "The camera frame could not be captured."
				return
			}
			a.ClassifyBlob(blob, "camera snapshot")
		})
		done.Release()
		return nil
	})
	canvas.Call("toBlob", done, "image/png")
}

// StopCamera turns the camera off. Under the lock.
func (a *App) StopCamera() {
	if a.stream.Truthy() {
		tracks := a.stream.Call("getTracks")
		for i := 0; i < tracks.Length(); i++ {
			tracks.Index(i).Call("stop")
		}
	}
	a.stream = js.Undefined()
	a.State.Camera = false
}

// setJS sets obj[key] = v. Use it for values of type js.Value: github.com/vugu/vugu/js's
// Value.Set hands them to syscall/js unconverted (which panics), while Call converts them.
func setJS(obj js.Value, key string, v any) {
	js.Global().Get("Reflect").Call("set", obj, key, v)
}
