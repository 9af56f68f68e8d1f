// dense_test.go: Dense (GEMM) against DenseRef (float64), a worked example, shape errors.
package ops

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/graftml/graft/core/tensor"
)

func TestDenseMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	for _, s := range [][3]int{{1, 1, 1}, {1, 2048, 1000}, {3, 17, 9}, {5, 64, 33}, {2, 0, 4}} {
		n, in, out := s[0], s[1], s[2]
		x, w := randTensor(rng, n, in), randTensor(rng, in, out)
		bias := randSlice(rng, out, -1, 1)
		got, err := Dense(x, w, bias)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := DenseRef(x, w, bias)
		mag, _ := DenseRef(absTensor(x), absTensor(w), absSlice(bias))
		for i := range got.Data {
			bound := float64(in+sumExtraRoundings) * float32UnitRoundoff * float64(mag.Data[i])
			if e := math.Abs(float64(got.Data[i] - want.Data[i])); !(e <= bound) {
				t.Fatalf("%v: y[%d] = %v, ref %v, |diff| %.3g > %.3g", s, i, got.Data[i], want.Data[i], e, bound)
			}
		}
	}
}

func TestDenseByHand(t *testing.T) {
	x, _ := tensor.FromData([]float32{1, 2}, 1, 2)
	w, _ := tensor.FromData([]float32{1, 2, 3, 4, 5, 6}, 2, 3) // [[1 2 3] [4 5 6]]
	y, err := Dense(x, w, []float32{0.5, 0, -1})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{9.5, 12, 14}; y.Data[0] != want[0] || y.Data[1] != want[1] || y.Data[2] != want[2] {
		t.Errorf("Dense = %v, want %v", y.Data, want)
	}
}

func TestDenseErrors(t *testing.T) {
	if _, err := Dense(tensor.New(2, 5), tensor.New(4, 3), nil); err == nil || !strings.Contains(err.Error(), "[4,3]") {
		t.Errorf("In mismatch: %v", err)
	}
	if _, err := Dense(tensor.New(2, 4), tensor.New(4, 3), make([]float32, 2)); err == nil || !strings.Contains(err.Error(), "bias") {
		t.Errorf("bias mismatch: %v", err)
	}
	if _, err := Dense(tensor.New(1, 2, 4), tensor.New(4, 3), nil); err == nil {
		t.Error("rank-3 input accepted")
	}
}
