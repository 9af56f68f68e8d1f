// conv2d_backward_test.go: the ladder of references for Conv2DBackward (float64 slow → float32 reference → fast). Conv2DBackwardRef
// against central finite differences of L = Σ y·r with y from a float64 convolution written
// here (independent of conv2d_ref.go); Conv2DBackward (im2col, transposes, GEMMs, col2im)
// against Conv2DBackwardRef over kernel 1/3/7, stride 1/2, same/valid, odd sizes and many row
// blocks; ReLUBackward and GlobalAvgPoolBackward against their definitions; shape errors;
// benchmarks on conv4_block6 shapes.
package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/graftml/graft/core/kernels"
	"github.com/graftml/graft/core/tensor"
)

// Tolerances of the ladder.
//
// fast vs Ref: both see the same products; the fast path sums them in float32 in another order
// (GemmF32 blocks and unrolls K; dW is summed over row blocks, dx over the GEMM's Cout and then
// col2im's overlapping windows). A float32 sum of k products in any order is within
// (k + sumExtraRoundings)·u·Σ|terms| of the exact value (Higham §3.1), and the float64 Ref is
// exact to far below that before its one rounding, so each element is held to that bound with
// k = M = N·OH·OW for dw, k = KH·KW·Cout for dx, and Σ|terms| from the Ref on absolute values.
// db is summed in float64 by both in the same order: bitwise equal.
//
// Ref vs finite differences: L is affine in each of x, w and b, so the central difference
// (L(θ+h) − L(θ−h))/2h has no truncation error at any h; what is left is float64 rounding of
// L, at most fdRoundings·ε64·Σ|y·r| per evaluation, divided by h, plus the Ref's single
// rounding to float32 (u·|exact| ≤ u·Σ|terms|). fdRefRoundings covers that rounding twice.
const (
	fdStep         = 0.25
	fdRoundings    = 64 // ≫ the float64 roundings in one evaluation of L relative to Σ|y·r|
	fdRefRoundings = 2
	float64Epsilon = 1.0 / (1 << 53)
)

type convBackCase struct {
	n, h, w, cin, kh, kw, cout, sh, sw int
	pad                                Padding
}

func (c convBackCase) String() string {
	return fmt.Sprintf("x=[%d,%d,%d,%d] k=%dx%d cout=%d s=%dx%d %v", c.n, c.h, c.w, c.cin, c.kh, c.kw, c.cout, c.sh, c.sw, c.pad)
}

func (c convBackCase) outSize(t *testing.T) (oh, ow int) {
	t.Helper()
	oh, _, _, err := WindowOutputSize(c.h, c.kh, c.sh, c.pad)
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	ow, _, _, err = WindowOutputSize(c.w, c.kw, c.sw, c.pad)
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	return oh, ow
}

// checkBackwardBound holds got to want within (terms+sumExtraRoundings)·u·mag elementwise.
func checkBackwardBound(t *testing.T, what string, c convBackCase, got, want, mag []float32, terms int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%v %s: %d elements, Ref has %d", c, what, len(got), len(want))
	}
	for i := range got {
		bound := float64(terms+sumExtraRoundings) * float32UnitRoundoff * float64(mag[i])
		if e := math.Abs(float64(got[i]) - float64(want[i])); !(e <= bound) {
			t.Fatalf("%v %s: element %d: fast %v, Ref %v, |diff| %.3g > bound %.3g", c, what, i, got[i], want[i], e, bound)
		}
	}
}

