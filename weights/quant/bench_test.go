// Benchmarks of the quantizer and dequantizer, paired by implementation, on ResNet50 kernel
// shapes (style #17):
//
//	go test -run '^$' -bench . ./weights/quant
package quant

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShapes are [rows, K] views of real kernels: conv4 3x3 [3,3,256,256], conv5 1x1
// [1,1,512,2048] and the dense layer [2048,1000].
var benchShapes = []struct {
	name        string
	rows, chans int
}{
	{"conv4_3x3", 3 * 3 * 256, 256},
	{"conv5_1x1", 512, 2048},
	{"dense", 2048, 1000},
}

func BenchmarkQuantize(b *testing.B) {
	for _, s := range benchShapes {
		w := kernel(rand.New(rand.NewPCG(1, 1)), s.rows, s.chans)
		q, sc := make([]int8, len(w)), make([]float32, s.chans)
		b.Run(fmt.Sprintf("shape=%s/impl=ref", s.name), func(b *testing.B) {
			b.SetBytes(int64(4 * len(w)))
			for b.Loop() {
				if _, _, err := QuantizeRef(w, s.chans); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("shape=%s/impl=fast", s.name), func(b *testing.B) {
			b.SetBytes(int64(4 * len(w)))
			for b.Loop() {
				if err := Quantize(q, sc, w, s.chans); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDequantize(b *testing.B) {
	for _, s := range benchShapes {
		w := kernel(rand.New(rand.NewPCG(2, 2)), s.rows, s.chans)
		q, sc, _ := QuantizeRef(w, s.chans)
		out := make([]float32, len(q))
		b.Run(fmt.Sprintf("shape=%s/impl=ref", s.name), func(b *testing.B) {
			b.SetBytes(int64(len(q)))
			for b.Loop() {
				if _, err := DequantizeRef(q, sc); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("shape=%s/impl=fast", s.name), func(b *testing.B) {
			b.SetBytes(int64(len(q)))
			for b.Loop() {
				if err := Dequantize(out, q, sc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
