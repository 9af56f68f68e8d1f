// dense_test.go: denseForward and denseBackward against float64 loops at awkward sizes (below,
// at and above the GEMM's 4×8 tile and 256 K block), with NaN sentinels around every output
// that catch writes out of bounds.
package head

import (
	"math"
	"testing"
)

// awkward are the sizes swept for N, In and Out.
var awkward = []int{1, 2, 3, 7, 17, 31, 33, 65, 257}

// denseTol bounds float32 against float64, relative to Σ|terms| of each output: a float32 dot
// product of ≤ 257 terms has rounding error ≲ 257·6e-8 ≈ 1.5e-5 of that sum in the worst case.
const denseTol = 2e-5

const sentinelLen = 8

// withSentinels returns a slice of n elements set to NaN, inside a larger NaN-filled buffer,
// and a check that the margins are still NaN.
func withSentinels(n int) ([]float32, func() bool) {
	buf := make([]float32, n+2*sentinelLen)
	for i := range buf {
		buf[i] = float32(math.NaN())
	}
	return buf[sentinelLen : sentinelLen+n : sentinelLen+n], func() bool {
		for _, v := range append(buf[:sentinelLen:sentinelLen], buf[sentinelLen+n:]...) {
			if !math.IsNaN(float64(v)) {
				return false
			}
		}
		return true
	}
}

func randSlice(r *rng, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(2*r.float64() - 1)
	}
	return s
}

// closeTo reports whether got is within denseTol·scale of want.
func closeTo(got float32, want, scale float64) bool {
	return math.Abs(float64(got)-want) <= denseTol*math.Max(scale, 1e-30)
}

func TestDenseForwardAwkwardSizes(t *testing.T) {
	r := newRNG(1, 2)
	for _, n := range awkward[:6] {
		for _, in := range awkward {
			for _, out := range awkward {
				x, w, b := randSlice(r, n*in), randSlice(r, in*out), randSlice(r, out)
				y, ok := withSentinels(n * out)
				denseForward(y, x, w, b, n, in, out)
				if !ok() {
					t.Fatalf("n=%d in=%d out=%d: wrote outside y", n, in, out)
				}
				for i := range n {
					for o := range out {
						s, abs := float64(b[o]), math.Abs(float64(b[o]))
						for p := range in {
							s += float64(x[i*in+p]) * float64(w[p*out+o])
							abs += math.Abs(float64(x[i*in+p]) * float64(w[p*out+o]))
						}
						if !closeTo(y[i*out+o], s, abs) {
							t.Fatalf("n=%d in=%d out=%d: y[%d,%d] = %g, want %g", n, in, out, i, o, y[i*out+o], s)
						}
					}
				}
			}
		}
	}
}

func TestDenseBackwardAwkwardSizes(t *testing.T) {
	r := newRNG(3, 4)
	var s denseScratch
	for _, n := range awkward[:6] {
		for _, in := range awkward {
			for _, out := range awkward {
				x, w, gy := randSlice(r, n*in), randSlice(r, in*out), randSlice(r, n*out)
				gx, okX := withSentinels(n * in)
				gw, okW := withSentinels(in * out)
				gb, okB := withSentinels(out)
				denseBackward(gx, gw, gb, gy, x, w, n, in, out, &s)
				if !okX() || !okW() || !okB() {
					t.Fatalf("n=%d in=%d out=%d: wrote outside gx, gw or gb", n, in, out)
				}
				for p := range in {
					for o := range out {
						want, abs := 0.0, 0.0
						for i := range n {
							v := float64(x[i*in+p]) * float64(gy[i*out+o])
							want, abs = want+v, abs+math.Abs(v)
						}
						if !closeTo(gw[p*out+o], want, abs) {
							t.Fatalf("n=%d in=%d out=%d: gw[%d,%d] = %g, want %g", n, in, out, p, o, gw[p*out+o], want)
						}
					}
				}
				for o := range out {
					want, abs := 0.0, 0.0
					for i := range n {
						want, abs = want+float64(gy[i*out+o]), abs+math.Abs(float64(gy[i*out+o]))
					}
					if !closeTo(gb[o], want, abs) {
						t.Fatalf("n=%d in=%d out=%d: gb[%d] = %g, want %g", n, in, out, o, gb[o], want)
					}
				}
				for i := range n {
					for p := range in {
						want, abs := 0.0, 0.0
						for o := range out {
							v := float64(gy[i*out+o]) * float64(w[p*out+o])
							want, abs = want+v, abs+math.Abs(v)
						}
						if !closeTo(gx[i*in+p], want, abs) {
							t.Fatalf("n=%d in=%d out=%d: gx[%d,%d] = %g, want %g", n, in, out, i, p, gx[i*in+p], want)
						}
					}
				}
			}
		}
	}
}

func TestDropoutKeepsRateAndScales(t *testing.T) {
	const n, rate = 100000, 0.3
	x := make([]float32, n)
	for i := range x {
		x[i] = 1
	}
	y, mask, g := make([]float32, n), make([]float32, n), make([]float32, n)
	dropoutForward(y, x, mask, rate, newRNG(5, streamDropout))
	kept := 0
	for i, v := range y {
		switch v {
		case 0:
		case float32(1 / (1 - rate)):
			kept++
		default:
			t.Fatalf("y[%d] = %g: want 0 or 1/(1−rate)", i, v)
		}
	}
	// binomial(n, 0.7): σ ≈ 145; 5σ
	if math.Abs(float64(kept)-0.7*n) > 5*math.Sqrt(n*0.7*0.3) {
		t.Errorf("kept %d of %d, want ≈ %d", kept, n, int(0.7*n))
	}
	dropoutBackward(g, x, mask)
	for i := range g {
		if g[i] != y[i] {
			t.Fatalf("backward g[%d] = %g, forward y = %g: the masks differ", i, g[i], y[i])
		}
	}
}