func checkConvBackward(t *testing.T, rng *rand.Rand, c convBackCase) {
	t.Helper()
	oh, ow := c.outSize(t)
	x := randTensor(rng, c.n, c.h, c.w, c.cin)
	w := randTensor(rng, c.kh, c.kw, c.cin, c.cout)
	dy := randTensor(rng, c.n, oh, ow, c.cout)
	dx, dw, db, err := Conv2DBackward(x, w, dy, c.sh, c.sw, c.pad, true)
	if err != nil {
		t.Fatalf("%v: Conv2DBackward: %v", c, err)
	}
	rdx, rdw, rdb, err := Conv2DBackwardRef(x, w, dy, c.sh, c.sw, c.pad, true)
	if err != nil {
		t.Fatalf("%v: Conv2DBackwardRef: %v", c, err)
	}
	mdx, mdw, mdb, _ := Conv2DBackwardRef(absTensor(x), absTensor(w), absTensor(dy), c.sh, c.sw, c.pad, true)
	if !tensor.SameShape(dx.Shape, x.Shape) || !tensor.SameShape(dw.Shape, w.Shape) || len(db) != c.cout {
		t.Fatalf("%v: shapes dx %v dw %v db %d, want %v %v %d", c, dx, dw, len(db), x, w, c.cout)
	}
	checkBackwardBound(t, "dx", c, dx.Data, rdx.Data, mdx.Data, c.kh*c.kw*c.cout)
	checkBackwardBound(t, "dw", c, dw.Data, rdw.Data, mdw.Data, c.n*oh*ow)
	checkBackwardBound(t, "db", c, db, rdb, mdb, 0)

	dx2, dw2, db2, err := Conv2DBackward(x, w, dy, c.sh, c.sw, c.pad, false)
	if err != nil || dx2 != nil {
		t.Fatalf("%v: needDx=false: dx %v, err %v; want nil, nil", c, dx2, err)
	}
	if fmt.Sprint(dw2.Data) != fmt.Sprint(dw.Data) || fmt.Sprint(db2) != fmt.Sprint(db) {
		t.Fatalf("%v: needDx=false changed dw or db", c)
	}
}

func TestConv2DBackwardMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	sizes := [][2]int{{1, 1}, {3, 3}, {7, 3}, {1, 7}, {17, 17}}
	channels := [][2]int{{1, 1}, {3, 5}, {5, 17}, {17, 33}, {33, 3}}
	variant := 0
	for _, k := range []int{1, 3, 7} {
		for _, stride := range []int{1, 2} {
			for _, pad := range []Padding{Same, Valid} {
				for _, hw := range sizes {
					if pad == Valid && (hw[0] < k || hw[1] < k) {
						continue
					}
					for _, ch := range channels {
						variant++
						if hw[0]*hw[1]*ch[0]*ch[1]*k*k > 1<<20 {
							ch = channels[variant%3] // keep the Ref quick on 17x17 7x7
						}
						n := []int{1, 3}[variant%2]
						checkConvBackward(t, rng, convBackCase{n: n, h: hw[0], w: hw[1], cin: ch[0], kh: k, kw: k,
							cout: ch[1], sh: stride, sw: stride, pad: pad})
					}
				}
			}
		}
	}
	// unequal kernel sides and strides (the wasm im2col's single-stride kernel does not apply)
	checkConvBackward(t, rng, convBackCase{n: 2, h: 9, w: 8, cin: 3, kh: 3, kw: 1, cout: 5, sh: 2, sw: 1, pad: Same})
	checkConvBackward(t, rng, convBackCase{n: 1, h: 7, w: 11, cin: 4, kh: 1, kw: 3, cout: 6, sh: 1, sw: 3, pad: Valid})
}

// TestConv2DBackwardManyBlocks lowers the scratch budget so M runs as many row blocks (64 rows,
// im2colMinRows), blocks straddle image boundaries, and dW accumulates across them.
func TestConv2DBackwardManyBlocks(t *testing.T) {
	saved := im2colBudget
	defer func() { im2colBudget = saved }()
	rng := rand.New(rand.NewPCG(83, 84))
	for _, budget := range []int{1, 300, 5000} {
		im2colBudget = budget
		for _, c := range []convBackCase{
			{n: 3, h: 17, w: 17, cin: 5, kh: 1, kw: 1, cout: 17, sh: 1, sw: 1, pad: Valid},
			{n: 3, h: 17, w: 17, cin: 5, kh: 1, kw: 1, cout: 17, sh: 2, sw: 2, pad: Valid},
			{n: 3, h: 17, w: 7, cin: 3, kh: 3, kw: 3, cout: 33, sh: 1, sw: 1, pad: Same},
			{n: 3, h: 17, w: 17, cin: 3, kh: 3, kw: 3, cout: 5, sh: 2, sw: 2, pad: Same},
			{n: 3, h: 17, w: 17, cin: 3, kh: 7, kw: 7, cout: 5, sh: 2, sw: 2, pad: Same},
		} {
			checkConvBackward(t, rng, c)
		}
	}
}

