// gemm_test.go: every GEMM implementation against a float64 evaluation of the same product, on
// awkward sizes (below, at and above the 4×8 tile and the K/N/M blocks), strided views, and
// sentinels that catch writes outside C and reads outside A and B.
package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Tolerance. Any order of summing k float32 products, then adding C (accumulate), bias and
// residual, has error at most (k + gemmExtraRoundings)·u·M, u = 2^-24 the float32 unit
// roundoff and M = |C| + Σ_p |A[i][p]·B[p][j]| + |bias[j]| + |residual[i][j]| (Higham,
// "Accuracy and Stability of Numerical Algorithms", §3.1, to first order). The bound holds for
// the reference triple loop and for the blocked, unrolled kernel alike, yet one dropped or
// repeated term (size ~|A·B|/k·k = one product) exceeds it for the sizes tested.
const (
	float32UnitRoundoff = 1.0 / (1 << 24)
	gemmExtraRoundings  = 4 // the product itself, +C, +bias, +residual
)

func gemmErrorBound(k int, magnitude float64) float64 {
	return float64(k+gemmExtraRoundings) * float32UnitRoundoff * magnitude
}

// Sentinels: the value written into C's guard regions and row gaps, checked bitwise afterwards;
// NaN is put into A's and B's gaps, so a kernel that reads them produces NaN in C.
var sentinelBits uint32 = 0x7f7fdead // a finite, unlikely float32 (~3.4e38)

const guardLen = 67 // floats of guard before and after C, odd to misalign

type gemmCase struct {
	m, n, k, lda, ldb, ldc int
	ldr                    int // residual leading dimension; 0 means n
	accumulate             bool
	bias, residual, relu   bool
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("m=%d,n=%d,k=%d,lda=%d,ldb=%d,ldc=%d,ldr=%d,acc=%v,bias=%v,res=%v,relu=%v",
		tc.m, tc.n, tc.k, tc.lda, tc.ldb, tc.ldc, tc.ldr, tc.accumulate, tc.bias, tc.residual, tc.relu)
}

// gemmFixture holds random inputs and the float64 expectation with its error bound.
type gemmFixture struct {
	gemmCase
	a, b, cIn, bias, res []float32
	want, bound          []float64 // [m*n]
}

func newGemmFixture(rng *rand.Rand, tc gemmCase) *gemmFixture {
	if tc.ldr == 0 {
		tc.ldr = max(tc.n, 1)
	}
	f := &gemmFixture{gemmCase: tc}
	f.a = randGapped(rng, tc.m, tc.k, tc.lda)
	f.b = randGapped(rng, tc.k, tc.n, tc.ldb)
	f.cIn = randDense(rng, tc.m*tc.n)
	if tc.bias {
		f.bias = randDense(rng, tc.n)
	}
	if tc.residual {
		f.res = randGapped(rng, tc.m, tc.n, tc.ldr)
	}
	f.want = make([]float64, tc.m*tc.n)
	f.bound = make([]float64, tc.m*tc.n)
	for i := range tc.m {
		for j := range tc.n {
			s, mag := 0.0, 0.0
			for p := range tc.k {
				t := float64(f.a[i*tc.lda+p]) * float64(f.b[p*tc.ldb+j])
				s += t
				mag += math.Abs(t)
			}
			add := func(v float32) { s += float64(v); mag += math.Abs(float64(v)) }
			if tc.accumulate {
				add(f.cIn[i*tc.n+j])
			}
			if tc.bias {
				add(f.bias[j])
			}
			if tc.residual {
				add(f.res[i*tc.ldr+j])
			}
			if tc.relu && s < 0 {
				s = 0
			}
			f.want[i*tc.n+j] = s
			f.bound[i*tc.n+j] = gemmErrorBound(tc.k, mag)
		}
	}
	return f
}

