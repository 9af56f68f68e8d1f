// heat_draw.go: turns a photo's heat map into the image laid over it: HeatPixels painted on a
// detached canvas, made a PNG Blob (canvas.toBlob) and shown through an object URL (the CSP
// allows blob: images), once per photo. A canvas in the page would not do: Vugu sets its
// attributes again at every render, and setting a canvas's width clears its picture.
package main

import (
	"github.com/vugu/vugu/js"
)

// paintHeat makes p's heat image, when its answer has a map. Under the lock; the PNG is
// made by the browser asynchronously and set on p under the lock.
func (a *App) paintHeat(p *Photo) {
	h := heatOf(p)
	if !HeatUsable(h) || h.Peak <= 0 || p.HeatURL != "" {
		return
	}
	pixels := HeatPixels(h, HeatSize)
	arr := js.Global().Get("Uint8ClampedArray").New(len(pixels))
	js.CopyBytesToJS(arr, pixels)
	canvas := js.Global().Get("document").Call("createElement", "canvas")
	canvas.Set("width", HeatSize)
	canvas.Set("height", HeatSize)
	canvas.Call("getContext", "2d").Call("putImageData", js.Global().Get("ImageData").New(arr, HeatSize, HeatSize), 0, 0)
	var done js.Func
	done = js.FuncOf(func(_ js.Value, args []js.Value) any {
		blob := args[0]
		a.do(func() {
			if !blob.Truthy() {
				return
			}
			url := js.Global().Get("URL").Call("createObjectURL", blob).String()
			if a.State.Photo != p { // another photo since
				js.Global().Get("URL").Call("revokeObjectURL", url)
				return
			}
			p.HeatURL = url
		})
		done.Release()
		return nil
	})
	canvas.Call("toBlob", done, "image/png")
}

// revokeHeat frees the heat image of the photo on screen (another photo is coming).
func (a *App) revokeHeat() {
	if p := a.State.Photo; p != nil && p.HeatURL != "" {
		js.Global().Get("URL").Call("revokeObjectURL", p.HeatURL)
		p.HeatURL = ""
	}
}

// SetWhyImageNet switches the photo on screen between the head's map and ImageNet's top-1's,
// painting the one chosen. Under the lock.
func (a *App) SetWhyImageNet(on bool) {
	p := a.State.Photo
	if p == nil || p.WhyImageNet == on {
		return
	}
	a.revokeHeat()
	p.WhyImageNet = on
	a.paintHeat(p)
}
