// padding_test.go: window sizes against values TensorFlow gives for ResNet50's layers, and
// ZeroPad2D against its definition.
package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/tensor"
)

func TestWindowOutputSize(t *testing.T) {
	for _, tc := range []struct {
		in, k, s           int
		pad                Padding
		out, before, after int
	}{
		{230, 7, 2, Valid, 112, 0, 0}, // conv1_conv after conv1_pad (3)
		{224, 7, 2, Same, 112, 2, 3},  // total (111*2+7-224)=5: 2 before, 3 after (TF puts the extra after)
		{114, 3, 2, Valid, 56, 0, 0},  // pool1_pool after pool1_pad (1)
		{56, 3, 1, Same, 56, 1, 1},    // blockN_2_conv
		{56, 1, 2, Valid, 28, 0, 0},   // conv3_block1_0/1_conv
		{56, 1, 2, Same, 28, 0, 0},    // total max(27*2+1-56, 0) = 0
		{112, 3, 2, Same, 56, 0, 1},   // total 55*2+3-112 = 1: all after
		{7, 3, 1, Same, 7, 1, 1},
		{1, 3, 1, Same, 1, 1, 1},
		{5, 5, 1, Valid, 1, 0, 0},
		{2, 7, 2, Same, 1, 2, 3}, // kernel larger than input is fine with 'same'
	} {
		out, b, a, err := WindowOutputSize(tc.in, tc.k, tc.s, tc.pad)
		if err != nil || out != tc.out || b != tc.before || a != tc.after {
			t.Errorf("WindowOutputSize(%d, %d, %d, %v) = %d, %d, %d, %v; want %d, %d, %d",
				tc.in, tc.k, tc.s, tc.pad, out, b, a, err, tc.out, tc.before, tc.after)
		}
	}
	for _, bad := range [][3]int{{4, 5, 1}, {0, 1, 1}, {5, 0, 1}, {5, 1, 0}} {
		if _, _, _, err := WindowOutputSize(bad[0], bad[1], bad[2], Valid); err == nil {
			t.Errorf("WindowOutputSize%v valid: no error", bad)
		}
	}
	if _, _, _, err := WindowOutputSize(5, 1, 1, Padding(9)); err == nil {
		t.Error("unknown padding accepted")
	}
}

func TestZeroPad2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	x := randTensor(rng, 2, 3, 4, 5)
	top, bottom, left, right := 1, 2, 3, 0
	y := ZeroPad2D(x, top, bottom, left, right)
	if !tensor.SameShape(y.Shape, []int{2, 6, 7, 5}) {
		t.Fatalf("shape %v", y.Shape)
	}
	for n := range 2 {
		for i := range 6 {
			for j := range 7 {
				for c := range 5 {
					want := float32(0)
					if si, sj := i-top, j-left; si >= 0 && si < 3 && sj >= 0 && sj < 4 {
						want = x.Data[((n*3+si)*4+sj)*5+c]
					}
					if got := y.Data[((n*6+i)*7+j)*5+c]; got != want {
						t.Fatalf("y[%d,%d,%d,%d] = %v, want %v", n, i, j, c, got, want)
					}
				}
			}
		}
	}
	expectPanic(t, "negative padding", func() { ZeroPad2D(x, -1, 0, 0, 0) })
	expectPanic(t, "[3,3]", func() { ZeroPad2D(tensor.New(3, 3), 1, 1, 1, 1) })
}
