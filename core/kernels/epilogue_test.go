// epilogue_test.go: BiasResidualReLU against its element-at-a-time twin, with guards.
package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// epilogueTolerance is zero: both versions perform the same float32 additions in the same
// order (c + bias, then + residual) per element, so they must agree exactly.
const epilogueTolerance = 0

func TestBiasResidualReLUMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	sentinel := math.Float32frombits(sentinelBits)
	for _, m := range awkwardSizes {
		for _, n := range awkwardSizes {
			for variant := range 8 {
				ldc, ldr := n+variant%3, n+2*(variant%2)
				var bias, res []float32
				if variant&1 != 0 {
					bias = randDense(rng, n)
				}
				if variant&2 != 0 {
					res = randDense(rng, matrixLen(m, n, ldr))
				}
				relu := variant&4 != 0
				c0 := make([]float32, guardLen+matrixLen(m, n, ldc)+guardLen)
				for i := range c0 {
					c0[i] = sentinel
				}
				for i := range m {
					for j := range n {
						c0[guardLen+i*ldc+j] = rng.Float32()*4 - 2
					}
				}
				fast, ref := append([]float32(nil), c0...), append([]float32(nil), c0...)
				BiasResidualReLU(m, n, fast[guardLen:len(fast)-guardLen], ldc, bias, res, ldr, relu)
				BiasResidualReLURef(m, n, ref[guardLen:len(ref)-guardLen], ldc, bias, res, ldr, relu)
				for i := range fast {
					if math.Abs(float64(fast[i])-float64(ref[i])) > epilogueTolerance {
						t.Fatalf("m=%d n=%d variant=%d: offset %d: fast %v, ref %v", m, n, variant, i, fast[i], ref[i])
					}
					inC := i >= guardLen && i < len(c0)-guardLen && (i-guardLen)%ldc < n
					if !inC && math.Float32bits(ref[i]) != sentinelBits {
						t.Fatalf("m=%d n=%d variant=%d: wrote outside C at offset %d", m, n, variant, i)
					}
				}
			}
		}
	}
}

// TestBiasResidualReLUByHand pins the definition on a worked example.
func TestBiasResidualReLUByHand(t *testing.T) {
	c := []float32{1, -2, 3, -4, 9} // 2×2 with ldc 3: rows [1 -2] and [-4 9]
	bias := []float32{0.5, -1}
	res := []float32{-3, 1, 2, 2}
	BiasResidualReLU(2, 2, c, 3, bias, res, 2, true)
	want := []float32{0, 0, 3, 0, 10} // 1+.5-3<0, -2-1+1<0, gap kept, -4+.5+2<0, 9-1+2
	for i := range want {
		if c[i] != want[i] {
			t.Fatalf("got %v, want %v", c, want)
		}
	}
}
