// pool_test.go: MaxPool2D and GlobalAvgPool against direct definitions written here.
package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/graftml/graft/core/tensor"
)

// maxPoolDef: max over the in-bounds part of each window, starting from -Inf.
func maxPoolDef(x *tensor.Tensor, pool, stride int, pad Padding) *tensor.Tensor {
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh, top, _, _ := WindowOutputSize(h, pool, stride, pad)
	ow, left, _, _ := WindowOutputSize(w, pool, stride, pad)
	out := tensor.New(n, oh, ow, c)
	for b := range n {
		for i := range oh {
			for j := range ow {
				for ch := range c {
					m := float32(math.Inf(-1))
					for di := range pool {
						for dj := range pool {
							y, xx := i*stride-top+di, j*stride-left+dj
							if y >= 0 && y < h && xx >= 0 && xx < w {
								m = max(m, x.Data[((b*h+y)*w+xx)*c+ch])
							}
						}
					}
					out.Data[((b*oh+i)*ow+j)*c+ch] = m
				}
			}
		}
	}
	return out
}

func TestMaxPool2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, hw := range [][2]int{{1, 1}, {3, 3}, {5, 8}, {9, 7}, {114, 114}} {
		for _, pool := range []int{1, 2, 3} {
			for _, stride := range []int{1, 2, 3} {
				for _, pad := range []Padding{Valid, Same} {
					if pad == Valid && (hw[0] < pool || hw[1] < pool) {
						continue
					}
					if hw[0] > 9 && (pool != 3 || stride != 2) {
						continue // the ResNet50 pool1 geometry only, at full size
					}
					x := randTensor(rng, 2, hw[0], hw[1], 3)
					got := MaxPool2D(x, pool, stride, pad)
					want := maxPoolDef(x, pool, stride, pad)
					if d, err := tensor.MaxAbsDiff(got, want); err != nil || d != 0 {
						t.Errorf("hw=%v pool=%d stride=%d %v: max diff %v (%v)", hw, pool, stride, pad, d, err)
					}
				}
			}
		}
	}
	// All-negative input with 'same' padding: padded positions must not contribute zeros.
	x := tensor.New(1, 2, 2, 1)
	for i := range x.Data {
		x.Data[i] = -float32(i + 1)
	}
	got := MaxPool2D(x, 3, 1, Same)
	if got.Data[0] != -1 || got.Data[3] != -1 {
		t.Errorf("same-padded max of negatives = %v, want all -1", got.Data)
	}
	expectPanic(t, "does not fit", func() { MaxPool2D(tensor.New(1, 2, 2, 1), 3, 2, Valid) })
	expectPanic(t, "[2,2,1]", func() { MaxPool2D(tensor.New(2, 2, 1), 1, 1, Valid) })
}

func TestGlobalAvgPool(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	x := randTensor(rng, 2, 7, 7, 33)
	got := GlobalAvgPool(x)
	if !tensor.SameShape(got.Shape, []int{2, 33}) {
		t.Fatalf("shape %v", got.Shape)
	}
	for b := range 2 {
		for c := range 33 {
			s := 0.0
			for p := range 49 {
				s += float64(x.Data[(b*49+p)*33+c])
			}
			if want := float32(s / 49); got.Data[b*33+c] != want { // float64 sum: correctly rounded
				t.Fatalf("avg[%d,%d] = %v, want %v", b, c, got.Data[b*33+c], want)
			}
		}
	}
	one, _ := tensor.FromData([]float32{1, 2, 3, 6}, 1, 2, 2, 1)
	if g := GlobalAvgPool(one); g.Data[0] != 3 {
		t.Errorf("mean of 1,2,3,6 = %v, want 3", g.Data[0])
	}
	expectPanic(t, "[2,3]", func() { GlobalAvgPool(tensor.New(2, 3)) })
	expectPanic(t, "no pixels", func() { GlobalAvgPool(tensor.New(1, 0, 3, 2)) })
}
