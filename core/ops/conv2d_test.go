// conv2d_test.go: Conv2DRef on a case worked by hand, then Conv2D (im2col + GEMM) against
// Conv2DRef over kernel 1/3/7, stride 1/2, same/valid, odd sizes, bias, residual and ReLU.
package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/graftml/graft/core/tensor"
)

// TestConv2DRefByHand: x [1,3,3,1] = 1..9, w [2,2,1,2], stride 1.
//
//	x = 1 2 3    w(:,:,0,0) = 1 0    w(:,:,0,1) = 0 1
//	    4 5 6                 0 1                 1 0   (channel 1 sums the anti-diagonal)
//	    7 8 9
//
// valid → [1,2,2,2]: ch0 = x[i][j]+x[i+1][j+1] = 6 8 12 14; ch1 = x[i][j+1]+x[i+1][j] = 6 8 12 14.
// same (pad bottom/right by 1) → [1,3,3,2]: the last row/column sees zeros:
// ch0 = 6 8 3 / 12 14 6 / 7 8 9, ch1 = 6 8 6 / 12 14 9 / 8 9 0.
// With bias (-7, 0.5) and ReLU, valid ch0 = 0 1 5 7, ch1 = 6.5 8.5 12.5 14.5.
func TestConv2DRefByHand(t *testing.T) {
	x, _ := tensor.FromData([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1)
	w, _ := tensor.FromData([]float32{1, 0, 0, 1, 0, 1, 1, 0}, 2, 2, 1, 2) // [i][j][c][co]
	cases := []struct {
		pad  Padding
		bias []float32
		relu bool
		want []float32 // NHWC
	}{
		{Valid, nil, false, []float32{6, 6, 8, 8, 12, 12, 14, 14}},
		{Same, nil, false, []float32{6, 6, 8, 8, 3, 6, 12, 12, 14, 14, 6, 9, 7, 8, 8, 9, 9, 0}},
		{Valid, []float32{-7, 0.5}, true, []float32{0, 6.5, 1, 8.5, 5, 12.5, 7, 14.5}},
	}
	for _, tc := range cases {
		for name, conv := range map[string]func(x, w *tensor.Tensor, b []float32, sh, sw int, p Padding, r *tensor.Tensor, relu bool) (*tensor.Tensor, error){
			"Conv2DRef": Conv2DRef, "Conv2D": Conv2D,
		} {
			got, err := conv(x, w, tc.bias, 1, 1, tc.pad, nil, tc.relu)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got.Data) != fmt.Sprint(tc.want) {
				t.Errorf("%s %v bias=%v relu=%v: got %v, want %v", name, tc.pad, tc.bias, tc.relu, got.Data, tc.want)
			}
		}
	}
}

type convCase struct {
	n, h, w, cin, k, cout, stride int
	pad                           Padding
	bias, residual, relu          bool
}

func (c convCase) String() string {
	return fmt.Sprintf("x=[%d,%d,%d,%d] k=%d cout=%d s=%d %v bias=%v res=%v relu=%v",
		c.n, c.h, c.w, c.cin, c.k, c.cout, c.stride, c.pad, c.bias, c.residual, c.relu)
}

// checkConv compares Conv2D with Conv2DRef elementwise within the float32 summation bound,
// where the magnitude Σ|x·w| + |bias| + |residual| comes from Conv2DRef on absolute values.
func checkConv(t *testing.T, rng *rand.Rand, c convCase) {
	t.Helper()
	x := randTensor(rng, c.n, c.h, c.w, c.cin)
	w := randTensor(rng, c.k, c.k, c.cin, c.cout)
	var bias []float32
	if c.bias {
		bias = randSlice(rng, c.cout, -1, 1)
	}
	oh, _, _, err := WindowOutputSize(c.h, c.k, c.stride, c.pad)
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	ow, _, _, _ := WindowOutputSize(c.w, c.k, c.stride, c.pad)
	var res *tensor.Tensor
	if c.residual {
		res = randTensor(rng, c.n, oh, ow, c.cout)
	}
	got, err := Conv2D(x, w, bias, c.stride, c.stride, c.pad, res, c.relu)
	if err != nil {
		t.Fatalf("%v: Conv2D: %v", c, err)
	}
	want, err := Conv2DRef(x, w, bias, c.stride, c.stride, c.pad, res, c.relu)
	if err != nil {
		t.Fatalf("%v: Conv2DRef: %v", c, err)
	}
	mag, _ := Conv2DRef(absTensor(x), absTensor(w), absSlice(bias), c.stride, c.stride, c.pad, absTensor(res), false)
	if !tensor.SameShape(got.Shape, []int{c.n, oh, ow, c.cout}) || !tensor.SameShape(got.Shape, want.Shape) {
		t.Fatalf("%v: shapes fast %v ref %v, want [%d,%d,%d,%d]", c, got, want, c.n, oh, ow, c.cout)
	}
	k := c.k * c.k * c.cin
	for i := range got.Data {
		bound := float64(k+sumExtraRoundings) * float32UnitRoundoff * float64(mag.Data[i])
		if e := math.Abs(float64(got.Data[i]) - float64(want.Data[i])); !(e <= bound) {
			t.Fatalf("%v: element %d: Conv2D %v, Conv2DRef %v, |diff| %.3g > bound %.3g", c, i, got.Data[i], want.Data[i], e, bound)
		}
	}
}

