// conv2d_bench_test.go: Conv2D on real ResNet50 layers (batch 1, 224×224 input), paired with
// Conv2DRef. GFLOP/s counts 2·OH·OW·KH·KW·Cin·Cout per op (the multiply-adds).
//
//	go test -run '^$' -bench 'Conv2D' -benchtime 3x ./core/ops
package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/tensor"
)

var resnet50ConvLayers = []struct {
	name                   string
	h, w, cin, k, cout, st int
	pad                    Padding
	residual               bool
}{
	{"conv1_conv", 230, 230, 3, 7, 64, 2, Valid, false},           // after conv1_pad
	{"conv2_block1_2_conv", 56, 56, 64, 3, 64, 1, Same, false},    // 3x3
	{"conv3_block1_0_conv", 56, 56, 256, 1, 512, 2, Valid, false}, // 1x1 stride 2 shortcut
	{"conv4_block2_2_conv", 14, 14, 256, 3, 256, 1, Same, false},  // 3x3
	{"conv5_block3_3_conv", 7, 7, 512, 1, 2048, 1, Valid, true},   // 1x1 + residual + relu
}

func BenchmarkConv2D(b *testing.B) {
	rng := rand.New(rand.NewPCG(71, 72))
	impls := []struct {
		name string
		fn   func(x, w *tensor.Tensor, bias []float32, sh, sw int, p Padding, r *tensor.Tensor, relu bool) (*tensor.Tensor, error)
	}{{"fast", Conv2D}, {"ref", Conv2DRef}}
	for _, l := range resnet50ConvLayers {
		x := randTensor(rng, 1, l.h, l.w, l.cin)
		w := randTensor(rng, l.k, l.k, l.cin, l.cout)
		bias := randSlice(rng, l.cout, -1, 1)
		oh, _, _, _ := WindowOutputSize(l.h, l.k, l.st, l.pad)
		ow, _, _, _ := WindowOutputSize(l.w, l.k, l.st, l.pad)
		var res *tensor.Tensor
		if l.residual {
			res = randTensor(rng, 1, oh, ow, l.cout)
		}
		flops := 2 * float64(oh*ow) * float64(l.k*l.k*l.cin) * float64(l.cout)
		for _, impl := range impls {
			b.Run(fmt.Sprintf("layer=%s/impl=%s", l.name, impl.name), func(b *testing.B) {
				for b.Loop() {
					if _, err := impl.fn(x, w, bias, l.st, l.st, l.pad, res, true); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
