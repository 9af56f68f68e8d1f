// transpose_test.go: TransposeF32 (tiled) against TransposeF32Ref over awkward sizes below, at
// and above the 32×32 tile, with leading dimensions larger than the rows, and sentinels in the
// destination's gaps and guards that catch writes outside the transposed matrix.
package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestTransposeF32MatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(91, 92))
	sizes := []int{0, 1, 2, 3, 5, 7, 17, 31, 32, 33, 63, 65, 129, 257}
	for _, rows := range sizes {
		for _, cols := range sizes {
			for _, gap := range []int{0, 3} {
				lds, ldd := max(cols, 1)+gap, max(rows, 1)+gap
				src := randDense(rng, matrixLen(rows, cols, lds))
				n := matrixLen(cols, rows, ldd)
				got := make([]float32, n+guardLen)
				want := make([]float32, n+guardLen)
				for i := range got {
					got[i] = math.Float32frombits(sentinelBits)
					want[i] = got[i]
				}
				TransposeF32(rows, cols, src, lds, got, ldd)
				TransposeF32Ref(rows, cols, src, lds, want, ldd)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("rows=%d cols=%d lds=%d ldd=%d: element %d = %v, want %v", rows, cols, lds, ldd, i, got[i], want[i])
					}
				}
				for j := range cols { // and the Ref is the definition
					for i := range rows {
						if want[j*ldd+i] != src[i*lds+j] {
							t.Fatalf("TransposeF32Ref rows=%d cols=%d: dst[%d][%d] != src[%d][%d]", rows, cols, j, i, i, j)
						}
					}
				}
			}
		}
	}
}

func TestTransposeF32PanicsOnShortSlices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("TransposeF32 with a short dst did not panic")
		}
	}()
	TransposeF32(3, 4, make([]float32, 12), 4, make([]float32, 11), 3)
}

// BenchmarkTransposeF32: a conv4 3x3 patch block (1568 × 2304, the Pᵀ of Conv2DBackward) and a
// 1x1 kernel (1024 × 256, its Wᵀ), paired tiled / Ref. Measured (ms/op, tiled vs ref): native on
// 2 loaded cores 6.6 vs 22.9, 1.47 vs 12.5 (1024²), 0.29 vs 3.7; js/wasm under Node 20 (100
// iterations, after tier-up) 5.2 vs 6.5 (1024²), 1.16 vs 1.60. An 8×8 block moved through a
// local [64]float32 was 1.7× slower than ref under wasm (Go's wasm array copies), hence the
// row pointers of transpose8x8. The wasm build now runs transpose_f32 instead (30 iterations,
// builds alternated, load average ~0.9; Go loop → SIMD module): 16.8–18.0 → 4.2–4.5,
// 2.1–2.5 → 0.65–0.77 (1024²), 0.49 → 0.11.
func BenchmarkTransposeF32(b *testing.B) {
	for _, s := range [][2]int{{1568, 2304}, {1024, 1024}, {1024, 256}} {
		src := make([]float32, s[0]*s[1])
		dst := make([]float32, s[0]*s[1])
		for _, impl := range []struct {
			name string
			fn   func(int, int, []float32, int, []float32, int)
		}{{"tiled", TransposeF32}, {"ref", TransposeF32Ref}} {
			b.Run(fmt.Sprintf("shape=%dx%d/impl=%s", s[0], s[1], impl.name), func(b *testing.B) {
				for b.Loop() {
					impl.fn(s[0], s[1], src, s[1], dst, s[0])
				}
			})
		}
	}
}