func TestConv2DMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	sizes := [][2]int{{1, 1}, {2, 3}, {5, 5}, {7, 8}, {13, 9}}
	channels := [][2]int{{1, 1}, {3, 8}, {5, 9}, {17, 33}}
	variant := 0
	for _, k := range []int{1, 3, 7} {
		for _, stride := range []int{1, 2} {
			for _, pad := range []Padding{Same, Valid} {
				for _, hw := range sizes {
					if pad == Valid && (hw[0] < k || hw[1] < k) {
						continue // window does not fit (tested in TestConv2DErrors)
					}
					for _, ch := range channels {
						variant++
						checkConv(t, rng, convCase{n: 1 + variant%2, h: hw[0], w: hw[1], cin: ch[0], k: k, cout: ch[1],
							stride: stride, pad: pad, bias: variant%3 != 0, residual: variant%4 < 2, relu: variant%5 < 3})
					}
				}
			}
		}
	}
}

// TestConv2DManyIm2colBlocks lowers the scratch budget so a conv runs as many row blocks,
// including a last partial block, with residual offsets per block.
func TestConv2DManyIm2colBlocks(t *testing.T) {
	saved := im2colBudget
	defer func() { im2colBudget = saved }()
	rng := rand.New(rand.NewPCG(13, 14))
	for _, budget := range []int{1, 100, 5000} {
		im2colBudget = budget
		checkConv(t, rng, convCase{n: 2, h: 23, w: 17, cin: 3, k: 7, cout: 10, stride: 2, pad: Same, bias: true, residual: true, relu: true})
		checkConv(t, rng, convCase{n: 1, h: 15, w: 15, cin: 8, k: 3, cout: 9, stride: 1, pad: Same, residual: true})
		checkConv(t, rng, convCase{n: 1, h: 14, w: 14, cin: 16, k: 1, cout: 9, stride: 2, pad: Valid, bias: true})
	}
}

// TestConv2DResNetLayers: a few real ResNet50 layer geometries at reduced spatial size.
func TestConv2DResNetLayers(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, c := range []convCase{
		{n: 1, h: 30, w: 30, cin: 3, k: 7, cout: 64, stride: 2, pad: Valid, bias: true, relu: true},                   // conv1 (after 3px pad)
		{n: 1, h: 14, w: 14, cin: 64, k: 1, cout: 256, stride: 1, pad: Valid, bias: true, residual: true, relu: true}, // block _3
		{n: 1, h: 8, w: 8, cin: 64, k: 3, cout: 64, stride: 1, pad: Same, bias: true, relu: true},                     // block _2
		{n: 1, h: 8, w: 8, cin: 256, k: 1, cout: 128, stride: 2, pad: Valid, bias: true, relu: true},                  // conv3_block1_1
		{n: 2, h: 37, w: 29, cin: 16, k: 3, cout: 8, stride: 1, pad: Same, residual: true, relu: true},                // big enough for the parallel im2col
	} {
		checkConv(t, rng, c)
	}
}

func TestConv2DErrors(t *testing.T) {
	x := tensor.New(1, 5, 5, 3)
	for _, tc := range []struct {
		name     string
		x, w     *tensor.Tensor
		bias     []float32
		stride   int
		pad      Padding
		residual *tensor.Tensor
		mention  string
	}{
		{"cin mismatch", x, tensor.New(3, 3, 4, 8), nil, 1, Same, nil, "[3,3,4,8]"},
		{"rank", tensor.New(5, 5, 3), tensor.New(3, 3, 3, 8), nil, 1, Same, nil, "[5,5,3]"},
		{"bias length", x, tensor.New(3, 3, 3, 8), make([]float32, 7), 1, Same, nil, "bias"},
		{"residual shape", x, tensor.New(3, 3, 3, 8), nil, 2, Same, tensor.New(1, 5, 5, 8), "[1,3,3,8]"},
		{"window too big", x, tensor.New(7, 7, 3, 8), nil, 1, Valid, nil, "does not fit"},
		{"stride 0", x, tensor.New(1, 1, 3, 8), nil, 0, Valid, nil, "stride"},
		{"nil kernel", x, nil, nil, 1, Valid, nil, "nil"},
	} {
		for name, conv := range map[string]func(x, w *tensor.Tensor, b []float32, sh, sw int, p Padding, r *tensor.Tensor, relu bool) (*tensor.Tensor, error){
			"Conv2D": Conv2D, "Conv2DRef": Conv2DRef,
		} {
			_, err := conv(tc.x, tc.w, tc.bias, tc.stride, tc.stride, tc.pad, tc.residual, false)
			if err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("%s %s: err = %v, want one mentioning %q", name, tc.name, err, tc.mention)
			}
		}
	}
}