// conv64 is y = conv(x, w) + b in float64, straight from tf.nn.conv2d's definition (x = 0 in the
// padding), for the finite-difference check; it shares only WindowOutputSize with the code.
func conv64(c convBackCase, x, w, b []float64) []float64 {
	oh, pt, _, _ := WindowOutputSize(c.h, c.kh, c.sh, c.pad)
	ow, pl, _, _ := WindowOutputSize(c.w, c.kw, c.sw, c.pad)
	y := make([]float64, c.n*oh*ow*c.cout)
	for n := range c.n {
		for i := range oh {
			for j := range ow {
				for co := range c.cout {
					s := b[co]
					for ki := range c.kh {
						for kj := range c.kw {
							iy, ix := i*c.sh-pt+ki, j*c.sw-pl+kj
							if iy < 0 || iy >= c.h || ix < 0 || ix >= c.w {
								continue
							}
							for ci := range c.cin {
								s += x[((n*c.h+iy)*c.w+ix)*c.cin+ci] * w[((ki*c.kw+kj)*c.cin+ci)*c.cout+co]
							}
						}
					}
					y[((n*oh+i)*ow+j)*c.cout+co] = s
				}
			}
		}
	}
	return y
}

func to64(s []float32) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = float64(v)
	}
	return d
}

func dot64(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func abs64(s []float64) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = math.Abs(v)
	}
	return d
}

// TestConv2DBackwardRefFiniteDifferences: Conv2DBackwardRef(x, w, dy = r) against central
// differences of L(x, w, b) = Σ conv64(x, w, b)·r for every element of x, w and b.
func TestConv2DBackwardRefFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(85, 86))
	for _, c := range []convBackCase{
		{n: 2, h: 5, w: 4, cin: 3, kh: 3, kw: 3, cout: 2, sh: 1, sw: 1, pad: Same},
		{n: 1, h: 5, w: 6, cin: 2, kh: 3, kw: 3, cout: 3, sh: 2, sw: 2, pad: Same},
		{n: 2, h: 5, w: 5, cin: 3, kh: 1, kw: 1, cout: 4, sh: 2, sw: 2, pad: Valid},
		{n: 1, h: 4, w: 3, cin: 3, kh: 1, kw: 1, cout: 2, sh: 1, sw: 1, pad: Valid},
		{n: 1, h: 9, w: 8, cin: 2, kh: 7, kw: 7, cout: 2, sh: 2, sw: 2, pad: Same},
		{n: 1, h: 6, w: 7, cin: 2, kh: 3, kw: 2, cout: 3, sh: 2, sw: 1, pad: Valid},
	} {
		oh, ow := c.outSize(t)
		x := randTensor(rng, c.n, c.h, c.w, c.cin)
		w := randTensor(rng, c.kh, c.kw, c.cin, c.cout)
		b := randSlice(rng, c.cout, -1, 1)
		r := randTensor(rng, c.n, oh, ow, c.cout) // ∂L/∂y
		dx, dw, db, err := Conv2DBackwardRef(x, w, r, c.sh, c.sw, c.pad, true)
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		mdx, mdw, mdb, _ := Conv2DBackwardRef(absTensor(x), absTensor(w), absTensor(r), c.sh, c.sw, c.pad, true)
		x64, w64, b64, r64 := to64(x.Data), to64(w.Data), to64(b), to64(r.Data)
		// |y|·|r| summed over the absolute operands bounds every partial sum L's evaluation forms
		lMag := dot64(abs64(conv64(c, abs64(x64), abs64(w64), abs64(b64))), abs64(r64)) + 2*fdStep*tensor.MaxAbs(r)*float64(len(r.Data))
		noise := fdRoundings * float64Epsilon * lMag / fdStep
		loss := func() float64 { return dot64(conv64(c, x64, w64, b64), r64) }
		for _, v := range []struct {
			name      string
			theta     []float64
			grad, mag []float32
		}{{"dx", x64, dx.Data, mdx.Data}, {"dw", w64, dw.Data, mdw.Data}, {"db", b64, db, mdb}} {
			for i := range v.theta {
				saved := v.theta[i]
				v.theta[i] = saved + fdStep
				lp := loss()
				v.theta[i] = saved - fdStep
				lm := loss()
				v.theta[i] = saved
				fd := (lp - lm) / (2 * fdStep)
				bound := fdRefRoundings*float32UnitRoundoff*float64(v.mag[i]) + noise
				if e := math.Abs(fd - float64(v.grad[i])); !(e <= bound) {
					t.Fatalf("%v %s[%d]: Ref %v, central difference %v, |diff| %.3g > %.3g", c, v.name, i, v.grad[i], fd, e, bound)
				}
			}
		}
	}
}

