// explain_test.go: Explain maps the feature map the head pools — the base layer's for a
// conservative head, the fine-tuned blocks' output for a model with a trunk — scaled to a peak
// of 1, for the predicted class or the one asked, and the overlay keeps the photo where the
// map is 0.
package app

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/finetune"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// trunkHead is a linear head on conv2_block2_out with that block's convs (random weights).
func trunkHead(t *testing.T) *head.Model {
	t.Helper()
	cfg, _ := head.DefaultConfig("linear")
	cfg.Hidden = []int{}
	r := rand.New(rand.NewPCG(3, 4))
	fill := func(n int, scale float64) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(scale * r.NormFloat64())
		}
		return s
	}
	m := &head.Model{Net: head.Net{Output: head.Softmax, Layers: []head.Dense{{In: 256, Out: 3, Kernel: fill(256*3, 0.1), Bias: fill(3, 0.1)}}},
		Classes: []string{"a", "b", "c"}, Base: head.Base{ModelID: "test", Layer: "conv2_block2_out", Features: 256, Resize: "crop"}, Training: cfg}
	blocks, err := resnet50.TopBlocks("conv2_block2_out", 1)
	if err != nil {
		t.Fatal(err)
	}
	m.Trunk = &head.Trunk{Strategy: head.StrategyDynamic, Blocks: []string{"conv2_block2"}, FineTuneLR: 1e-5, FineTuneEpochs: 4, HeadEpochs: 7, BestEpoch: 2}
	for _, c := range blocks[0].Convs() {
		n := c.Kernel * c.Kernel * c.Cin
		m.Trunk.Layers = append(m.Trunk.Layers, head.TrunkLayer{Name: c.Name, Shape: []int{c.Kernel, c.Kernel, c.Cin, c.Cout},
			Kernel: fill(n*c.Cout, 1/math.Sqrt(float64(n))), Bias: fill(c.Cout, 0.01)})
	}
	return m
}

func TestExplain(t *testing.T) {
	cfg, _ := head.DefaultConfig("linear")
	cfg.Epochs = 3
	res, err := head.Train(context.Background(), cfg, pooledData(20, 64, "pool1_pool"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	random := func(shape ...int) *tensor.Tensor {
		x := tensor.New(shape...)
		for i := range x.Data {
			x.Data[i] = float32(math.Max(0, r.NormFloat64()+0.2))
		}
		return x
	}
	for name, c := range map[string]struct {
		m      *head.Model
		x      *tensor.Tensor
		h, w   int
		pooled func(*tensor.Tensor) *tensor.Tensor // the map the head pools
	}{
		"conservative": {res.Model, random(1, 3, 5, 64), 3, 5, func(x *tensor.Tensor) *tensor.Tensor { return x }},
		"trunk": {trunkHead(t), random(1, 4, 6, 256), 4, 6, func(x *tensor.Tensor) *tensor.Tensor {
			s, _ := finetune.StackOf(trunkHead(t))
			y, _, _ := s.Forward(x)
			return y
		}},
	} {
		cl, err := NewClassifier(c.m)
		if err != nil {
			t.Fatal(err)
		}
		p, err := cl.Predict(cl.InputLayer(), c.x)
		if err != nil {
			t.Fatal(err)
		}
		for _, class := range []int{-1, 1} {
			e, err := cl.Explain(cl.InputLayer(), c.x, class)
			if err != nil {
				t.Fatal(err)
			}
			wantClass := class
			if class < 0 {
				wantClass = p.Best
			}
			want, _ := c.m.GradCAM(c.pooled(c.x).Data, c.h, c.w, wantClass)
			peak := float32(0)
			for _, v := range want {
				peak = max(peak, v)
			}
			if e.Class != wantClass || e.Prob != p.Probs[wantClass] || e.H != c.h || e.W != c.w || e.Peak != peak {
				t.Fatalf("%s class %d: explanation of class %d (p %g) %d×%d peak %g; want class %d (p %g) %d×%d peak %g",
					name, class, e.Class, e.Prob, e.H, e.W, e.Peak, wantClass, p.Probs[wantClass], c.h, c.w, peak)
			}
			for i, v := range want {
				if peak > 0 && math.Abs(float64(e.Map[i]-v/peak)) > 1e-6 {
					t.Fatalf("%s: map[%d] %g, want %g", name, i, e.Map[i], v/peak)
				}
			}
		}
		if _, err := cl.Explain(cl.InputLayer(), c.x, len(c.m.Classes)); err == nil {
			t.Errorf("%s: a class beyond the head's accepted", name)
		}
	}
	// The overlay: the photo itself where the map is 0, warmer where it is 1.
	e := &Explanation{H: 1, W: 2, Map: []float32{0, 1}}
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 100
	}
	o := Overlay(img, e)
	if got := o.RGBAAt(0, 4); got != (color.RGBA{100, 100, 100, 255}) {
		t.Errorf("where the map is 0: %v", got)
	}
	if got := o.RGBAAt(7, 4); got.R <= 150 || got.B >= 100 {
		t.Errorf("where the map is 1: %v", got)
	}
}

type noWeights struct{}

func (noWeights) Weight(layer, short string) ([]int, []float32, error) {
	return nil, nil, fmt.Errorf("%s/%s:0: %w", layer, short, resnet50.ErrMissing)
}

// TestExplainImageNet: the ImageNet explanation's class and probability are the model's own
// top-1 (its predictions layer), on synthetic weights; its map is conv5's 7×7.
func TestExplainImageNet(t *testing.T) {
	m, err := resnet50.New(&resnet50.Synthetic{Inner: noWeights{}, Seed: 3}, resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	x := tensor.New(1, resnet50.InputSize, resnet50.InputSize, 3)
	for i := range x.Data {
		x.Data[i] = float32(60 * r.NormFloat64())
	}
	var fmap *tensor.Tensor
	probs, err := m.Run(x, "predictions", func(layer string, t *tensor.Tensor) {
		if layer == ImageNetLayer {
			fmap = t.Clone()
		}
	})
	if err != nil || fmap == nil {
		t.Fatalf("run: %v (conv5 map %v)", err, fmap != nil)
	}
	top := 0
	for i, p := range probs.Data {
		if p > probs.Data[top] {
			top = i
		}
	}
	e, err := ExplainImageNet(m, fmap, -1)
	if err != nil {
		t.Fatal(err)
	}
	if e.Class != top || math.Abs(float64(e.Prob-probs.Data[top])) > 1e-5 || e.H != 7 || e.W != 7 {
		t.Fatalf("explained class %d (p %g) on %d×%d, the model's top-1 is %d (p %g)", e.Class, e.Prob, e.H, e.W, top, probs.Data[top])
	}
	if _, err := ExplainImageNet(m, fmap, 1000); err == nil {
		t.Error("class 1000 accepted")
	}
}
