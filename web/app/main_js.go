//go:build js && wasm

// Command app is the page: Vugu components rendered into #app by domrender, driven by App.
// main.mjs has already started the model worker (so the engine and the weights load while this
// wasm does) and queued its messages; this takes them over. Its native twin is main_other.go.
package main

import (
	"log"
	"syscall/js"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/domrender"
	vjs "github.com/vugu/vugu/js"
)

func main() {
	r, err := domrender.New("#app")
	if err != nil {
		log.Fatal(err)
	}
	defer r.Release()
	env, err := vugu.NewBuildEnv(r.EventEnv())
	if err != nil {
		log.Fatal(err)
	}
	app := NewApp()
	app.env = r.EventEnv()
	connectWorker(app)
	listenPageWide(app)
	app.setUpTraining()
	go app.pump()

	root := &Root{App: app}
	for ok := true; ok; ok = r.EventWait() {
		r.Render(env.RunBuild(root))
	}
}

// connectWorker takes the worker main.mjs started, and the messages it queued.
func connectWorker(app *App) {
	boot := js.Global().Get("graftBoot")
	app.worker = vjs.Value(boot.Get("worker"))
	boot.Call("takeOver",
		js.FuncOf(func(_ js.Value, args []js.Value) any {
			switch d := args[0]; {
			case d.Type() == js.TypeString:
				app.onWorkerMessage(d.String(), vjs.Undefined())
			case d.Type() == js.TypeObject && d.Get("json").Type() == js.TypeString:
				app.onWorkerMessage(d.Get("json").String(), vjs.Value(d.Get("file")))
			}
			return nil
		}),
		js.FuncOf(func(_ js.Value, args []js.Value) any {
			msg := args[0].String()
			app.do(func() { app.State.Error = "The model worker failed: " + msg })
			return nil
		}))
}

// listenPageWide: paste anywhere classifies a pasted image; a file dropped outside the drop
// zone is classified too rather than opened by the browser in place of the page.
func listenPageWide(app *App) {
	doc := js.Global().Get("document")
	doc.Call("addEventListener", "paste", js.FuncOf(func(_ js.Value, args []js.Value) any {
		cd := args[0].Get("clipboardData")
		if !cd.Truthy() || cd.Get("files").Length() == 0 {
			return nil
		}
		args[0].Call("preventDefault")
		file := cd.Get("files").Index(0) // read now: clipboardData is emptied after the event
		app.do(func() { app.ClassifyBlob(vjs.Value(file), "") })
		return nil
	}))
	js.Global().Call("addEventListener", "dragover", js.FuncOf(func(_ js.Value, args []js.Value) any {
		args[0].Call("preventDefault")
		return nil
	}))
	js.Global().Call("addEventListener", "drop", js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		if e.Get("defaultPrevented").Bool() { // the drop zone took it
			return nil
		}
		e.Call("preventDefault")
		files := e.Get("dataTransfer").Get("files")
		if files.Length() == 0 {
			return nil
		}
		file := files.Index(0)
		app.do(func() { app.ClassifyBlob(vjs.Value(file), "") })
		return nil
	}))
}
