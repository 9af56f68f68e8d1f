// int8_test.go: a model whose kernels stay int8 in memory (QuantizedSource) computes, layer by
// layer, exactly what the model with the same kernels dequantized to float32 computes: the GEMM
// dequantizes each K×N block into the same packing buffer the float32 kernel is copied into, and
// everything after that is the same code. Natively and under Node (./build.sh wasm-test runs
// this file with the SIMD128, relaxed-SIMD and purego builds) the outputs are equal bit for bit.
package resnet50_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/resnet50/resnet50test"
	"github.com/graftml/graft/core/tensor"
)

// quantizedSynthetic serves resnet50.Synthetic's weights with every kernel quantized per output
// channel (symmetric, scale = max|w|/127, round to nearest: weights/quant's scheme) both ways, as
// a converted model does: WeightInt8 gives the codes, Weight the kernels dequantized,
// float32(q)·scale. Kernels of layers in asFloat32 are stored float32 (WeightInt8 refuses them).
type quantizedSynthetic struct {
	inner     resnet50.Synthetic
	folded    bool
	asFloat32 map[string]bool
	codes     map[string][]int8 // by layer
	scales    map[string][]float32
}

func newQuantizedSynthetic(folded bool, asFloat32 ...string) *quantizedSynthetic {
	s := &quantizedSynthetic{inner: resnet50.Synthetic{Inner: noWeights{}, Seed: 5}, folded: folded,
		asFloat32: map[string]bool{}, codes: map[string][]int8{}, scales: map[string][]float32{}}
	for _, l := range asFloat32 {
		s.asFloat32[l] = true
	}
	return s
}

func (s *quantizedSynthetic) BatchNormFolded() bool { return s.folded }

// quantized returns the layer's kernel codes and scales, quantizing on first use.
func (s *quantizedSynthetic) quantized(layer string) ([]int, []int8, []float32, error) {
	shape, w, err := s.inner.Weight(layer, "kernel")
	if err != nil {
		return nil, nil, nil, err
	}
	if q, ok := s.codes[layer]; ok {
		return shape, q, s.scales[layer], nil
	}
	k := shape[len(shape)-1]
	amax := make([]float64, k)
	for i, v := range w {
		amax[i%k] = math.Max(amax[i%k], math.Abs(float64(v)))
	}
	scales := make([]float32, k)
	for j := range scales {
		scales[j] = float32(amax[j] / 127)
	}
	q := make([]int8, len(w))
	for i, v := range w {
		if sc := float64(scales[i%k]); sc != 0 {
			q[i] = int8(max(-127, min(127, math.Round(float64(v)/sc))))
		}
	}
	s.codes[layer], s.scales[layer] = q, scales
	return shape, q, scales, nil
}

func (s *quantizedSynthetic) WeightInt8(layer, short string) ([]int, []int8, []float32, error) {
	if short != "kernel" || s.asFloat32[layer] {
		return nil, nil, nil, fmt.Errorf("%s/%s:0: %w", layer, short, resnet50.ErrNotInt8)
	}
	return s.quantized(layer)
}

func (s *quantizedSynthetic) Weight(layer, short string) ([]int, []float32, error) {
	if short != "kernel" || s.asFloat32[layer] {
		return s.inner.Weight(layer, short)
	}
	shape, q, scales, err := s.quantized(layer)
	if err != nil {
		return nil, nil, err
	}
	w := make([]float32, len(q))
	for i, c := range q {
		w[i] = float32(c) * scales[i%len(scales)]
	}
	return shape, w, nil
}

// The int8 model must equal the float32 one bit for bit: both multiply by the same float32 panels
// in the same order (natively, in wasm SIMD and in the purego build alike), so any difference is
// a bug. differingBits counts the elements whose bits differ.
func differingBits(a, b []float32) int {
	n := 0
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			n++
		}
	}
	return n + max(len(a), len(b)) - min(len(a), len(b))
}

