//go:build js && wasm

// The model worker's part of a baked head (wire/baked.go; the logic is engine/baked.go):
// head.json beside index.html, read at start, its file imported and made active once the
// model is up.
package main

import (
	"context"
	"syscall/js"

	"github.com/graftml/graft/web/engine"
	"github.com/graftml/graft/web/wire"
)

// baked reads the build's head.json (none: nothing is posted), posts its title and classes at
// once, and once the model is up imports the head and makes it active, or says why not.
func (w *worker) baked() {
	ctx := context.Background()
	site := netFetcher{base: js.Global().Get("URL").New("./", js.Global().Get("location").Get("href")).Get("href").String()}
	hm, err := engine.ReadBakedManifest(ctx, site)
	if hm == nil {
		if err != nil {
			post(wire.Envelope{Kind: wire.KindBaked, Baked: &wire.Baked{State: wire.BakedRefused,
				Message: "This build’s classifier could not be read: " + err.Error() + ". Showing ImageNet’s labels instead."}})
		}
		return
	}
	b := engine.BakedLoading(hm)
	post(wire.Envelope{Kind: wire.KindBaked, Baked: &b})
	data, err := engine.FetchBaked(ctx, site, hm)
	<-w.settled
	switch {
	case err != nil:
		b = engine.BakedRefused(hm, err)
	case w.session == nil:
		b = engine.BakedRefused(hm, w.loadErr)
	default:
		b = w.shelf.UseBaked(ctx, hm, data, js.Global().Get("Date").Call("now").Float())
	}
	post(wire.Envelope{Kind: wire.KindBaked, Baked: &b})
	if w.session != nil {
		w.postHeads()
	}
}
