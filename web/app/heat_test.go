//go:build !(js && wasm)

// The page's heat overlay is graft explain's: HeatPixels composited over a photo (as the browser
// composites the canvas over the <img>) gives app.Overlay's picture for the same map, within one
// level of rounding; the opacity classes follow the slider.
package main

import (
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/web/wire"
)

func TestHeatPixelsAreOverlay(t *testing.T) {
	const h, w = 5, 7 // not square: rows and columns must not be swapped
	m := make([]float32, h*w)
	for i := range m {
		m[i] = float32((i*37)%11) / 10
	}
	m[3] = 1
	hm := &wire.HeatMap{Class: 1, H: h, W: w, Map: m, Peak: 2.5, Resize: "crop"}
	e := &app.Explanation{Class: 1, H: h, W: w, Map: append([]float32(nil), m...), Peak: 2.5}

	photo := image.NewRGBA(image.Rect(0, 0, HeatSize, HeatSize))
	for y := range HeatSize {
		for x := range HeatSize {
			photo.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), uint8((x * y) % 256), 255})
		}
	}
	want := app.Overlay(photo, e)
	px := HeatPixels(hm, HeatSize)
	worst := 0.0
	for y := range HeatSize {
		for x := range HeatSize {
			i := 4 * (y*HeatSize + x)
			a := float64(px[i+3]) / 255
			src := photo.RGBAAt(x, y)
			got := [3]float64{float64(src.R)*(1-a) + float64(px[i])*a, float64(src.G)*(1-a) + float64(px[i+1])*a, float64(src.B)*(1-a) + float64(px[i+2])*a}
			o := want.RGBAAt(x, y)
			for c, v := range [3]uint8{o.R, o.G, o.B} {
				worst = max(worst, math.Abs(got[c]-float64(v)))
			}
		}
	}
	if worst > 1 {
		t.Errorf("the canvas over the photo differs from app.Overlay by up to %.2f levels", worst)
	}
	// Transparent where the map is 0, 60% at its peak.
	hm.Map = make([]float32, h*w)
	for i, v := range HeatPixels(hm, 16) {
		if i%4 == 3 && v != 0 {
			t.Fatalf("alpha %d at pixel %d of an empty map", v, i/4)
		}
	}
	hm.Map[0] = 1
	if a := HeatPixels(hm, HeatSize)[3]; a != 153 {
		t.Errorf("alpha at the peak %d, want 153 (60%%)", a)
	}
	if HeatUsable(&wire.HeatMap{H: 2, W: 2, Map: []float32{1}}) {
		t.Error("a map with too few cells is usable")
	}
}

func TestHeatClass(t *testing.T) {
	for in, want := range map[int]string{0: "heat o-0", 70: "heat o-7", 100: "heat o-10", 64: "heat o-6", 66: "heat o-7", 150: "heat o-10", -5: "heat o-0"} {
		if got := HeatClass(in); got != want {
			t.Errorf("HeatClass(%d) = %q, want %q", in, got, want)
		}
	}
}

// TestWhyOfImageNet: without a head, the ImageNet top-1's map is the one shown, named by its
// label; with a head that explained its answer, the head's.
func TestWhyOfImageNet(t *testing.T) {
	imagenet := &wire.HeatMap{Class: 281, H: 7, W: 7, Map: make([]float32, 49), Peak: 2, Resize: "crop"}
	imagenet.Map[10] = 1
	p := &Photo{State: PhotoDone, Result: &wire.Result{Top5: []wire.Prediction{{Index: 281, Name: "tabby"}, {Index: 285, Name: "Egyptian_cat"}}, Heat: imagenet}}
	if !HasWhy(p) || heatOf(p) != imagenet {
		t.Fatal("the ImageNet map is not offered without a head")
	}
	if line := WhyLine(p, true); !strings.Contains(line, "ImageNet’s classifier found “tabby”") || !strings.Contains(line, "7×7") {
		t.Errorf("why line %q", line)
	}
	headMap := &wire.HeatMap{Class: 1, H: 14, W: 14, Map: make([]float32, 196), Peak: 1, Resize: "crop"}
	p.Result.Head = &wire.HeadPrediction{Name: "pets", Best: 1, Classes: []wire.ClassProb{{Name: "cats", Prob: 0.2}, {Name: "dogs", Prob: 0.8}}, Heat: headMap}
	if heatOf(p) != headMap || !strings.Contains(WhyLine(p, false), "the head found “dogs”") || !BothWhys(p) {
		t.Errorf("with a head's map: %q", WhyLine(p, false))
	}
	p.WhyImageNet = true
	if heatOf(p) != imagenet || !strings.Contains(WhyLine(p, false), "ImageNet’s classifier found “tabby”") {
		t.Errorf("ImageNet's map chosen: %q", WhyLine(p, false))
	}
	p.Result.Heat = nil
	if heatOf(p) != headMap || BothWhys(p) {
		t.Error("without ImageNet's map the head's is shown and no choice offered")
	}
}
