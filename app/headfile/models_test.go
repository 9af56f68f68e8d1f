// models_test.go: the heads the file tests write and read — a small trained one with
// validation metrics, and a linear one with a fine-tuned trunk (FORMAT.md version 2).
package headfile

import (
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/resnet50"
)

// testBase describes 64 features: pool1_pool has 64 channels.
var testBase = head.Base{ModelID: "test-model", Layer: "pool1_pool", Features: 64, Resize: "crop"}

// blobs is perClass examples (two views each) of each of classes Gaussian blobs in 64 dimensions.
func blobs(classes, perClass int, seed uint64) *head.Data {
	r := rand.New(rand.NewPCG(seed, 77))
	f := testBase.Features
	means := make([][]float64, classes)
	for c := range means {
		means[c] = make([]float64, f)
		for j := range means[c] {
			means[c][j] = 2*r.Float64() - 1
		}
	}
	d := &head.Data{Base: testBase}
	for c := range classes {
		d.Classes = append(d.Classes, string(rune('a'+c)))
	}
	for i := range perClass * classes {
		c := i % classes
		v0, v1 := make([]float32, f), make([]float32, f)
		for j := range f {
			v0[j] = float32(means[c][j] + r.NormFloat64())
			v1[j] = v0[j] + float32(0.1*r.NormFloat64())
		}
		d.Examples = append(d.Examples, head.Example{Views: [][]float32{v0, v1}, Label: c, Name: "x"})
	}
	return d
}

// trainedModel is a small trained head with validation metrics, as a file would hold.
func trainedModel(t testing.TB) *head.Model {
	t.Helper()
	cfg, _ := head.DefaultConfig("mlp256")
	cfg.Hidden, cfg.Epochs = []int{5}, 2
	res, err := head.Train(t.Context(), cfg, blobs(3, 10, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Model.Metrics == nil {
		t.Fatal("the test head has no validation metrics")
	}
	return res.Model
}

// trunkModel is a linear head on conv2_block2_out (256 features, the smallest block) with that
// block's three convs fine-tuned (70 k weights, so the fuzz corpus stays small).
func trunkModel(t testing.TB) *head.Model {
	t.Helper()
	cfg, _ := head.DefaultConfig("linear")
	r := rand.New(rand.NewPCG(3, 4))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(r.Float64() - 0.5)
		}
		return s
	}
	m := &head.Model{Net: head.Net{Output: head.Softmax, Layers: []head.Dense{{In: 256, Out: 3, Kernel: fill(256 * 3), Bias: fill(3)}}},
		Classes: []string{"a", "b", "c"}, Base: head.Base{ModelID: "test-model", Layer: "conv2_block2_out", Features: 256, Resize: "crop"},
		Training: cfg}
	m.Training.Hidden = []int{}
	blocks, err := resnet50.TopBlocks("conv2_block2_out", 1)
	if err != nil {
		t.Fatal(err)
	}
	m.Trunk = &head.Trunk{Strategy: head.StrategyDynamic, Blocks: []string{"conv2_block2"}, FineTuneLR: 1e-5, FineTuneEpochs: 4, HeadEpochs: 7, BestEpoch: 2}
	for _, c := range blocks[0].Convs() {
		shape := []int{c.Kernel, c.Kernel, c.Cin, c.Cout}
		m.Trunk.Layers = append(m.Trunk.Layers, head.TrunkLayer{Name: c.Name, Shape: shape, Kernel: fill(c.Kernel * c.Kernel * c.Cin * c.Cout), Bias: fill(c.Cout)})
	}
	return m
}

// calibratedModel is trainedModel with its open set and temperature (FORMAT.md version 3),
// fitted on the blobs it was trained on (view 0, the photo as it is).
func calibratedModel(t testing.TB) *head.Model {
	t.Helper()
	cfg, _ := head.DefaultConfig("mlp256")
	cfg.Hidden, cfg.Epochs = []int{5}, 2
	d := blobs(3, 170, 1) // 102 validation photos: enough for a temperature
	res, err := head.Train(t.Context(), cfg, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, len(d.Examples))
	for i, e := range d.Examples {
		labels[i] = e.Label
	}
	if err := res.Model.Calibrate(func(i int) []float32 { return d.Examples[i].Views[0] }, labels, res.Train, res.Val); err != nil {
		t.Fatal(err)
	}
	if res.Model.OpenSet == nil || res.Model.Calibration == nil {
		t.Fatal("the test head has no open set or calibration")
	}
	return res.Model
}
