package resnet50_test

import (
	"slices"
	"testing"

	"github.com/graftml/graft/core/resnet50"
)

func TestTopBlocks(t *testing.T) {
	b, err := resnet50.TopBlocks("conv4_block6_out", 2)
	if err != nil {
		t.Fatal(err)
	}
	if b[0].Name != "conv4_block5" || b[0].Input != "conv4_block4_out" || b[1].Output != "conv4_block6_out" || b[1].ConvShortcut() {
		t.Fatalf("%+v", b)
	}
	first, err := resnet50.TopBlocks("conv5_block1_out", 1)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range first[0].Convs() {
		names = append(names, c.Name)
	}
	if !first[0].ConvShortcut() || first[0].Stride() != 2 || first[0].Input != "conv4_block6_out" ||
		!slices.Equal(names, []string{"conv5_block1_0_conv", "conv5_block1_1_conv", "conv5_block1_2_conv", "conv5_block1_3_conv"}) {
		t.Fatalf("%+v %v", first[0], names)
	}
	if b, _ := resnet50.TopBlocks("conv2_block1_out", 1); b[0].Input != "pool1_pool" || b[0].Stride() != 1 {
		t.Fatalf("conv2_block1: %+v", b[0])
	}
	for _, bad := range []struct {
		layer string
		n     int
	}{{"conv4_block6_out", 7}, {"conv4_block6_out", 0}, {"avg_pool", 1}, {"conv3_block2_out", 3}} {
		if _, err := resnet50.TopBlocks(bad.layer, bad.n); err == nil {
			t.Errorf("TopBlocks(%s, %d) accepted", bad.layer, bad.n)
		}
	}
	for layer, side := range map[string]int{"conv1_relu": 112, "pool1_pool": 56, "conv2_block3_out": 56, "conv3_block1_out": 28,
		"conv4_block5_out": 14, "conv5_block3_out": 7, "avg_pool": 0} {
		if got := resnet50.OutputSide(layer); got != side {
			t.Errorf("OutputSide(%s) = %d, want %d", layer, got, side)
		}
	}
}
