// softmax_test.go: Softmax (float32 exp, float64 sum) against SoftmaxRef (float64).
package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/tensor"
)

// Tolerance, relative per element, for d = x - max <= 0: rounding d to float32 moves it by up
// to |d|·u, which exp turns into a relative error of |d|·u; math32.Exp itself is within 1.2u
// in pure Go but its amd64 assembly (SLEEF-derived) loses ~1.9·|d|·u (measured: 148u at
// d = -80); the normalisation rounds once more. So |p - ref| <= (3|d| + softmaxUlps)·u·ref.
// An error in the max-subtraction or the normalisation would be orders of magnitude larger.
const (
	softmaxUlps         = 16
	softmaxUlpsPerUnitD = 3
)

func softmaxBound(d, ref float64) float64 {
	return (softmaxUlpsPerUnitD*math.Abs(d) + softmaxUlps) * float32UnitRoundoff * ref
}

func TestSoftmaxMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	for _, shape := range [][]int{{1, 1000}, {3, 7}, {2, 2, 5}, {4, 1}} {
		x := randTensor(rng, shape...)
		for i := range x.Data {
			x.Data[i] *= 20 // logits of realistic spread
		}
		want := SoftmaxRef(x)
		got := x.Clone()
		Softmax(got)
		c := shape[len(shape)-1]
		for r := 0; r < len(got.Data); r += c {
			m := float32(math.Inf(-1))
			for _, v := range x.Data[r : r+c] {
				m = max(m, v)
			}
			sum := 0.0
			for i := r; i < r+c; i++ {
				bound := softmaxBound(float64(x.Data[i]-m), float64(want.Data[i]))
				if e := math.Abs(float64(got.Data[i]) - float64(want.Data[i])); e > bound {
					t.Fatalf("%v: p[%d] = %v, ref %v, |diff| %.3g > %.3g", shape, i, got.Data[i], want.Data[i], e, bound)
				}
				sum += float64(got.Data[i])
			}
			if math.Abs(sum-1) > float64(c+softmaxUlps)*float32UnitRoundoff {
				t.Errorf("%v: row %d sums to %v", shape, r/c, sum)
			}
		}
	}
}

// TestSoftmaxLargeLogits: exp(1000) overflows float32 and float64; subtracting the max must
// make it irrelevant. With a = 1000, b ≈ 1000+ln 3 (as rounded to float32), p = (1, e^(b-a))/sum.
func TestSoftmaxLargeLogits(t *testing.T) {
	a, b := float32(1000), float32(1000+math.Log(3))
	x, _ := tensor.FromData([]float32{a, b, -1e30}, 1, 3)
	Softmax(x)
	r := math.Exp(float64(b - a)) // b - a is exact (Sterbenz)
	want := []float64{1 / (1 + r), r / (1 + r), 0}
	for i, w := range want {
		if math.Abs(float64(x.Data[i])-w) > softmaxBound(1, w) {
			t.Errorf("softmax(1000, 1000+ln3, -1e30) = %v, want %v", x.Data, want)
		}
	}
}
