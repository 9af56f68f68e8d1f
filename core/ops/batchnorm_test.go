// batchnorm_test.go: BatchNorm against the float64 Keras formula, and BN folding: a conv
// followed by BN must equal the folded conv.
package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/tensor"
)

// bnTolerance: BatchNorm computes x·scale + shift in float32 (scale, shift rounded from
// float64), three roundings; 4u relative to |x·scale| + |shift| covers them.
const bnTolerance = 4 * float32UnitRoundoff

// foldTolerance is the brief's "relative 1e-5" for folded vs unfolded conv+BN, measured against
// max |output|. Folding rounds each weight and bias once more to float32 (relative 2^-24 ≈
// 6e-8 each); over sums of up to 3·3·16 terms with cancellation that stays far below 1e-5.
const foldTolerance = 1e-5

// randBN draws plausible BN statistics for c channels (variance bounded away from 0).
func randBN(rng *rand.Rand, c int) (gamma, beta, mean, variance []float32) {
	return randSlice(rng, c, 0.2, 2), randSlice(rng, c, -1, 1), randSlice(rng, c, -1, 1), randSlice(rng, c, 0.01, 3)
}

func TestBatchNormMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, c := range []int{1, 3, 17, 64} {
		x := randTensor(rng, 2, 3, 5, c)
		for i := range x.Data {
			x.Data[i] *= 10
		}
		gamma, beta, mean, variance := randBN(rng, c)
		got := BatchNorm(x, gamma, beta, mean, variance, KerasResNetBNEpsilon)
		want := BatchNormRef(x, gamma, beta, mean, variance, KerasResNetBNEpsilon)
		for i := range got.Data {
			ch := i % c
			s := float64(gamma[ch]) / math.Sqrt(float64(variance[ch])+KerasResNetBNEpsilon)
			mag := math.Abs(float64(x.Data[i])*s) + math.Abs(float64(beta[ch])-float64(mean[ch])*s) + math.Abs(float64(want.Data[i]))
			if e := math.Abs(float64(got.Data[i] - want.Data[i])); e > bnTolerance*mag {
				t.Fatalf("c=%d element %d: BatchNorm %v, ref %v", c, i, got.Data[i], want.Data[i])
			}
		}
	}
}

func TestFoldBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for _, tc := range []struct {
		k, cin, cout, stride int
		withBias             bool
	}{{1, 16, 8, 1, false}, {3, 5, 7, 1, true}, {3, 16, 12, 2, false}, {7, 3, 9, 2, true}} {
		x := randTensor(rng, 1, 9, 11, tc.cin)
		w := randTensor(rng, tc.k, tc.k, tc.cin, tc.cout)
		var bias []float32
		if tc.withBias {
			bias = randSlice(rng, tc.cout, -1, 1)
		}
		gamma, beta, mean, variance := randBN(rng, tc.cout)
		for _, conv := range []func(x, w *tensor.Tensor, b []float32, sh, sw int, p Padding, r *tensor.Tensor, relu bool) (*tensor.Tensor, error){Conv2DRef, Conv2D} {
			y, err := conv(x, w, bias, tc.stride, tc.stride, Same, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			unfolded := BatchNormRef(y, gamma, beta, mean, variance, KerasResNetBNEpsilon)
			wf, bf := FoldBatchNorm(w, bias, gamma, beta, mean, variance, KerasResNetBNEpsilon)
			folded, err := conv(x, wf, bf, tc.stride, tc.stride, Same, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := tensor.Diff(folded, unfolded)
			if rel := d.MaxAbs / tensor.MaxAbs(unfolded); rel > foldTolerance {
				t.Errorf("k=%d cin=%d cout=%d: folded vs unfolded: %v, relative %.3g > %g", tc.k, tc.cin, tc.cout, d, rel, foldTolerance)
			}
		}
	}
}

// TestFoldBatchNormByHand: one weight, one channel: s = 2/sqrt(3+1) = 1, so w' = w,
// b' = (b - mean)·1 + beta = (1 - 4) + 0.5.
func TestFoldBatchNormByHand(t *testing.T) {
	w, _ := tensor.FromData([]float32{3, -2}, 1, 1, 2, 1)
	wf, bf := FoldBatchNorm(w, []float32{1}, []float32{2}, []float32{0.5}, []float32{4}, []float32{3}, 1)
	if wf.Data[0] != 3 || wf.Data[1] != -2 || bf[0] != -2.5 {
		t.Errorf("folded w=%v b=%v, want [3 -2] [-2.5]", wf.Data, bf)
	}
	if w.Data[0] != 3 {
		t.Error("FoldBatchNorm modified its input")
	}
}

func TestBatchNormPreconditions(t *testing.T) {
	x := tensor.New(1, 2, 2, 3)
	ok := []float32{1, 1, 1}
	expectPanic(t, "moving_variance", func() { BatchNorm(x, ok, ok, ok, []float32{1, 1}, 1e-3) })
	expectPanic(t, "not positive", func() { BatchNorm(x, ok, ok, ok, []float32{1, -1, 1}, 1e-3) })
	expectPanic(t, "moving_mean", func() { BatchNormRef(x, ok, ok, []float32{1}, ok, 1e-3) })
	expectPanic(t, "[3,3,3,4]", func() { FoldBatchNorm(tensor.New(3, 3, 3, 4), nil, ok, ok, ok, ok, 1e-3) })
	expectPanic(t, "bias", func() { FoldBatchNorm(tensor.New(1, 1, 1, 3), []float32{1}, ok, ok, ok, ok, 1e-3) })
}
