// weights.go: the benchmark's weights (-weights). float32: resnet50.Synthetic's values as they
// are. int8: what graft convert stores for them (weights/convert) — each conv's batch norm folded
// in (core/ops.FoldBatchNorm), kernels quantized per output channel (weights/quant.Quantize),
// one layer at a time as resnet50.New asks, so no float32 copy of the whole model ever exists —
// served as a resnet50.QuantizedSource, so the model keeps them int8 like a converted model's.
//
// weights/convert.Folded{Quantize: true} computes the same codes (weights_test.go holds them
// equal); it is not used here because importing weights/convert links weights/format (JSON,
// SHA-256: +0.6 MB of wasm), which by itself raised Node's peak RSS by ~15 MB — a cost of the
// benchmark binary, not of the model it measures.
package main

import (
	"fmt"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/weights/quant"
)

// weightSource is the synthetic model with its kernels as -weights asks.
func weightSource(weights string) (resnet50.WeightSource, error) {
	synthetic := &resnet50.Synthetic{Inner: noWeights{}, Seed: 1}
	switch weights {
	case "float32":
		return synthetic, nil
	case "int8":
		return &int8Weights{inner: synthetic}, nil
	}
	return nil, fmt.Errorf("-weights %q: want int8 or float32", weights)
}

// noWeights has none: Synthetic fills everything, which is all a speed measurement needs.
type noWeights struct{}

func (noWeights) Weight(layer, short string) ([]int, []float32, error) {
	return nil, nil, fmt.Errorf("%s/%s:0: %w", layer, short, resnet50.ErrMissing)
}

// int8Weights serves inner's weights folded and quantized, the last layer's kept (resnet50.New
// asks for a layer's kernel, then its bias).
type int8Weights struct {
	inner  resnet50.WeightSource
	layer  string
	shape  []int     // the kernel's
	q      []int8    // codes, row-major, K = shape's last axis
	scales []float32 // [K]
	bias   []float32 // [K], folded
}

func (s *int8Weights) BatchNormFolded() bool { return true }

func (s *int8Weights) WeightInt8(layer, short string) ([]int, []int8, []float32, error) {
	if short != "kernel" {
		return nil, nil, nil, fmt.Errorf("%s/%s:0: %w", layer, short, resnet50.ErrNotInt8)
	}
	if err := s.load(layer); err != nil {
		return nil, nil, nil, err
	}
	return s.shape, s.q, s.scales, nil
}

func (s *int8Weights) Weight(layer, short string) ([]int, []float32, error) {
	if short != "kernel" && short != "bias" {
		return nil, nil, fmt.Errorf("%s/%s:0: folded into the conv: %w", layer, short, resnet50.ErrMissing)
	}
	if err := s.load(layer); err != nil {
		return nil, nil, err
	}
	if short == "bias" {
		return []int{len(s.bias)}, s.bias, nil
	}
	w := make([]float32, len(s.q))
	return s.shape, w, quant.Dequantize(w, s.q, s.scales)
}

// load folds and quantizes layer unless it is the one loaded last.
func (s *int8Weights) load(layer string) error {
	if layer == s.layer {
		return nil
	}
	shape, data, err := s.inner.Weight(layer, "kernel")
	if err != nil {
		return err
	}
	k, err := tensor.FromData(data, shape...)
	if err != nil {
		return err
	}
	_, bias, err := s.inner.Weight(layer, "bias")
	if err != nil {
		return err
	}
	for _, c := range resnet50.Convs() {
		if c.Name != layer {
			continue
		}
		var bn [4][]float32 // gamma, beta, moving_mean, moving_variance
		for i, short := range []string{"gamma", "beta", "moving_mean", "moving_variance"} {
			if _, bn[i], err = s.inner.Weight(c.BN, short); err != nil {
				return err
			}
		}
		k, bias = ops.FoldBatchNorm(k, bias, bn[0], bn[1], bn[2], bn[3], ops.KerasResNetBNEpsilon)
	}
	cout := shape[len(shape)-1]
	q, scales := make([]int8, len(k.Data)), make([]float32, cout)
	if err := quant.Quantize(q, scales, k.Data, cout); err != nil {
		return fmt.Errorf("%s/kernel:0: %w", layer, err)
	}
	s.layer, s.shape, s.q, s.scales, s.bias = layer, shape, q, scales, bias
	return nil
}