// run calls fn on a fresh guarded C and returns a description of every violation.
func (f *gemmFixture) run(fn gemmFunc) []string {
	m, n, ldc := f.m, f.n, f.ldc
	sentinel := math.Float32frombits(sentinelBits)
	buf := make([]float32, guardLen+matrixLen(m, n, ldc)+guardLen)
	for i := range buf {
		buf[i] = sentinel
	}
	c := buf[guardLen : len(buf)-guardLen]
	for i := range m {
		copy(c[i*ldc:i*ldc+n], f.cIn[i*n:(i+1)*n])
	}
	ep := Epilogue{Bias: f.bias, ReLU: f.relu}
	if f.residual {
		ep.Residual, ep.LdResidual = f.res, f.ldr
	}
	fn(m, n, f.k, f.a, f.lda, f.b, f.ldb, c, ldc, f.accumulate, ep)

	var bad []string
	for idx, v := range buf {
		i, j := (idx-guardLen)/max(ldc, 1), (idx-guardLen)%max(ldc, 1)
		inside := idx >= guardLen && idx < len(buf)-guardLen && i < m && j < n
		if !inside {
			if math.Float32bits(v) != sentinelBits {
				bad = append(bad, fmt.Sprintf("wrote outside C at buffer offset %d (C offset %d)", idx, idx-guardLen))
			}
			continue
		}
		want, bound := f.want[i*n+j], f.bound[i*n+j]
		if e := math.Abs(float64(v) - want); !(e <= bound) {
			bad = append(bad, fmt.Sprintf("C[%d][%d] = %v, want %v ± %.3g (error %.3g)", i, j, v, want, bound, e))
		}
		if len(bad) > 5 {
			break
		}
	}
	return bad
}

// randGapped returns an r×c matrix with leading dimension ld whose gaps (columns c..ld-1) hold NaN.
func randGapped(rng *rand.Rand, r, c, ld int) []float32 {
	x := make([]float32, matrixLen(r, c, ld))
	nan := float32(math.NaN())
	for i := range x {
		if i%ld < c {
			x[i] = rng.Float32()*2 - 1
		} else {
			x[i] = nan
		}
	}
	return x
}

func randDense(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	return x
}

// awkwardSizes straddle the micro-tile (4×8) and unroll (4) boundaries.
var awkwardSizes = []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 127, 129}

func checkImpls(t *testing.T, rng *rand.Rand, tc gemmCase) {
	t.Helper()
	f := newGemmFixture(rng, tc)
	for _, impl := range gemmImpls {
		if bad := f.run(impl.fn); len(bad) > 0 {
			t.Errorf("%s %v:\n  %s", impl.name, tc, strings.Join(bad, "\n  "))
		}
	}
}

// TestGemmAwkwardSizes sweeps m, n and k over awkwardSizes (k over a subset), alternating
// dense and strided layouts and the accumulate/epilogue options.
func TestGemmAwkwardSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ks := []int{1, 3, 4, 5, 8, 17, 33, 65, 129}
	if testing.Short() {
		ks = []int{1, 5, 33}
	}
	variant := 0
	for _, m := range awkwardSizes {
		for _, n := range awkwardSizes {
			for _, k := range ks {
				variant++
				tc := gemmCase{m: m, n: n, k: k, lda: k, ldb: n, ldc: n}
				if variant%2 == 1 { // strided views (gaps hold NaN in A, B, residual; sentinels in C)
					tc.lda, tc.ldb, tc.ldc, tc.ldr = k+3, n+5, n+7, n+2
				}
				tc.accumulate = variant%3 == 0
				tc.bias, tc.residual, tc.relu = variant%5 < 2, variant%7 < 3, variant%4 < 2
				checkImpls(t, rng, tc)
			}
		}
	}
}

// TestGemmBlockBoundaries crosses gemmKC, gemmNC and gemmMC and the parallel split.
func TestGemmBlockBoundaries(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range [][3]int{
		{gemmMC + 1, gemmNC + 1, gemmKC + 1},
		{gemmMC - 1, gemmNC - 1, gemmKC - 1},
		{2*gemmMC + 3, 2*gemmNC + 9, 2*gemmKC + 5},
		{130, 520, 600},
		{49, 70, 1100},
		{300, 33, 147},
		{1, 300, 513},
		{257, 1, 300},
	} {
		m, n, k := s[0], s[1], s[2]
		checkImpls(t, rng, gemmCase{m: m, n: n, k: k, lda: k, ldb: n, ldc: n, bias: true, residual: true, relu: true})
		checkImpls(t, rng, gemmCase{m: m, n: n, k: k, lda: k + 1, ldb: n + 2, ldc: n + 3, accumulate: true})
	}
}

