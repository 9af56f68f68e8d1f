// alloc_test.go: the ops that take an Alloc (Conv2DWeightsTo, Conv2DWeightsPadded,
// MaxPool2DZeroPadded) against the ops they replace, bit for bit, with outputs taken from an
// alloc that fills them with NaN, so an element the op does not write shows.
package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/tensor"
)

// dirtyAlloc returns tensors full of NaN, as a recycled buffer may hold anything.
func dirtyAlloc(shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(math.NaN())
	}
	return t
}

func sameBitsTensor(t *testing.T, what string, got, want *tensor.Tensor) {
	t.Helper()
	if !tensor.SameShape(got.Shape, want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, want.Shape)
	}
	for i := range want.Data {
		if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got.Data[i], want.Data[i])
		}
	}
}

func TestConv2DAllocMatchesConv2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	cases := []struct{ n, h, w, cin, k, cout, stride, pad int }{
		{1, 17, 13, 3, 7, 9, 2, 3}, // conv1-like, padded inside
		{2, 9, 9, 5, 3, 8, 1, 1},
		{1, 8, 11, 4, 1, 33, 2, 0}, // strided 1x1
		{1, 7, 7, 6, 1, 17, 1, 0},  // 1x1 stride 1: no patches
		{1, 5, 6, 2, 3, 3, 2, 2},
	}
	for _, c := range cases {
		x := randTensor(rng, c.n, c.h, c.w, c.cin)
		w := F32Weights(randTensor(rng, c.k, c.k, c.cin, c.cout))
		bias := randSlice(rng, c.cout, -1, 1)
		for _, relu := range []bool{false, true} {
			want, err := Conv2DWeights(ZeroPad2D(x, c.pad, c.pad, c.pad, c.pad), w, bias, c.stride, c.stride, Valid, nil, relu)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Conv2DWeightsPadded(dirtyAlloc, x, w, bias, c.stride, c.pad, c.pad, c.pad, c.pad, nil, relu)
			if err != nil {
				t.Fatal(err)
			}
			sameBitsTensor(t, "Conv2DWeightsPadded", got, want)
			oh, _, _, _ := WindowOutputSize(c.h, c.k, c.stride, Same)
			ow, _, _, _ := WindowOutputSize(c.w, c.k, c.stride, Same)
			res := randTensor(rng, c.n, oh, ow, c.cout)
			if want, err = Conv2DWeights(x, w, bias, c.stride, c.stride, Same, res, relu); err != nil {
				t.Fatal(err)
			}
			if got, err = Conv2DWeightsTo(dirtyAlloc, x, w, bias, c.stride, c.stride, Same, res, relu); err != nil {
				t.Fatal(err)
			}
			sameBitsTensor(t, "Conv2DWeightsTo", got, want)
		}
	}
	if _, err := Conv2DWeightsPadded(dirtyAlloc, randTensor(rng, 1, 4, 4, 2), F32Weights(randTensor(rng, 3, 3, 2, 1)), nil, 1, -1, 0, 0, 0, nil, false); err == nil {
		t.Error("negative padding: no error")
	}
}

func TestMaxPool2DZeroPaddedMatchesPadThenPool(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, c := range []struct{ n, h, w, ch, pool, stride, pad int }{
		{1, 112, 112, 3, 3, 2, 1}, {2, 7, 9, 5, 3, 2, 1}, {1, 5, 5, 17, 3, 1, 2}, {1, 4, 6, 1, 2, 2, 1}, {1, 3, 3, 4, 3, 3, 0},
	} {
		x := randTensor(rng, c.n, c.h, c.w, c.ch)
		for i, v := range x.Data { // after a ReLU: no negatives, and zeros
			x.Data[i] = max(v, 0)
		}
		want := MaxPool2D(ZeroPad2D(x, c.pad, c.pad, c.pad, c.pad), c.pool, c.stride, Valid)
		sameBitsTensor(t, "MaxPool2DZeroPadded", MaxPool2DZeroPadded(dirtyAlloc, x, c.pool, c.stride, c.pad), want)
	}
	expectPanic(t, "padding", func() { MaxPool2DZeroPadded(dirtyAlloc, tensor.New(1, 4, 4, 1), 3, 2, 3) })
}
