// heat.go: the "Show why" overlay — the active head's Grad-CAM map (wire.HeatMap, computed in
// the worker by app.Classifier.Explain), or without a head the ImageNet top-1's
// (app.ImageNetExplainer), turned into the pixels of a 224×224 image laid over the
// photo as the network saw it. The upsampling and colours are app.Explanation.At's and
// app.Overlay's (heat_test.go composites these pixels over a photo and compares with
// app.Overlay): the page cannot import app (it would link the model), so the few lines live here.
package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/graftml/graft/web/wire"
)

// HeatSize is the canvas's side: the network's input, which the map covers.
const HeatSize = 224

// heatAlpha is app.Overlay's opacity at the map's peak; the page's opacity slider scales it.
const heatAlpha = 0.6

// HeatPixels is h drawn at size×size as RGBA (straight alpha): the bilinearly upsampled map in
// app.Overlay's colours, transparent where nothing speaks for the class and 60% opaque at the
// peak, so that over the photo it gives app.Overlay's picture.
func HeatPixels(h *wire.HeatMap, size int) []byte {
	out := make([]byte, 4*size*size)
	if !HeatUsable(h) {
		return out
	}
	for y := range size {
		for x := range size {
			v := clamp01(heatAt(h, x, y, size))
			i := 4 * (y*size + x)
			out[i] = uint8(128 + 127*clamp01(2*v))
			out[i+1] = uint8(255 * clamp01(2*v-1))
			out[i+2] = 0
			out[i+3] = uint8(math.Round(255 * heatAlpha * v))
		}
	}
	return out
}

// HeatUsable reports whether h is a map that can be drawn.
func HeatUsable(h *wire.HeatMap) bool {
	return h != nil && h.H > 0 && h.W > 0 && len(h.Map) == h.H*h.W
}

// heatAt is the map at pixel (x, y) of a size×size image: bilinear between the cells' centres,
// clamped at the borders (app.Explanation.At).
func heatAt(h *wire.HeatMap, x, y, size int) float64 {
	fx := (float64(x)+0.5)*float64(h.W)/float64(size) - 0.5
	fy := (float64(y)+0.5)*float64(h.H)/float64(size) - 0.5
	x0, y0 := clampInt(int(math.Floor(fx)), 0, h.W-1), clampInt(int(math.Floor(fy)), 0, h.H-1)
	x1, y1 := clampInt(x0+1, 0, h.W-1), clampInt(y0+1, 0, h.H-1)
	ax, ay := clamp01(fx-float64(x0)), clamp01(fy-float64(y0))
	v := func(i, j int) float64 { return float64(h.Map[j*h.W+i]) }
	top := v(x0, y0)*(1-ax) + v(x1, y0)*ax
	bottom := v(x0, y1)*(1-ax) + v(x1, y1)*ax
	return top*(1-ay) + bottom*ay
}

func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }

func clamp01(v float64) float64 { return max(0, min(v, 1)) }

// heatOf is the map the page shows for the photo: its head answer's when a head answered
// (unless the user chose ImageNet's), else the ImageNet top-1's; nil when there is none.
func heatOf(p *Photo) *wire.HeatMap {
	if p == nil || p.State != PhotoDone || p.Result == nil {
		return nil
	}
	if p.Result.Head != nil && p.Result.Head.Heat != nil && !(p.WhyImageNet && HeatUsable(p.Result.Heat)) {
		return p.Result.Head.Heat
	}
	return p.Result.Heat
}

// BothWhys reports whether the photo came with the head's map and ImageNet's: the page then
// offers the choice.
func BothWhys(p *Photo) bool {
	return p != nil && p.State == PhotoDone && p.Result != nil && p.Result.Head != nil &&
		HeatUsable(p.Result.Head.Heat) && HeatUsable(p.Result.Heat)
}

// heatSubject names what the map explains: "the head" with the class's name, or ImageNet's
// classifier with the top-1 label's.
func heatSubject(p *Photo, h *wire.HeatMap) (who, class string) {
	class = "?"
	if head := p.Result.Head; head != nil && head.Heat == h {
		if h.Class >= 0 && h.Class < len(head.Classes) {
			class = head.Classes[h.Class].Name
		}
		return "the head", class
	}
	for _, t := range p.Result.Top5 {
		if t.Index == h.Class {
			class = strings.ReplaceAll(t.Name, "_", " ")
		}
	}
	return "ImageNet’s classifier", class
}

// HasWhy reports whether the photo on screen came with a map to show (the toggle's condition).
func HasWhy(p *Photo) bool { return HeatUsable(heatOf(p)) }

// ShowingWhy reports whether the map is drawn over the photo now.
func ShowingWhy(p *Photo, why bool) bool {
	h := heatOf(p)
	return why && HeatUsable(h) && h.Peak > 0
}

// PreviewBoxClass is the photo's frame: with the map shown, a square holding the photo as the
// network saw it (a centre crop of the shorter side, or the whole photo stretched).
func PreviewBoxClass(p *Photo, why bool) string {
	if !ShowingWhy(p, why) {
		return "photo-box"
	}
	if heatOf(p).Resize == "nearest" {
		return "photo-box why stretched"
	}
	return "photo-box why cropped"
}

// HeatClass is the canvas's class: the opacity step (0–10) of the slider's percentage.
func HeatClass(opacity int) string {
	return fmt.Sprintf("heat o-%d", clampInt((opacity+5)/10, 0, 10))
}

// WhyLine says what the map shows, under the toggle.
func WhyLine(p *Photo, why bool) string {
	h := heatOf(p)
	if !HeatUsable(h) {
		return ""
	}
	who, class := heatSubject(p, h)
	if h.Peak <= 0 {
		return fmt.Sprintf("Nothing in this photo counted for “%s”: %s’s answer rests on no region of it.", class, who)
	}
	if !why {
		return fmt.Sprintf("Show where in the photo %s found “%s”.", who, class)
	}
	view := "the centre square the network saw"
	if h.Resize == "nearest" {
		view = "the whole photo, stretched square as the network saw it"
	}
	return fmt.Sprintf("Where %s found “%s”: the warmer (red to yellow), the more that region counted for it (Grad-CAM, %d×%d cells over %s).",
		who, class, h.W, h.H, view)
}