func TestConv2DBackwardErrors(t *testing.T) {
	x := tensor.New(1, 5, 5, 3)
	w := tensor.New(3, 3, 3, 8)
	for _, tc := range []struct {
		name     string
		x, w, dy *tensor.Tensor
		stride   int
		pad      Padding
		mention  string
	}{
		{"dy spatial", x, w, tensor.New(1, 5, 5, 8), 2, Same, "[1,3,3,8]"},
		{"dy channels", x, w, tensor.New(1, 5, 5, 7), 1, Same, "[1,5,5,7]"},
		{"dy batch", x, w, tensor.New(2, 5, 5, 8), 1, Same, "[2,5,5,8]"},
		{"dy rank", x, w, tensor.New(5, 5, 8), 1, Same, "[5,5,8]"},
		{"dy nil", x, w, nil, 1, Same, "nil"},
		{"cin mismatch", x, tensor.New(3, 3, 4, 8), tensor.New(1, 5, 5, 8), 1, Same, "[3,3,4,8]"},
		{"x rank", tensor.New(5, 5, 3), w, tensor.New(1, 5, 5, 8), 1, Same, "[5,5,3]"},
		{"window too big", x, tensor.New(7, 7, 3, 8), tensor.New(1, 1, 1, 8), 1, Valid, "does not fit"},
		{"stride 0", x, w, tensor.New(1, 5, 5, 8), 0, Same, "stride"},
		{"nil kernel", x, nil, tensor.New(1, 5, 5, 8), 1, Same, "nil"},
	} {
		for name, f := range map[string]func(x, w, dy *tensor.Tensor, sh, sw int, p Padding, needDx bool) (*tensor.Tensor, *tensor.Tensor, []float32, error){
			"Conv2DBackward": Conv2DBackward, "Conv2DBackwardRef": Conv2DBackwardRef,
		} {
			_, _, _, err := f(tc.x, tc.w, tc.dy, tc.stride, tc.stride, tc.pad, true)
			if err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("%s %s: err = %v, want one mentioning %q", name, tc.name, err, tc.mention)
			}
		}
	}
}

func TestReLUBackward(t *testing.T) {
	nan := float32(math.NaN())
	y, _ := tensor.FromData([]float32{2, 0, -1, 0.5, nan, float32(math.Inf(1)), -0.0, 1e-30}, 2, 4)
	dy, _ := tensor.FromData([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 2, 4)
	if err := ReLUBackward(dy, y); err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 0, 0, 4, 0, 6, 0, 8} // y <= 0, and NaN (not > 0), pass no gradient
	if fmt.Sprint(dy.Data) != fmt.Sprint(want) {
		t.Errorf("ReLUBackward: got %v, want %v", dy.Data, want)
	}
	for _, tc := range []struct{ dy, y *tensor.Tensor }{
		{tensor.New(2, 4), tensor.New(4, 2)}, {tensor.New(2, 4), tensor.New(2, 4, 1)}, {nil, tensor.New(1)}, {tensor.New(1), nil},
	} {
		if err := ReLUBackward(tc.dy, tc.y); err == nil || !strings.Contains(err.Error(), "ReLUBackward") {
			t.Errorf("ReLUBackward(%v, %v): err = %v, want a shape error", tc.dy, tc.y, err)
		}
	}
}

func TestGlobalAvgPoolBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(87, 88))
	for _, s := range [][4]int{{1, 1, 1, 1}, {3, 7, 7, 5}, {2, 3, 17, 33}} {
		n, h, w, c := s[0], s[1], s[2], s[3]
		dy := randTensor(rng, n, c)
		dx, err := GlobalAvgPoolBackward(dy, h, w)
		if err != nil {
			t.Fatal(err)
		}
		if !tensor.SameShape(dx.Shape, []int{n, h, w, c}) {
			t.Fatalf("shape %v, want [%d,%d,%d,%d]", dx, n, h, w, c)
		}
		for b := range n {
			for p := range h * w {
				for ci := range c {
					want := float32(float64(dy.Data[b*c+ci]) / float64(h*w))
					if got := dx.Data[(b*h*w+p)*c+ci]; got != want {
						t.Fatalf("%v: dx[%d,%d,%d] = %v, want %v", s, b, p, ci, got, want)
					}
				}
			}
		}
	}
	for _, tc := range []struct {
		dy      *tensor.Tensor
		h, w    int
		mention string
	}{{tensor.New(1, 2, 3), 2, 2, "[1,2,3]"}, {tensor.New(1, 3), 0, 2, "0x2"}, {nil, 1, 1, "nil"}} {
		if _, err := GlobalAvgPoolBackward(tc.dy, tc.h, tc.w); err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("GlobalAvgPoolBackward(%v, %d, %d): err = %v, want one mentioning %q", tc.dy, tc.h, tc.w, err, tc.mention)
		}
	}
}

