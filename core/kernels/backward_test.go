// backward_test.go: ReLUMaskF32 and ColSumF64 (the SIMD module's relu_mask_f32 and col_sum_f32
// in the wasm build) against their Go loops, bit for bit, over awkward lengths and strides, with
// values a mask must sort (NaN, ±0, subnormals) and sentinels after the outputs.
package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestReLUMaskF32MatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(93, 94))
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, math.SmallestNonzeroFloat32, float32(math.Inf(-1))}
	for _, n := range append([]int{0}, append(awkwardSizes, 255, 1023, 1025)...) {
		y := randDense(rng, n)
		for i := 0; i < n; i += 5 {
			y[i] = special[(i/5)%len(special)]
		}
		dy := randDense(rng, n+guardLen)
		for i := n; i < len(dy); i++ {
			dy[i] = math.Float32frombits(sentinelBits)
		}
		want := append([]float32(nil), dy...)
		ReLUMaskF32(dy[:n], y)
		reluMaskF32Ref(want[:n], y)
		for i := range dy {
			if math.Float32bits(dy[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: dy[%d] = %v (%#x), want %v (%#x)", n, i, dy[i], math.Float32bits(dy[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
}

func TestColSumF64MatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(95, 96))
	for _, m := range []int{0, 1, 2, 7, 64} {
		for _, n := range append([]int{0}, awkwardSizes...) {
			lds := n + m%3
			src := randDense(rng, m*lds)
			got := make([]float64, n+2)
			for j := range got {
				got[j] = rng.NormFloat64()
			}
			got[n], got[n+1] = math.NaN(), math.Inf(1) // guards: must stay
			want := append([]float64(nil), got...)
			ColSumF64(m, n, src, lds, got[:n])
			colSumF64Ref(m, n, src, lds, want[:n])
			for j := range got {
				if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
					t.Fatalf("m=%d n=%d lds=%d: sum[%d] = %v, want %v", m, n, lds, j, got[j], want[j])
				}
			}
		}
	}
}