func TestInt8KernelsEqualDequantizedFloat32(t *testing.T) {
	src := newQuantizedSynthetic(true, "conv1_conv") // conv1 stored float32, as a converter may keep it
	int8Model, err := resnet50.New(src, resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f32Model, err := resnet50.New(src, resnet50.Options{Float32Weights: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := int8Model.KernelDType(); got != "int8+float32" {
		t.Errorf("int8 model KernelDType() = %q, want int8+float32 (conv1 is float32)", got)
	}
	if got := f32Model.KernelDType(); got != "float32" {
		t.Errorf("Float32Weights model KernelDType() = %q", got)
	}
	params, channels := 0, 0
	for _, s := range resnet50.WeightSpecs() {
		if s.Short == "kernel" {
			n := 1
			for _, d := range s.Shape {
				n *= d
			}
			params += n
			channels += s.Shape[len(s.Shape)-1]
		}
	}
	conv1 := 7 * 7 * 3 * 64
	if got, want := int8Model.KernelBytes(), (params-conv1)+4*(channels-64)+4*conv1; got != want {
		t.Errorf("int8 model KernelBytes() = %d, want %d", got, want)
	}
	if got, want := f32Model.KernelBytes(), 4*params; got != want {
		t.Errorf("float32 model KernelBytes() = %d, want %d", got, want)
	}

	x := tensor.New(1, resnet50.InputSize, resnet50.InputSize, 3)
	rng := rand.New(rand.NewPCG(8, 9))
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64()*255 - 120)
	}
	want := map[string][]float32{}
	if _, err := f32Model.Run(x, "predictions", func(name string, act *tensor.Tensor) {
		want[name] = append([]float32(nil), act.Data...)
	}); err != nil {
		t.Fatal(err)
	}
	layers := 0
	if _, err := int8Model.Run(x, "predictions", func(name string, act *tensor.Tensor) {
		layers++
		if n := differingBits(act.Data, want[name]); n > 0 {
			t.Errorf("%s: int8 kernels vs dequantized float32 kernels: %d of %d elements differ (rel err %.3g)",
				name, n, len(act.Data), relErr(act.Data, want[name]))
		}
	}); err != nil {
		t.Fatal(err)
	}
	if layers != len(resnet50.OutputLayers()) {
		t.Fatalf("observed %d layers, want %d", layers, len(resnet50.OutputLayers()))
	}
}

// TestInt8KernelsKeptOnlyAsStored: int8 kernels stay int8 when they are used as stored (folded
// source, or batch norms run unfolded by resnet50test); when New must fold a batch norm into a conv, it reads
// that conv's kernel as float32 (the dense layer, which has no batch norm, stays int8).
func TestInt8KernelsKeptOnlyAsStored(t *testing.T) {
	for _, tc := range []struct {
		folded bool
		opts   resnet50.Options
		want   string
	}{
		{true, resnet50.Options{}, "int8"},
		{true, resnet50.Options{Float32Weights: true}, "float32"},
		{false, resnet50.Options{}, "int8+float32"},
	} {
		m, err := resnet50.New(newQuantizedSynthetic(tc.folded), tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.KernelDType(); got != tc.want {
			t.Errorf("folded=%v %+v: KernelDType() = %q, want %q", tc.folded, tc.opts, got, tc.want)
		}
	}
	// The unfolded network of the tests folds nothing, so it keeps every int8 kernel as stored.
	u, err := resnet50test.New(newQuantizedSynthetic(false), resnet50test.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.KernelDType(); got != "int8" {
		t.Errorf("folded=false, unfolded (resnet50test): KernelDType() = %q, want %q", got, "int8")
	}
	// A .h5-like source (no int8) is float32 whatever the options.
	m, err := resnet50.New(&resnet50.Synthetic{Inner: noWeights{}, Seed: 1}, resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.KernelDType(); got != "float32" {
		t.Errorf("plain source: KernelDType() = %q", got)
	}
}

// brokenInt8 stores a kernel with a wrong number of scales: New must fail, naming it.
type brokenInt8 struct{ *quantizedSynthetic }

func (b brokenInt8) WeightInt8(layer, short string) ([]int, []int8, []float32, error) {
	shape, q, scales, err := b.quantizedSynthetic.WeightInt8(layer, short)
	if err == nil && layer == "conv2_block1_2_conv" {
		scales = scales[1:]
	}
	return shape, q, scales, err
}

func TestInt8KernelErrors(t *testing.T) {
	_, err := resnet50.New(brokenInt8{newQuantizedSynthetic(true)}, resnet50.Options{})
	if err == nil || !strings.Contains(err.Error(), "conv2_block1_2_conv/kernel:0") {
		t.Fatalf("New with bad scales: %v", err)
	}
}