// BenchmarkConv2DBackward: the three conv shapes of conv4_block6 (and its stage's stride-2
// shortcut) at batch 8, dx and dw, paired fast / Ref; impl=lowering is the fast
// path without its two GEMMs (im2col, Pᵀ, Wᵀ, col2im), to measure what those O(M·K) steps cost.
//
//	go test -run '^$' -bench Conv2DBackward -benchtime 3x ./core/ops
func BenchmarkConv2DBackward(b *testing.B) {
	rng := rand.New(rand.NewPCG(89, 90))
	impls := []struct {
		name string
		fn   func(x, w, dy *tensor.Tensor, sh, sw int, p Padding, needDx bool) (*tensor.Tensor, *tensor.Tensor, []float32, error)
	}{{"fast", Conv2DBackward}, {"ref", Conv2DBackwardRef}, {"lowering", backwardLoweringOnly}}
	for _, l := range []convBackCase{
		{n: 8, h: 14, w: 14, cin: 1024, kh: 1, kw: 1, cout: 256, sh: 1, sw: 1, pad: Valid}, // conv4_block6_1
		{n: 8, h: 14, w: 14, cin: 256, kh: 3, kw: 3, cout: 256, sh: 1, sw: 1, pad: Same},   // conv4_block6_2
		{n: 8, h: 14, w: 14, cin: 1024, kh: 1, kw: 1, cout: 512, sh: 2, sw: 2, pad: Valid}, // conv5_block1_0-like
	} {
		oh, _, _, _ := WindowOutputSize(l.h, l.kh, l.sh, l.pad)
		ow, _, _, _ := WindowOutputSize(l.w, l.kw, l.sw, l.pad)
		x := randTensor(rng, l.n, l.h, l.w, l.cin)
		w := randTensor(rng, l.kh, l.kw, l.cin, l.cout)
		dy := randTensor(rng, l.n, oh, ow, l.cout)
		flops := 4 * float64(l.n*oh*ow) * float64(l.kh*l.kw*l.cin) * float64(l.cout) // two GEMMs
		for _, impl := range impls {
			b.Run(fmt.Sprintf("shape=%dx%d_%d-%d_s%d/impl=%s", l.kh, l.kw, l.cin, l.cout, l.sh, impl.name), func(b *testing.B) {
				for b.Loop() {
					if _, _, _, err := impl.fn(x, w, dy, l.sh, l.sw, l.pad, true); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// backwardLoweringOnly runs Conv2DBackward's loop with the GEMMs left out (for the benchmark).
func backwardLoweringOnly(x, w, dy *tensor.Tensor, sh, sw int, pad Padding, _ bool) (*tensor.Tensor, *tensor.Tensor, []float32, error) {
	g, err := newConvBackwardGeometry("lowering", x, w, dy, sh, sw, pad)
	if err != nil {
		return nil, nil, nil, err
	}
	m, k := g.outPixels(), g.patchLen()
	dx := tensor.New(x.Shape...)
	db := biasGrad(dy.Data, m, g.cout)
	wT := make([]float32, g.cout*k)
	kernels.TransposeF32(k, g.cout, w.Data, g.cout, wT, k)
	rowsPerBlock := min(m, max(im2colMinRows, im2colBudget/k))
	var patches []float32
	if !g.noPatches() {
		patches = make([]float32, rowsPerBlock*k)
	}
	pT := make([]float32, k*rowsPerBlock)
	for r0 := 0; r0 < m; r0 += rowsPerBlock {
		rows := min(rowsPerBlock, m-r0)
		p := patches
		if g.noPatches() {
			p = x.Data[r0*k:]
		} else {
			im2colBlock(g, x.Data, r0, rows, patches)
		}
		kernels.TransposeF32(rows, k, p, k, pT, rows)
		if !g.noPatches() {
			col2imBlock(g, patches, r0, rows, dx.Data)
		}
	}
	return dx, nil, db, nil
}
