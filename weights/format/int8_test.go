// int8_test.go: the Loader as a resnet50.QuantizedSource — WeightInt8 hands out exactly the codes
// and scales weights/quant wrote (as views of the chunk bytes where a tensor lies in one chunk),
// refuses float32 tensors with ErrNotInt8, and a model built on it keeps its kernels int8 and
// computes bit for bit what the model on the dequantized kernels computes.
package format

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/weights/quant"
)

var _ resnet50.QuantizedSource = (*Loader)(nil)

func completeLoader(t *testing.T, tm *testModel) *Loader {
	t.Helper()
	l := tm.loader(t)
	for _, c := range tm.chunks {
		if _, err := l.AddChunk(c.File, c.Data); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func TestLoaderWeightInt8(t *testing.T) {
	const seed = 21
	tm := buildTestModel(t, DTypeInt8, "conv3", seed)
	l := completeLoader(t, tm)
	src := &resnet50.Synthetic{Inner: noWeights{}, Seed: seed}
	views := 0
	for _, tt := range tm.m.Tensors {
		layer, short, _ := strings.Cut(strings.TrimSuffix(tt.Name, ":0"), "/")
		shape, q, scales, err := l.WeightInt8(layer, short)
		if short == "bias" {
			if !errors.Is(err, resnet50.ErrNotInt8) {
				t.Fatalf("%s: WeightInt8 err = %v, want ErrNotInt8", tt.Name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.Name, err)
		}
		_, w, _ := src.Weight(layer, short)
		wantQ, wantS, _ := quant.QuantizeRef(w, shape[len(shape)-1])
		if !tensor.SameShape(shape, tt.Shape) || len(q) != len(wantQ) || len(scales) != len(wantS) {
			t.Fatalf("%s: shape %v, %d codes, %d scales; want %v, %d, %d", tt.Name, shape, len(q), len(scales), tt.Shape, len(wantQ), len(wantS))
		}
		for i := range wantQ {
			if q[i] != wantQ[i] {
				t.Fatalf("%s: code %d = %d, quantizer wrote %d", tt.Name, i, q[i], wantQ[i])
			}
		}
		for i := range wantS {
			if math.Float32bits(scales[i]) != math.Float32bits(wantS[i]) {
				t.Fatalf("%s: scale %d = %g, quantizer wrote %g", tt.Name, i, scales[i], wantS[i])
			}
		}
		// Weight is the same kernel dequantized.
		_, f, _ := l.Weight(layer, short)
		for i, c := range q {
			if math.Float32bits(f[i]) != math.Float32bits(float32(c)*scales[i%len(scales)]) {
				t.Fatalf("%s: Weight()[%d] = %g, float32(q)·scale = %g", tt.Name, i, f[i], float32(c)*scales[i%len(scales)])
			}
		}
		// Codes inside one chunk are that chunk's bytes, not a copy.
		chunk := tm.chunks[tt.Span.Chunk].Data
		if tt.Span.Offset+tt.Span.Length <= int64(len(chunk)) {
			if unsafe.Pointer(&q[0]) != unsafe.Pointer(&chunk[tt.Span.Offset]) {
				t.Errorf("%s lies in one chunk but its codes are a copy", tt.Name)
			}
			views++
		}
	}
	if views == 0 {
		t.Fatal("no kernel lies in one chunk: the view path is untested")
	}
	if _, _, _, err := l.WeightInt8("conv5_block1_1_conv", "kernel"); !errors.Is(err, resnet50.ErrMissing) {
		t.Fatalf("truncated layer: %v, want ErrMissing", err)
	}
	if _, _, _, err := tm.loader(t).WeightInt8("conv1_conv", "kernel"); !errors.Is(err, resnet50.ErrMissing) {
		t.Fatalf("before its chunks arrive: %v, want ErrMissing", err)
	}
	f32 := completeLoader(t, buildTestModel(t, DTypeFloat32, "conv2", seed))
	if _, _, _, err := f32.WeightInt8("conv1_conv", "kernel"); !errors.Is(err, resnet50.ErrNotInt8) {
		t.Fatalf("float32 model: %v, want ErrNotInt8", err)
	}
}

// TestLoaderModelKeepsInt8: resnet50.New on an int8 model keeps the kernels int8 (a quarter of
// the bytes) and computes bit for bit what it computes with Float32Weights; a float32 model
// stays float32.
func TestLoaderModelKeepsInt8(t *testing.T) {
	l := completeLoader(t, buildTestModel(t, DTypeInt8, "conv4", 22))
	q8, err := resnet50.New(l, resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f32, err := resnet50.New(l, resnet50.Options{Float32Weights: true})
	if err != nil {
		t.Fatal(err)
	}
	if q8.KernelDType() != "int8" || f32.KernelDType() != "float32" {
		t.Fatalf("KernelDType: default %q, Float32Weights %q", q8.KernelDType(), f32.KernelDType())
	}
	if a, b := q8.KernelBytes(), f32.KernelBytes(); !(a < b/3) {
		t.Fatalf("int8 kernels take %d bytes, float32 %d", a, b)
	}
	x := tensor.New(1, 64, 64, 3)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64()*255 - 120)
	}
	want, err := f32.Run(x, "conv4_block6_out", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := q8.Run(x, "conv4_block6_out", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Data {
		if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
			t.Fatalf("conv4_block6_out[%d]: int8 kernels %g, dequantized %g", i, got.Data[i], want.Data[i])
		}
	}
	fm, err := resnet50.New(completeLoader(t, buildTestModel(t, DTypeFloat32, "conv2", 23)), resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fm.KernelDType() != "float32" {
		t.Fatalf("float32 model: KernelDType %q", fm.KernelDType())
	}
}
