// profile.go: where the time of a forward pass goes, layer by layer (-profile). Every conv layer
// of ResNet50 runs alone through ops.Conv2DWeightsTo on its real shapes (the model's weights in the
// model's form, int8 or float32; random input; the model's epilogue: bias, the shortcut add on
// _3_conv, ReLU; into a recycled output, with conv1's padding done by the patch gather, as
// Model.Run does), best of profileRuns; the non-conv layers (max pool with pool1's padding
// folded in, global average pool, dense, softmax) likewise. The table
// (stderr) lists layers by share of the summed time, next to the full forward pass's median.
package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

const profileRuns = 5

type layerTime struct {
	name  string
	ms    float64
	flops int64
}

// best returns the fastest of profileRuns calls of f, in ms.
func best(f func() error) (float64, error) {
	b := 0.0
	for i := range profileRuns {
		t0 := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		if ms := float64(time.Since(t0).Nanoseconds()) / 1e6; i == 0 || ms < b {
			b = ms
		}
	}
	return b, nil
}

func randomTensor(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = rng.Float32()*2 - 1
	}
	return t
}

// kernelOf reads a layer's kernel from src in the form the model holds (int8 when m's are).
func kernelOf(m *resnet50.Model, src resnet50.WeightSource, layer string) (ops.Weights, error) {
	if qs, ok := src.(resnet50.QuantizedSource); ok && m.KernelDType() == "int8" {
		shape, q, scales, err := qs.WeightInt8(layer, "kernel")
		if err != nil {
			return ops.Weights{}, err
		}
		return ops.Int8Weights(shape, q, scales)
	}
	shape, data, err := src.Weight(layer, "kernel")
	if err != nil {
		return ops.Weights{}, err
	}
	t, err := tensor.FromData(data, shape...)
	return ops.F32Weights(t), err
}

// peak, when not 0, is the FMA peak (GFLOP/s) that the table's last column is the share of.
func profileLayers(m *resnet50.Model, src resnet50.WeightSource, x *tensor.Tensor, peak float64, w io.Writer) error {
	rng := rand.New(rand.NewPCG(5, 6))
	var rows []layerTime
	for _, l := range convLayers(x.Shape[1]) {
		c := l.spec
		k, err := kernelOf(m, src, c.Name)
		if err != nil {
			return err
		}
		bias := make([]float32, c.Cout)
		in := randomTensor(rng, 1, l.h, l.w, c.Cin)
		oh, ow := l.out()
		var residual *tensor.Tensor
		if l.residual {
			residual = randomTensor(rng, 1, oh, ow, c.Cout)
		}
		pad := ops.Valid
		if c.Kernel == 3 {
			pad = ops.Same
		}
		out := tensor.New(1, oh, ow, c.Cout) // recycled, as the model's arena does
		reuse := func(...int) *tensor.Tensor { return out }
		unpadded := in
		if c.Name == "conv1_conv" { // conv1_pad inside the patch gather, as the model does
			unpadded = randomTensor(rng, 1, l.h-6, l.w-6, c.Cin)
		}
		ms, err := best(func() error {
			if c.Name == "conv1_conv" {
				_, err := ops.Conv2DWeightsPadded(reuse, unpadded, k, bias, c.Stride, 3, 3, 3, 3, residual, l.relu)
				return err
			}
			_, err := ops.Conv2DWeightsTo(reuse, in, k, bias, c.Stride, c.Stride, pad, residual, l.relu)
			return err
		})
		if err != nil {
			return err
		}
		rows = append(rows, layerTime{c.Name, ms, l.flops()})
	}
	other := func(name string, f func()) {
		ms, _ := best(func() error { f(); return nil })
		rows = append(rows, layerTime{name: name, ms: ms})
	}
	size := x.Shape[1]
	c1 := randomTensor(rng, 1, size/2, size/2, 64)
	for i, v := range c1.Data { // after conv1_relu
		c1.Data[i] = max(v, 0)
	}
	p1 := tensor.New(1, size/4, size/4, 64)
	other("pool1_pad+pool1_pool", func() { ops.MaxPool2DZeroPadded(func(...int) *tensor.Tensor { return p1 }, c1, 3, 2, 1) })
	c5 := randomTensor(rng, 1, size/32, size/32, 2048)
	other("avg_pool", func() { ops.GlobalAvgPool(c5) })
	dense, err := kernelOf(m, src, "predictions")
	if err != nil {
		return err
	}
	pooled := randomTensor(rng, 1, 2048)
	other("predictions (dense+softmax)", func() {
		y, _ := ops.DenseWeights(pooled, dense, make([]float32, resnet50.NumClasses))
		ops.Softmax(y)
	})

	full, err := best(func() error { _, err := m.Run(x, "predictions", nil); return err })
	if err != nil {
		return err
	}
	sum := 0.0
	for _, r := range rows {
		sum += r.ms
	}
	slices.SortStableFunc(rows, func(a, b layerTime) int {
		switch {
		case a.ms > b.ms:
			return -1
		case a.ms < b.ms:
			return 1
		}
		return 0
	})
	fmt.Fprintf(w, "%-30s %9s %7s %9s %7s\n", "layer (alone, best of 5)", "ms", "share", "GFLOP/s", "of peak")
	for _, r := range rows {
		g, s := "", ""
		if r.flops > 0 {
			gf := float64(r.flops) / r.ms / 1e6
			g = fmt.Sprintf("%9.1f", gf)
			if peak > 0 {
				s = fmt.Sprintf("%6.1f%%", 100*gf/peak)
			}
		}
		fmt.Fprintf(w, "%-30s %9.3f %6.1f%% %9s %7s\n", r.name, r.ms, 100*r.ms/sum, g, s)
	}
	fmt.Fprintf(w, "sum of layers %.1f ms; full forward pass best of %d: %.1f ms (%.1f GFLOP/s)\n",
		sum, profileRuns, full, float64(forwardFLOPs(size))/full/1e6)
	return nil
}
