// Batch-norm folding of Keras ResNet50 weights (weights/FORMAT.md §1), and
// Folded: a resnet50.FoldedSource over a Keras source that serves exactly what a converted model
// stores — folded kernels and biases, kernels optionally through the int8 quantizer (then also
// as int8, a resnet50.QuantizedSource) — so `--h5 FILE --precision int8` computes what
// `--model DIR` of the same file computes, with the kernels int8 in memory alike.
package convert

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/weights/quant"
)

// DenseLayer is the Keras name of the classifier.
const DenseLayer = resnet50.DenseLayer

// weightOf reads one weight and checks it against ResNet50's shape.
func weightOf(src resnet50.WeightSource, layer, short string, shape []int) ([]float32, error) {
	got, data, err := src.Weight(layer, short)
	if err != nil {
		return nil, err
	}
	if !tensor.SameShape(got, shape) || len(data) != product(shape) {
		return nil, fmt.Errorf("%s/%s:0 has shape %v (%d values), ResNet50 needs %v", layer, short, got, len(data), shape)
	}
	for i, v := range data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%s/%s:0[%d] is %g", layer, short, i, v)
		}
	}
	return data, nil
}

// FoldConv reads conv c's kernel [KH,KW,Cin,Cout], bias [Cout] and batch norm from src and
// returns the folded kernel and bias (core/ops.FoldBatchNorm, epsilon 1.001e-5). A missing
// weight yields an error wrapping resnet50.ErrMissing.
func FoldConv(src resnet50.WeightSource, c resnet50.ConvSpec) (kernel *tensor.Tensor, bias []float32, err error) {
	k, err := weightOf(src, c.Name, "kernel", []int{c.Kernel, c.Kernel, c.Cin, c.Cout})
	if err != nil {
		return nil, nil, err
	}
	if bias, err = weightOf(src, c.Name, "bias", []int{c.Cout}); err != nil {
		return nil, nil, err
	}
	bn := make([][]float32, 4) // gamma, beta, moving_mean, moving_variance, each [Cout]
	for i, short := range []string{"gamma", "beta", "moving_mean", "moving_variance"} {
		if bn[i], err = weightOf(src, c.BN, short, []int{c.Cout}); err != nil {
			return nil, nil, err
		}
	}
	for ch, v := range bn[3] {
		if !(float64(v)+ops.KerasResNetBNEpsilon > 0) { // FoldBatchNorm would divide by a non-positive root
			return nil, nil, fmt.Errorf("%s/moving_variance:0[%d] = %g: variance + epsilon must be positive", c.BN, ch, v)
		}
	}
	kt, err := tensor.FromData(k, c.Kernel, c.Kernel, c.Cin, c.Cout)
	if err != nil {
		return nil, nil, err
	}
	kernel, bias = ops.FoldBatchNorm(kt, bias, bn[0], bn[1], bn[2], bn[3], ops.KerasResNetBNEpsilon)
	return kernel, bias, nil
}

// Dense reads the predictions layer: kernel [2048, 1000] and bias [1000].
func Dense(src resnet50.WeightSource) (kernel *tensor.Tensor, bias []float32, err error) {
	k, err := weightOf(src, DenseLayer, "kernel", []int{2048, resnet50.NumClasses})
	if err != nil {
		return nil, nil, err
	}
	if bias, err = weightOf(src, DenseLayer, "bias", []int{resnet50.NumClasses}); err != nil {
		return nil, nil, err
	}
	kernel, err = tensor.FromData(k, 2048, resnet50.NumClasses)
	return kernel, bias, err
}

// QuantizeKernel runs a kernel (output channel last) through the int8 quantizer and returns
// the codes, the scales [K] and the dequantized values a reader of the model will compute with.
func QuantizeKernel(k *tensor.Tensor) (q []int8, scales, dequantized []float32, err error) {
	cout := k.Shape[len(k.Shape)-1]
	q, scales = make([]int8, len(k.Data)), make([]float32, cout)
	if err := quant.Quantize(q, scales, k.Data, cout); err != nil {
		return nil, nil, nil, err
	}
	dequantized = make([]float32, len(q))
	if err := quant.Dequantize(dequantized, q, scales); err != nil {
		return nil, nil, nil, err
	}
	return q, scales, dequantized, nil
}

