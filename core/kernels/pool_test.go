// pool_test.go: MaxPoolF32 (the Go loop natively, max_pool_f32 in the wasm build) against its
// element-at-a-time twin over awkward image and channel sizes (around the kernel's 16- and
// 4-channel steps), strides, clipped 'same' windows, windows larger than the image, and the
// values a max must order (NaN, ±0, ±Inf), with sentinels after the output.
package kernels

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestMaxPoolF32MatchesRef(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3)) // the large sizes split their rows over 3 goroutines
	rng := rand.New(rand.NewPCG(13, 14))
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, hw := range [][2]int{{1, 1}, {2, 3}, {5, 5}, {7, 6}, {9, 9}, {16, 3}, {57, 45}} {
		for _, c := range []int{1, 3, 4, 5, 15, 16, 17, 20, 33, 64} {
			for _, ps := range [][3]int{{1, 1, 0}, {2, 2, 0}, {3, 2, 0}, {3, 2, 1}, {3, 1, 1}, {5, 1, 2}, {3, 3, 2}} {
				pool, stride, pad := ps[0], ps[1], ps[2]
				h, w := hw[0], hw[1]
				oh, ow := (h+2*pad-pool)/stride+1, (w+2*pad-pool)/stride+1
				if oh < 1 || ow < 1 || h+2*pad < pool || w+2*pad < pool {
					continue
				}
				src := randDense(rng, h*w*c)
				for i := rng.IntN(7); i < len(src); i += 5 + rng.IntN(9) {
					src[i] = special[rng.IntN(len(special))]
				}
				got := make([]float32, oh*ow*c+guardLen)
				for i := range got {
					got[i] = math.Float32frombits(sentinelBits)
				}
				want := make([]float32, oh*ow*c)
				MaxPoolF32(src, h, w, c, pool, stride, pad, pad, oh, ow, got)
				MaxPoolF32Ref(src, h, w, c, pool, stride, pad, pad, oh, ow, want)
				for i, v := range got {
					if i >= len(want) {
						if math.Float32bits(v) != sentinelBits {
							t.Fatalf("h=%d w=%d c=%d pool=%d/%d pad=%d: wrote past the output at %d", h, w, c, pool, stride, pad, i)
						}
						continue
					}
					same := math.Float32bits(v) == math.Float32bits(want[i]) || v != v && want[i] != want[i] // NaN payloads may differ
					if !same {
						t.Fatalf("h=%d w=%d c=%d pool=%d/%d pad=%d: element %d = %v, want %v", h, w, c, pool, stride, pad, i, v, want[i])
					}
				}
			}
		}
	}
}

// TestMaxPoolF32ByHand checks the twin on a 3×3 one-channel image, 2×2 windows, stride 1.
func TestMaxPoolF32ByHand(t *testing.T) {
	src := []float32{1, 5, 2, 4, -1, 3, 0, 7, float32(math.Copysign(0, -1))}
	got := make([]float32, 4)
	MaxPoolF32Ref(src, 3, 3, 1, 2, 1, 0, 0, 2, 2, got)
	if want := []float32{5, 5, 7, 7}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("max pool = %v, want %v", got, want)
	}
}

func TestMaxPoolF32ArgChecks(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		h, w, pool, stride, pad, o int
		lsrc, ldst                 int
	}{
		{"window past the bottom", 4, 4, 2, 2, 0, 3, 16, 9},
		{"padding swallows the window", 4, 4, 2, 1, 2, 2, 16, 4},
		{"short dst", 4, 4, 2, 2, 0, 2, 16, 3},
		{"stride 0", 4, 4, 2, 0, 0, 2, 16, 4},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			MaxPoolF32(make([]float32, tc.lsrc), tc.h, tc.w, 1, tc.pool, tc.stride, tc.pad, tc.pad, tc.o, tc.o, make([]float32, tc.ldst))
		}()
	}
}
