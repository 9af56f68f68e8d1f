// heat_draw.go: paints the heat canvas (vg-js-populate on <canvas id="heat-canvas">, called
// after every render) with HeatPixels. A canvas keeps its picture, so it is painted once per
// photo: the photo's ID is kept on the element. Natively (the static twin) it does nothing.
package main

import (
	"strconv"

	"github.com/vugu/vugu/js"
)

// DrawHeat paints the map of the photo on screen into canvas (when it has one not yet painted).
func DrawHeat(canvas js.Value, p *Photo) {
	h := heatOf(p)
	if !canvas.Truthy() || !HeatUsable(h) {
		return
	}
	key := strconv.Itoa(p.ID)
	if k := canvas.Get("graftHeat"); k.Type() == js.TypeString && k.String() == key {
		return
	}
	pixels := HeatPixels(h, HeatSize)
	arr := js.Global().Get("Uint8ClampedArray").New(len(pixels))
	js.CopyBytesToJS(arr, pixels)
	img := js.Global().Get("ImageData").New(arr, HeatSize, HeatSize)
	canvas.Call("getContext", "2d").Call("putImageData", img, 0, 0)
	canvas.Set("graftHeat", key)
}
