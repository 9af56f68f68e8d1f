// col2im_test.go: Col2imF32 against Col2imF32Ref (bitwise: both add in the same order) over
// awkward image, channel and kernel sizes, row/column strides, paddings and row ranges, with a
// random starting image and guards after it; and Col2imF32Ref as the adjoint of Im2colF32Ref,
// ⟨im2col(x), P⟩ = ⟨x, col2im(P)⟩ in float64, which ties it to the forward definition.
package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// col2imAdjointRoundings bounds |⟨im2col(x), P⟩ − ⟨x, col2im(P)⟩| / (u·Σ|x|·|P| terms): col2im's
// float32 sums of at most kh·kw entries per pixel, then float64 dot products (negligible).
const col2imAdjointRoundings = 49 + 2

type col2imGeom struct{ h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow int }

func col2imCases() []col2imGeom {
	var cases []col2imGeom
	for _, hw := range [][2]int{{1, 1}, {1, 7}, {3, 2}, {5, 5}, {7, 9}, {17, 3}} {
		for _, c := range []int{1, 3, 5, 17, 33} {
			for _, k := range [][6]int{ // kh, kw, sh, sw, padTop, padLeft
				{1, 1, 1, 1, 0, 0}, {1, 1, 2, 2, 0, 0}, {3, 3, 1, 1, 1, 1}, {3, 3, 2, 2, 0, 1},
				{7, 7, 2, 2, 3, 3}, {3, 1, 2, 1, 1, 0}, {1, 3, 1, 3, 0, 4},
			} {
				g := col2imGeom{h: hw[0], w: hw[1], c: c, kh: k[0], kw: k[1], sh: k[2], sw: k[3], padTop: k[4], padLeft: k[5]}
				g.oh = (g.h+2*g.padTop-g.kh)/g.sh + 1
				g.ow = (g.w+2*g.padLeft-g.kw)/g.sw + 1
				if g.oh >= 1 && g.ow >= 1 {
					cases = append(cases, g)
				}
			}
		}
	}
	return cases
}

func TestCol2imF32MatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(93, 94))
	for _, g := range col2imCases() {
		row, total, img := g.kh*g.kw*g.c, g.oh*g.ow, g.h*g.w*g.c
		for _, span := range [][2]int{{0, total}, {total / 3, total - total/3}, {total - 1, 1}, {0, 0}} {
			p0, np := span[0], span[1]
			src := randDense(rng, np*row)
			got := append(randDense(rng, img), make([]float32, guardLen)...)
			for i := img; i < len(got); i++ {
				got[i] = math.Float32frombits(sentinelBits)
			}
			want := append([]float32(nil), got...)
			Col2imF32(got, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.ow, src, p0, np)
			Col2imF32Ref(want, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.ow, src, p0, np)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%+v p0=%d np=%d: element %d = %v, want %v (guard from %d)", g, p0, np, i, got[i], want[i], img)
				}
			}
		}
	}
}

func TestCol2imF32RefIsIm2colAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(95, 96))
	for _, g := range col2imCases() {
		if g.sh != g.sw || g.padTop != g.padLeft || g.kh != g.kw { // Im2colF32 takes one stride, one pad
			continue
		}
		row, np, img := g.kh*g.kw*g.c, g.oh*g.ow, g.h*g.w*g.c
		x, p := randDense(rng, img), randDense(rng, np*row)
		cols := make([]float32, np*row)
		Im2colF32Ref(x, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.padTop, g.padLeft, g.ow, cols, 0, np)
		back := make([]float32, img)
		Col2imF32Ref(back, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.ow, p, 0, np)
		var lhs, rhs, mag float64
		for i := range cols {
			lhs += float64(cols[i]) * float64(p[i])
			mag += math.Abs(float64(cols[i]) * float64(p[i]))
		}
		for i := range x {
			rhs += float64(x[i]) * float64(back[i])
		}
		if bound := col2imAdjointRoundings * float32UnitRoundoff * mag; !(math.Abs(lhs-rhs) <= bound) {
			t.Fatalf("%+v: <im2col(x), P> = %v, <x, col2im(P)> = %v, |diff| %.3g > %.3g", g, lhs, rhs, math.Abs(lhs-rhs), bound)
		}
	}
}

// BenchmarkCol2imF32: the dP of conv4_block6_2 (one 14×14×256 image, 3x3 same), paired. js/wasm
// under Node 20 (30 iterations, builds alternated, load average ~0.9): the Go loop took 3.3–4.7
// ms (slower than the Ref's 2.5: Go's wasm slices), col2im_f32 0.19–0.41 ms.
func BenchmarkCol2imF32(b *testing.B) {
	h, w, c, k := 14, 14, 256, 3
	src := make([]float32, h*w*k*k*c)
	dst := make([]float32, h*w*c)
	for _, impl := range []struct {
		name string
		fn   func([]float32, int, int, int, int, int, int, int, int, int, int, []float32, int, int)
	}{{"fast", Col2imF32}, {"ref", Col2imF32Ref}} {
		b.Run(fmt.Sprintf("shape=conv4_3x3/impl=%s", impl.name), func(b *testing.B) {
			for b.Loop() {
				impl.fn(dst, h, w, c, k, k, 1, 1, 1, 1, w, src, 0, h*w)
			}
		})
	}
}
