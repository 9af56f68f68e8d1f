// ops_helpers_test.go: random tensors and the float32 rounding bound shared by the ops tests.
package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/graftml/graft/core/tensor"
)

// float32UnitRoundoff u = 2^-24. A float32 sum of k products, plus bias and residual, in any
// order, is within (k + sumExtraRoundings)·u·Σ|terms| of the exact value (Higham §3.1); the
// float64 references are exact to far below that, then rounded once to float32.
const (
	float32UnitRoundoff = 1.0 / (1 << 24)
	sumExtraRoundings   = 4 // each product, +bias, +residual, the final rounding of the reference
)

func randTensor(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = rng.Float32()*2 - 1
	}
	return t
}

func randSlice(rng *rand.Rand, n int, lo, hi float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = lo + rng.Float32()*(hi-lo)
	}
	return s
}

func absTensor(t *tensor.Tensor) *tensor.Tensor {
	if t == nil {
		return nil
	}
	a := t.Clone()
	for i, v := range a.Data {
		a.Data[i] = float32(math.Abs(float64(v)))
	}
	return a
}

func absSlice(s []float32) []float32 {
	if s == nil {
		return nil
	}
	a := make([]float32, len(s))
	for i, v := range s {
		a[i] = float32(math.Abs(float64(v)))
	}
	return a
}

// expectPanic checks that f panics with a message containing mention (the single-result ops
// panic on inconsistent operands; see the package comment).
func expectPanic(t *testing.T, mention string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), mention) {
			t.Errorf("recover() = %v, want a panic mentioning %q", r, mention)
		}
	}()
	f()
}