// TestGemmEmpty: k = 0 makes C = 0 (then the epilogue); m = 0 or n = 0 touch nothing.
func TestGemmEmpty(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []gemmCase{
		{m: 3, n: 9, k: 0, lda: 1, ldb: 9, ldc: 9},
		{m: 3, n: 9, k: 0, lda: 1, ldb: 9, ldc: 11, accumulate: true, bias: true, relu: true},
		{m: 0, n: 9, k: 5, lda: 5, ldb: 9, ldc: 9},
		{m: 4, n: 0, k: 5, lda: 5, ldb: 1, ldc: 1},
	} {
		checkImpls(t, rng, tc)
	}
}

// TestGemmF32RefByHand checks the reference itself on a product worked out by hand.
func TestGemmF32RefByHand(t *testing.T) {
	a := []float32{1, 2, 3, 4, 5, 6}    // [[1 2 3] [4 5 6]]
	b := []float32{7, 8, 9, 10, 11, 12} // [[7 8] [9 10] [11 12]]
	want := []float32{58, 64, 139, 154} // 1·7+2·9+3·11 = 58, …
	for _, impl := range []func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool){
		GemmF32Ref, GemmF32,
	} {
		c := make([]float32, 4)
		impl(2, 2, 3, a, 3, b, 2, c, 2, false)
		for i := range want {
			if c[i] != want[i] {
				t.Fatalf("C = %v, want %v", c, want)
			}
		}
		impl(2, 2, 3, a, 3, b, 2, c, 2, true)
		for i := range want {
			if c[i] != 2*want[i] {
				t.Fatalf("accumulate: C = %v, want %v", c, []float32{116, 128, 278, 308})
			}
		}
	}
}

// TestGemmArgChecks: inconsistent sizes panic with a message naming them, before any write.
func TestGemmArgChecks(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		m, n, k, lda, ldb, ldc int
		la, lb, lc             int
	}{
		{"short a", 4, 8, 5, 5, 8, 8, 19, 40, 32},
		{"short b", 4, 8, 5, 5, 8, 8, 20, 39, 32},
		{"short c", 4, 8, 5, 5, 8, 8, 20, 40, 31},
		{"lda < k", 4, 8, 5, 4, 8, 8, 20, 40, 32},
		{"ldc < n", 4, 8, 5, 5, 8, 7, 20, 40, 32},
		{"negative", -1, 8, 5, 5, 8, 8, 20, 40, 32},
	} {
		c := make([]float32, tc.lc)
		for i := range c {
			c[i] = 42
		}
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), fmt.Sprintf("m=%d", tc.m)) {
					t.Errorf("%s: recover() = %v, want a panic naming the sizes", tc.name, r)
				}
			}()
			GemmF32(tc.m, tc.n, tc.k, make([]float32, tc.la), tc.lda, make([]float32, tc.lb), tc.ldb, c, tc.ldc, false)
		}()
		for _, v := range c {
			if v != 42 {
				t.Fatalf("%s: C was written before the check failed", tc.name)
			}
		}
	}
}

func TestPlanGemm(t *testing.T) {
	for _, s := range [][3]int{{3136, 256, 64}, {49, 512, 4608}, {12544, 64, 147}, {1, 1000, 2048}, {2, 2, 2}} {
		for _, w := range []int{1, 2, 3, 16} {
			p := planGemm(s[0], s[1], s[2], w)
			if p.taskRows < 1 || p.taskCols < 1 || p.workers < 1 || p.workers > w {
				t.Errorf("planGemm(%v, workers=%d) = %+v", s, w, p)
			}
			if w == 1 && (p.taskRows < s[0] || p.taskCols < s[1]) {
				t.Errorf("planGemm(%v, 1 worker) splits: %+v", s, p)
			}
			// Every worker gets a region where the product has enough panels and rows for them.
			regions := ceilDiv(s[0], p.taskRows) * ceilDiv(s[1], p.taskCols)
			if possible := max(1, s[0]/gemmMinTaskRows) * ceilDiv(s[1], gemmNR); p.workers > 1 && regions < min(w, possible) {
				t.Errorf("planGemm(%v, workers=%d) = %+v: %d regions for %d workers", s, w, p, regions, w)
			}
		}
	}
}
