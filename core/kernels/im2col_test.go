// im2col_test.go: Im2colF32 against its element-at-a-time twin over awkward image, channel and
// kernel sizes, strides, paddings (including windows wholly outside the image) and row ranges,
// with sentinels after the rows it must write. In the wasm build Im2colF32 is the SIMD128
// module's im2col_f32; natively (and with purego) its Go loop im2colF32Go, which the large
// cases split across goroutines (at least im2colParallelMin floats).
package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// im2colTolerance is zero: a gather copies values, it computes nothing.
const im2colTolerance = 0

func TestIm2colF32MatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	sentinel := math.Float32frombits(sentinelBits)
	type geom struct{ h, w, c, k, stride, pad int }
	var cases []geom
	for _, hw := range [][2]int{{1, 1}, {1, 7}, {3, 2}, {5, 5}, {7, 9}, {17, 3}} {
		for _, c := range []int{1, 3, 4, 5, 8, 17, 33} {
			for _, ks := range [][3]int{{1, 1, 0}, {1, 2, 0}, {3, 1, 1}, {3, 2, 1}, {7, 2, 3}, {3, 1, 4}} {
				cases = append(cases, geom{hw[0], hw[1], c, ks[0], ks[1], ks[2]})
			}
		}
	}
	cases = append(cases, geom{57, 31, 33, 3, 1, 1}, geom{56, 56, 64, 3, 2, 1}, geom{29, 30, 17, 7, 2, 3})
	for _, g := range cases {
		oh := (g.h+2*g.pad-g.k)/g.stride + 1
		ow := (g.w+2*g.pad-g.k)/g.stride + 1
		if oh < 1 || ow < 1 {
			continue
		}
		src := randDense(rng, g.h*g.w*g.c)
		row := g.k * g.k * g.c
		total := oh * ow
		for _, span := range [][2]int{{0, total}, {total / 3, total - total/3}, {total - 1, 1}, {0, 0}} {
			p0, np := span[0], span[1]
			got := make([]float32, np*row+guardLen)
			want := make([]float32, np*row)
			for i := range got {
				got[i] = sentinel
			}
			Im2colF32(src, g.h, g.w, g.c, g.k, g.k, g.stride, g.pad, g.pad, ow, got, p0, np)
			Im2colF32Ref(src, g.h, g.w, g.c, g.k, g.k, g.stride, g.pad, g.pad, ow, want, p0, np)
			for i, v := range got {
				if i >= len(want) {
					if math.Float32bits(v) != sentinelBits {
						t.Fatalf("%+v p0=%d np=%d: wrote past the %d rows at %d", g, p0, np, np, i)
					}
					continue
				}
				if d := math.Abs(float64(v) - float64(want[i])); !(d <= im2colTolerance) {
					t.Fatalf("%+v p0=%d np=%d: element %d = %v, want %v", g, p0, np, i, v, want[i])
				}
			}
		}
	}
}

// TestIm2colF32ByHand checks the twin on a 2×2 image with one channel, 3×3 window, padding 1.
func TestIm2colF32ByHand(t *testing.T) {
	src := []float32{1, 2, 3, 4}
	got := make([]float32, 4*9)
	Im2colF32Ref(src, 2, 2, 1, 3, 3, 1, 1, 1, 2, got, 0, 4)
	want := []float32{
		0, 0, 0, 0, 1, 2, 0, 3, 4, // pixel (0,0)
		0, 0, 0, 1, 2, 0, 3, 4, 0, // (0,1)
		0, 1, 2, 0, 3, 4, 0, 0, 0, // (1,0)
		1, 2, 0, 3, 4, 0, 0, 0, 0, // (1,1)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("im2col = %v, want %v", got, want)
		}
	}
}

func TestIm2colF32ArgChecks(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a short dst did not panic")
		}
	}()
	Im2colF32(make([]float32, 4), 2, 2, 1, 3, 3, 1, 1, 1, 2, make([]float32, 35), 0, 4)
}
