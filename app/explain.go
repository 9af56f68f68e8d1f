// explain.go: why a head gave a photo its class, as `graft explain` shows it — the Grad-CAM
// map (core/head/gradcam.go) over the feature map the head pools (the base layer's output, or
// for a fine-tuned model its last block's; for ImageNet's top-1, conv5_block3_out through the
// model's own avg_pool → predictions), and an overlay of that map on the photo as the
// network saw it (the 224×224 resize or crop). The map is bilinearly upsampled, as Grad-CAM's
// authors do, and coloured from transparent (no evidence) through red to yellow (the most).
package app

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// Explanation is a class's Grad-CAM map for one photo.
type Explanation struct {
	Class int       // the class explained
	Prob  float32   // its probability
	H, W  int       // the map's size: the feature map's
	Map   []float32 // [H,W] in [0, 1]: the map over its peak (all 0 when nothing speaks for the class)
	Peak  float32   // the map's largest value before scaling
}

// Explain explains class (−1: the predicted one) for a photo from x [1,H,W,C], the output of
// layer (InputLayer) for it.
func (c *Classifier) Explain(layer string, x *tensor.Tensor, class int) (*Explanation, error) {
	p, err := c.Predict(layer, x)
	if err != nil {
		return nil, err
	}
	if class < 0 {
		class = p.Best
	}
	if class >= len(c.Model.Classes) {
		return nil, fmt.Errorf("app: class %d of %d", class, len(c.Model.Classes))
	}
	fmap := x // [1,H,W,F]
	if c.stack != nil {
		if fmap, _, err = c.stack.Forward(x); err != nil {
			return nil, err
		}
	}
	return explainMap(&c.Model.Net, fmap, class, p.Probs[class])
}

// explainMap is net's Grad-CAM of class over fmap [1,H,W,F], scaled to a peak of 1.
func explainMap(net *head.Net, fmap *tensor.Tensor, class int, prob float32) (*Explanation, error) {
	if len(fmap.Shape) != 4 || fmap.Shape[0] != 1 {
		return nil, fmt.Errorf("app: a feature map of shape %v: want one photo [1,H,W,C]", fmap.Shape)
	}
	h, w := fmap.Shape[1], fmap.Shape[2]
	cam, err := net.GradCAM(fmap.Data, h, w, class)
	if err != nil {
		return nil, err
	}
	e := &Explanation{Class: class, Prob: prob, H: h, W: w, Map: cam}
	for _, v := range cam {
		e.Peak = max(e.Peak, v)
	}
	if e.Peak > 0 {
		for i := range e.Map {
			e.Map[i] /= e.Peak
		}
	}
	return e, nil
}

// ImageNetLayer is the feature map ImageNet's classifier pools: ExplainImageNet reads it.
const ImageNetLayer = "conv5_block3_out"

// ImageNetExplainer explains ImageNet's classes: the model's own classifier (avg_pool →
// predictions, a linear head with a softmax) as the head Grad-CAM runs through, its kernel
// kept as float32 (8 MB) for the explainer's life.
type ImageNetExplainer struct {
	net *head.Net
}

// NewImageNetExplainer prepares m's classifier; an error when m has none.
func NewImageNetExplainer(m *resnet50.Model) (*ImageNetExplainer, error) {
	kernel, bias, err := m.Classifier()
	if err != nil {
		return nil, err
	}
	return &ImageNetExplainer{net: &head.Net{Output: head.Softmax, Layers: []head.Dense{{In: kernel.Shape[0], Out: kernel.Shape[1], Kernel: kernel.Data, Bias: bias}}}}, nil
}

// ExplainImageNet explains ImageNet class (0…999; −1: the top-1) for a photo from x
// [1,7,7,2048], the output of ImageNetLayer (NewImageNetExplainer(m).Explain).
func ExplainImageNet(m *resnet50.Model, x *tensor.Tensor, class int) (*Explanation, error) {
	e, err := NewImageNetExplainer(m)
	if err != nil {
		return nil, err
	}
	return e.Explain(x, class)
}

// Explain explains class (0…999; −1: the top-1) for a photo from x [1,7,7,2048].
func (ie *ImageNetExplainer) Explain(x *tensor.Tensor, class int) (*Explanation, error) {
	net := ie.net
	if len(x.Shape) != 4 || x.Shape[3] != net.Features() {
		return nil, fmt.Errorf("app: ImageNet's classifier reads %s [1,7,7,%d], not %v", ImageNetLayer, net.Features(), x.Shape)
	}
	pooled := ops.GlobalAvgPool(x)
	probs, err := (&head.Model{Net: *net, Classes: make([]string, net.Layers[0].Out)}).Probabilities(pooled.Data, 1)
	if err != nil {
		return nil, err
	}
	if class < 0 {
		class = 0
		for i, p := range probs {
			if p > probs[class] {
				class = i
			}
		}
	}
	if class >= len(probs) {
		return nil, fmt.Errorf("app: ImageNet class %d of %d", class, len(probs))
	}
	return explainMap(net, x, class, probs[class])
}

// At is the map at (x, y) of an image of size×size pixels: bilinear between the centres of
// the map's cells, clamped at the borders.
func (e *Explanation) At(x, y, size int) float32 {
	fx := (float64(x)+0.5)*float64(e.W)/float64(size) - 0.5
	fy := (float64(y)+0.5)*float64(e.H)/float64(size) - 0.5
	x0, y0 := clampInt(int(math.Floor(fx)), 0, e.W-1), clampInt(int(math.Floor(fy)), 0, e.H-1)
	x1, y1 := clampInt(x0+1, 0, e.W-1), clampInt(y0+1, 0, e.H-1)
	ax, ay := clamp01(fx-float64(x0)), clamp01(fy-float64(y0))
	v := func(i, j int) float64 { return float64(e.Map[j*e.W+i]) }
	top := v(x0, y0)*(1-ax) + v(x1, y0)*ax
	bottom := v(x0, y1)*(1-ax) + v(x1, y1)*ax
	return float32(top*(1-ay) + bottom*ay)
}

// Overlay is img (square: the photo as the network saw it) with the map over it.
func Overlay(img *image.RGBA, e *Explanation) *image.RGBA {
	b := img.Bounds()
	size := b.Dx()
	out := image.NewRGBA(image.Rect(0, 0, size, b.Dy()))
	for y := range b.Dy() {
		for x := range size {
			src := img.RGBAAt(b.Min.X+x, b.Min.Y+y)
			v := float64(e.At(x, y, size))
			heat := heatColour(v)
			a := 0.6 * v // opacity grows with the evidence
			mix := func(s, h uint8) uint8 { return uint8(float64(s)*(1-a) + float64(h)*a + 0.5) }
			out.SetRGBA(x, y, color.RGBA{mix(src.R, heat.R), mix(src.G, heat.G), mix(src.B, heat.B), 255})
		}
	}
	return out
}

// heatColour runs from dark red (0) through red to yellow (1).
func heatColour(v float64) color.RGBA {
	v = clamp01(v)
	return color.RGBA{R: uint8(128 + 127*clamp01(2*v)), G: uint8(255 * clamp01(2*v-1)), B: 0, A: 255}
}

func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }

func clamp01(v float64) float64 { return max(0, min(v, 1)) }
