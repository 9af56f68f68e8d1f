// Test models: ResNet50 truncated after a chosen stage, filled with resnet50.Synthetic's
// seeded values (no weights file needed), in int8 or float32.
package format

import (
	"fmt"
	"strings"
	"testing"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
	"github.com/graftml/graft/weights/quant"
)

// noWeights is a source without any weight: resnet50.Synthetic then fills everything.
type noWeights struct{}

func (noWeights) Weight(layer, short string) ([]int, []float32, error) {
	return nil, nil, fmt.Errorf("%s/%s:0: %w", layer, short, resnet50.ErrMissing)
}

// testModel is a built model and the float32 values a reader must return for each tensor.
type testModel struct {
	m      *Manifest
	chunks []ChunkData
	want   map[string][]float32 // tensor name → values (dequantized for int8 kernels)
}

// buildTestModel stores conv1 and the stages up to lastStage ("conv2".."conv5"; "predictions"
// adds the dense layer), marks stage conv3 synthetic, and truncates the rest.
func buildTestModel(tb testing.TB, dtype, lastStage string, seed uint64) *testModel {
	tb.Helper()
	src := &resnet50.Synthetic{Inner: noWeights{}, Seed: seed}
	b := NewBuilder(dtype)
	b.Model().Source = Source{File: "test.h5"}
	want := map[string][]float32{}
	stored := func(layer string) bool {
		if layer == DenseLayer {
			return lastStage == DenseLayer
		}
		stage, _, _ := strings.Cut(layer, "_")
		return stage == "conv1" || lastStage == DenseLayer || stage <= lastStage
	}
	for _, l := range modelLayers() {
		state := StateTruncated
		if stored(l.name) {
			state = StatePresent
			if strings.HasPrefix(l.name, "conv3_") {
				state = StateSynthetic
				b.Model().Synthetic = &SyntheticInfo{Init: SyntheticInitHeNorm, Seed: seed}
			}
		}
		b.AddLayer(Layer{Name: l.name, State: state, BatchNorm: l.bn})
		if state == StateTruncated {
			continue
		}
		for _, short := range []string{"kernel", "bias"} {
			shape, data, err := src.Weight(l.name, short)
			if err != nil {
				tb.Fatal(err)
			}
			name := l.name + "/" + short + ":0"
			if short == "bias" { // Synthetic's biases are zero; make them tell tensors apart
				for i := range data {
					data[i] = float32(i%7) - 3.25
				}
			}
			if short == "bias" || dtype == DTypeFloat32 {
				if err := b.AddFloat32(name, shape, data); err != nil {
					tb.Fatal(err)
				}
				want[name] = data
				continue
			}
			q, s, err := quant.QuantizeRef(data, shape[len(shape)-1])
			if err != nil {
				tb.Fatal(err)
			}
			if err := b.AddInt8(name, shape, q, s); err != nil {
				tb.Fatal(err)
			}
			want[name], _ = quant.DequantizeRef(q, s)
		}
	}
	m, chunks, err := b.Finish()
	if err != nil {
		tb.Fatal(err)
	}
	return &testModel{m, chunks, want}
}

func (tm *testModel) manifestJSON(tb testing.TB) []byte {
	tb.Helper()
	data, err := tm.m.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func (tm *testModel) loader(tb testing.TB) *Loader {
	tb.Helper()
	l, err := NewLoader(tm.manifestJSON(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// checkWeights compares every complete tensor the loader serves with the values written.
func (tm *testModel) checkWeights(tb testing.TB, l *Loader, wantComplete bool) {
	tb.Helper()
	for _, t := range tm.m.Tensors {
		layer, short, _ := strings.Cut(strings.TrimSuffix(t.Name, ":0"), "/")
		shape, got, err := l.Weight(layer, short)
		if err != nil {
			if wantComplete {
				tb.Fatalf("%s: %v", t.Name, err)
			}
			continue
		}
		if !tensor.SameShape(shape, t.Shape) {
			tb.Fatalf("%s: shape %v, want %v", t.Name, shape, t.Shape)
		}
		want := tm.want[t.Name]
		for i := range want {
			if got[i] != want[i] {
				tb.Fatalf("%s[%d] = %g, written %g", t.Name, i, got[i], want[i])
			}
		}
	}
}
