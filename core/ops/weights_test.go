// weights_test.go: int8 kernels (Int8Weights) through Conv2DWeights and DenseWeights give bit for
// bit what the float32 ops give on the dequantized kernel, over the conv geometries of
// conv2d_test.go (1x1 without patches, strided 1x1, 3x3, 7x7, many im2col blocks); the forms are
// validated; dequantization is checked by hand.
package ops

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/graftml/graft/core/tensor"
)

// randInt8Weights draws codes over the whole int8 range and scales of both signs (and a zero
// channel), as any producer of int8 weights might.
func randInt8Weights(t *testing.T, rng *rand.Rand, shape ...int) Weights {
	t.Helper()
	n := 1
	for _, d := range shape {
		n *= d
	}
	q := make([]int8, n)
	for i := range q {
		q[i] = int8(rng.IntN(256) - 128)
	}
	scales := randSlice(rng, shape[len(shape)-1], -0.02, 0.02)
	scales[0] = 0
	w, err := Int8Weights(shape, q, scales)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func sameBits(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

func TestConv2DWeightsInt8EqualsDequantized(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	saved := im2colBudget
	defer func() { im2colBudget = saved }()
	cases := []convCase{
		{n: 2, h: 9, w: 7, cin: 5, k: 1, cout: 9, stride: 1, pad: Valid, bias: true, residual: true, relu: true}, // no patches
		{n: 1, h: 14, w: 14, cin: 16, k: 1, cout: 33, stride: 2, pad: Valid, bias: true},                         // strided 1x1
		{n: 1, h: 15, w: 13, cin: 17, k: 3, cout: 31, stride: 1, pad: Same, residual: true, relu: true},
		{n: 2, h: 23, w: 17, cin: 3, k: 7, cout: 65, stride: 2, pad: Same, bias: true, relu: true},
		{n: 1, h: 8, w: 8, cin: 64, k: 3, cout: 257, stride: 2, pad: Valid, bias: true, residual: true},
	}
	for _, budget := range []int{saved, 100} { // one im2col block, then many
		im2colBudget = budget
		for _, c := range cases {
			x := randTensor(rng, c.n, c.h, c.w, c.cin)
			w := randInt8Weights(t, rng, c.k, c.k, c.cin, c.cout)
			f, err := w.Float32()
			if err != nil {
				t.Fatal(err)
			}
			var bias []float32
			if c.bias {
				bias = randSlice(rng, c.cout, -1, 1)
			}
			oh, _, _, _ := WindowOutputSize(c.h, c.k, c.stride, c.pad)
			ow, _, _, _ := WindowOutputSize(c.w, c.k, c.stride, c.pad)
			var res *tensor.Tensor
			if c.residual {
				res = randTensor(rng, c.n, oh, ow, c.cout)
			}
			got, err := Conv2DWeights(x, w, bias, c.stride, c.stride, c.pad, res, c.relu)
			if err != nil {
				t.Fatalf("%v: %v", c, err)
			}
			want, _ := Conv2D(x, f, bias, c.stride, c.stride, c.pad, res, c.relu)
			if i := sameBits(got.Data, want.Data); i >= 0 {
				t.Errorf("%v (im2col budget %d): Conv2DWeights int8 vs Conv2D dequantized differ at %d", c, budget, i)
			}
			gotRef, _ := Conv2DWeightsRef(x, w, bias, c.stride, c.stride, c.pad, res, c.relu)
			wantRef, _ := Conv2DRef(x, f, bias, c.stride, c.stride, c.pad, res, c.relu)
			if i := sameBits(gotRef.Data, wantRef.Data); i >= 0 {
				t.Errorf("%v: Conv2DWeightsRef int8 vs Conv2DRef dequantized differ at %d", c, i)
			}
			// and the float32 form through Conv2DWeights is Conv2D itself
			viaWeights, _ := Conv2DWeights(x, F32Weights(f), bias, c.stride, c.stride, c.pad, res, c.relu)
			if i := sameBits(viaWeights.Data, want.Data); i >= 0 {
				t.Errorf("%v: Conv2DWeights float32 vs Conv2D differ at %d", c, i)
			}
		}
	}
}

func TestDenseWeightsInt8EqualsDequantized(t *testing.T) {
	rng := rand.New(rand.NewPCG(83, 84))
	for _, s := range [][3]int{{1, 1, 1}, {1, 2048, 1000}, {3, 17, 9}, {5, 300, 33}} {
		n, in, out := s[0], s[1], s[2]
		x, w := randTensor(rng, n, in), randInt8Weights(t, rng, in, out)
		f, _ := w.Float32()
		bias := randSlice(rng, out, -1, 1)
		got, err := DenseWeights(x, w, bias)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Dense(x, f, bias)
		if i := sameBits(got.Data, want.Data); i >= 0 {
			t.Errorf("%v: DenseWeights int8 vs Dense dequantized differ at %d", s, i)
		}
		gotRef, _ := DenseWeightsRef(x, w, bias)
		wantRef, _ := DenseRef(x, f, bias)
		if i := sameBits(gotRef.Data, wantRef.Data); i >= 0 {
			t.Errorf("%v: DenseWeightsRef int8 vs DenseRef dequantized differ at %d", s, i)
		}
	}
}

// TestInt8WeightsByHand: codes [[1 -2] [127 -128]] with scales (0.5, -0.25).
func TestInt8WeightsByHand(t *testing.T) {
	w, err := Int8Weights([]int{2, 2}, []int8{1, -2, 127, -128}, []float32{0.5, -0.25})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := w.Float32()
	if want := []float32{0.5, 0.5, 63.5, 32}; sameBits(f.Data, want) >= 0 {
		t.Fatalf("Float32() = %v, want %v", f.Data, want)
	}
	if !w.Int8() || w.Bytes() != 4+8 {
		t.Fatalf("Int8() = %v, Bytes() = %d", w.Int8(), w.Bytes())
	}
	if fw := F32Weights(f); fw.Int8() || fw.Bytes() != 16 {
		t.Fatalf("float32 form: Int8() = %v, Bytes() = %d", fw.Int8(), fw.Bytes())
	}
}

func TestWeightsErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		shape   []int
		q       int
		scales  int
		mention string
	}{
		{"codes", []int{3, 3, 2, 4}, 71, 4, "72 int8 codes"},
		{"scales", []int{3, 3, 2, 4}, 72, 3, "4 out channels but 3 scales"},
		{"rank 0", nil, 1, 1, "shape"},
		{"negative", []int{-1, 4}, 4, 4, "implausible"},
		{"overflow", []int{1 << 20, 1 << 20, 4}, 4, 4, "implausible"},
	} {
		_, err := Int8Weights(tc.shape, make([]int8, tc.q), make([]float32, tc.scales))
		if err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.mention)
		}
	}
	x := tensor.New(1, 5, 5, 3)
	w8 := randInt8Weights(t, rand.New(rand.NewPCG(1, 1)), 3, 3, 4, 8)
	if _, err := Conv2DWeights(x, w8, nil, 1, 1, Same, nil, false); err == nil || !strings.Contains(err.Error(), "[3,3,4,8]") {
		t.Errorf("int8 cin mismatch: %v", err)
	}
	if _, err := Conv2DWeights(x, Weights{}, nil, 1, 1, Same, nil, false); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("empty weights: %v", err)
	}
	both := w8
	both.F32 = tensor.New(3, 3, 4, 8)
	if _, err := Conv2DWeights(x, both, nil, 1, 1, Same, nil, false); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("both forms: %v", err)
	}
	d8 := randInt8Weights(t, rand.New(rand.NewPCG(1, 1)), 4, 3)
	if _, err := DenseWeights(tensor.New(2, 5), d8, nil); err == nil || !strings.Contains(err.Error(), "[4,3]") {
		t.Errorf("dense In mismatch: %v", err)
	}
	if _, err := DenseWeightsRef(tensor.New(2, 4), Weights{}, nil); err == nil {
		t.Error("DenseWeightsRef accepted empty weights")
	}
}