// Folded serves a Keras source (with batch norms) as the folded weights a converted model
// holds. With Quantize, kernels come back quantized to int8: as codes and scales from WeightInt8
// (a resnet50.QuantizedSource, so resnet50.New keeps them int8) and dequantized from Weight, bit
// for bit what weights/format's Loader returns for an int8 model of the same source.
type Folded struct {
	Inner    resnet50.WeightSource
	Quantize bool

	layer  string // the last layer folded, kept because resnet50.New asks kernel then bias
	kernel []float32
	q      []int8    // with Quantize: the kernel's codes…
	scales []float32 // …and scales; kernel is then their dequantization, made on request
	bias   []float32
	shape  []int
}

// BatchNormFolded implements resnet50.FoldedSource.
func (f *Folded) BatchNormFolded() bool { return true }

// Weight implements resnet50.WeightSource for conv and dense kernels and biases; batch-norm
// weights are reported missing (they are folded in).
func (f *Folded) Weight(layer, short string) ([]int, []float32, error) {
	if short != "kernel" && short != "bias" {
		return nil, nil, fmt.Errorf("%s/%s:0: folded into the conv before it: %w", layer, short, resnet50.ErrMissing)
	}
	if err := f.load(layer); err != nil {
		return nil, nil, err
	}
	if short == "bias" {
		return []int{len(f.bias)}, f.bias, nil
	}
	if f.kernel == nil { // quantized: dequantize as a reader of the model does
		f.kernel = make([]float32, len(f.q))
		if err := quant.Dequantize(f.kernel, f.q, f.scales); err != nil {
			return nil, nil, fmt.Errorf("%s/kernel:0: %w", layer, err)
		}
	}
	return append([]int(nil), f.shape...), f.kernel, nil
}

// WeightInt8 implements resnet50.QuantizedSource: with Quantize, a kernel's int8 codes and
// scales; without, and for biases, an error wrapping resnet50.ErrNotInt8.
func (f *Folded) WeightInt8(layer, short string) ([]int, []int8, []float32, error) {
	if !f.Quantize || short != "kernel" {
		return nil, nil, nil, fmt.Errorf("%s/%s:0: float32: %w", layer, short, resnet50.ErrNotInt8)
	}
	if err := f.load(layer); err != nil {
		return nil, nil, nil, err
	}
	return append([]int(nil), f.shape...), f.q, f.scales, nil
}

// load folds layer (and quantizes its kernel) unless it is the layer loaded last.
func (f *Folded) load(layer string) error {
	if layer == f.layer {
		return nil
	}
	var k *tensor.Tensor
	var b []float32
	var err error
	if layer == DenseLayer {
		k, b, err = Dense(f.Inner)
	} else if c, ok := convByName(layer); ok {
		k, b, err = FoldConv(f.Inner, c)
	} else {
		return fmt.Errorf("%s: not a ResNet50 layer with weights: %w", layer, resnet50.ErrMissing)
	}
	if err != nil {
		return err
	}
	f.layer, f.kernel, f.q, f.scales, f.bias, f.shape = layer, k.Data, nil, nil, b, k.Shape
	if f.Quantize {
		cout := k.Shape[len(k.Shape)-1]
		f.kernel, f.q, f.scales = nil, make([]int8, len(k.Data)), make([]float32, cout)
		if err := quant.Quantize(f.q, f.scales, k.Data, cout); err != nil {
			f.layer = ""
			return fmt.Errorf("%s/kernel:0: %w", layer, err)
		}
	}
	return nil
}

func convByName(name string) (resnet50.ConvSpec, bool) {
	for _, c := range resnet50.Convs() {
		if c.Name == name {
			return c, true
		}
	}
	return resnet50.ConvSpec{}, false
}

// stageOf is the stage a layer belongs to: "conv1" … "conv5", or "predictions".
func stageOf(layer string) string {
	stage, _, _ := strings.Cut(layer, "_")
	return stage
}

func isMissing(err error) bool { return errors.Is(err, resnet50.ErrMissing) }

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
