// weights_test.go: the benchmark's int8 weights are graft convert's: the same codes, scales and
// folded biases as weights/convert.Folded{Quantize: true} over the same synthetic source.
package main

import (
	"slices"
	"testing"

	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/weights/convert"
)

func TestInt8WeightsAreConverts(t *testing.T) {
	mine, err := weightSource("int8")
	if err != nil {
		t.Fatal(err)
	}
	ours := mine.(resnet50.QuantizedSource)
	theirs := &convert.Folded{Inner: &resnet50.Synthetic{Inner: noWeights{}, Seed: 1}, Quantize: true}
	for _, layer := range []string{"conv1_conv", "conv2_block1_0_conv", "conv4_block3_2_conv", "predictions"} {
		shape, q, scales, err := ours.WeightInt8(layer, "kernel")
		if err != nil {
			t.Fatal(err)
		}
		wantShape, wantQ, wantScales, err := theirs.WeightInt8(layer, "kernel")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(shape, wantShape) || !slices.Equal(q, wantQ) || !slices.Equal(scales, wantScales) {
			t.Errorf("%s: kernel codes or scales differ from graft convert's", layer)
		}
		_, bias, _ := ours.Weight(layer, "bias")
		_, wantBias, _ := theirs.Weight(layer, "bias")
		if !slices.Equal(bias, wantBias) {
			t.Errorf("%s: folded bias differs from graft convert's", layer)
		}
		_, w, _ := ours.Weight(layer, "kernel")
		_, wantW, _ := theirs.Weight(layer, "kernel")
		if !slices.Equal(w, wantW) {
			t.Errorf("%s: dequantized kernel differs from graft convert's", layer)
		}
	}
	if _, err := weightSource("int4"); err == nil {
		t.Error("-weights int4 accepted")
	}
}
