// gemm_i8_test.go: the int8-B GEMMs against their float32 twins run on B dequantized first
// (float32(q)·scale[j]): equal bit for bit, on awkward sizes, strided views, block boundaries and
// the parallel splits, with sentinels around C and NaN after the scales.
package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

type gemmI8Func func(m, n, k int, a []float32, lda int, bq []int8, ldb int, scales []float32, c []float32, ldc int, accumulate bool, ep Epilogue)

// withPlanI8 is withPlan for an int8 B: the parallel driver with a fixed split.
func withPlanI8(p gemmPlan) gemmI8Func {
	return func(m, n, k int, a []float32, lda int, bq []int8, ldb int, scales []float32, c []float32, ldc int, accumulate bool, ep Epilogue) {
		checkGemmI8Args("withPlanI8", m, n, k, a, lda, bq, ldb, scales, c, ldc, &ep)
		gemmRun(p, m, n, k, a, lda, gemmB{i8: bq, scales: scales, ld: ldb, int8: true}, c, ldc, accumulate, ep)
	}
}

// gemmI8Impls pairs every int8-B implementation with the float32 one it must equal bit for bit
// (the one list the tests and BenchmarkGemmI8 use).
var gemmI8Impls = []struct {
	name  string
	fn    gemmI8Func
	twin  gemmFunc
	bench bool
}{
	{"ref", GemmF32I8FusedRef, GemmF32FusedRef, false},
	{"fast", GemmF32I8Fused, GemmF32Fused, true},
	{"serial", withPlanI8(gemmPlan{workers: 1, taskRows: 1 << 30, taskCols: 1 << 30}),
		withPlan(gemmPlan{workers: 1, taskRows: 1 << 30, taskCols: 1 << 30}), true},
	{"split5x9w2", withPlanI8(gemmPlan{workers: 2, taskRows: 5, taskCols: 9}), withPlan(gemmPlan{workers: 2, taskRows: 5, taskCols: 9}), false},
	{"twin", withPlanI8(gemmPlan{workers: 1, taskRows: 1 << 30, taskCols: 1 << 30, twin: true}),
		withPlan(gemmPlan{workers: 1, taskRows: 1 << 30, taskCols: 1 << 30, twin: true}), true},
	{"split64x24w7", withPlanI8(gemmPlan{workers: 7, taskRows: 64, taskCols: 24}), withPlan(gemmPlan{workers: 7, taskRows: 64, taskCols: 24}), false},
}

// i8Fixture is a gemmFixture whose B is int8 codes and scales, with fix.b their dequantized
// float32 form (NaN in the gaps; the codes' gaps hold random codes, which change C if read).
type i8Fixture struct {
	*gemmFixture
	bq     []int8
	scales []float32 // [n], followed in memory by NaN
}

func newI8Fixture(rng *rand.Rand, tc gemmCase) *i8Fixture {
	f := &i8Fixture{gemmFixture: newGemmFixture(rng, tc)}
	f.bq = make([]int8, matrixLen(tc.k, tc.n, tc.ldb))
	for i := range f.bq {
		f.bq[i] = int8(rng.IntN(256) - 128) // -128 too: the kernels must not assume quant's range
	}
	scaleBuf := make([]float32, tc.n+guardLen)
	for j := range scaleBuf {
		switch {
		case j >= tc.n:
			scaleBuf[j] = float32(math.NaN())
		case j%11 == 3:
			scaleBuf[j] = 0 // an all-zero channel
		default:
			scaleBuf[j] = (rng.Float32()*2 - 1) / 127 * float32(1+rng.IntN(100))
		}
	}
	f.scales = scaleBuf[:tc.n]
	for i := range f.b {
		if p, j := i/tc.ldb, i%tc.ldb; j < tc.n {
			f.b[i] = float32(f.bq[p*tc.ldb+j]) * f.scales[j]
		}
	}
	return f
}

// guardedC is a fresh C buffer: sentinels around and between the rows, cIn inside.
func (f *i8Fixture) guardedC() (buf, c []float32) {
	sentinel := math.Float32frombits(sentinelBits)
	buf = make([]float32, guardLen+matrixLen(f.m, f.n, f.ldc)+guardLen)
	for i := range buf {
		buf[i] = sentinel
	}
	c = buf[guardLen : len(buf)-guardLen]
	for i := range f.m {
		copy(c[i*f.ldc:i*f.ldc+f.n], f.cIn[i*f.n:(i+1)*f.n])
	}
	return buf, c
}

func (f *i8Fixture) epilogue() Epilogue {
	ep := Epilogue{Bias: f.bias, ReLU: f.relu}
	if f.residual {
		ep.Residual, ep.LdResidual = f.res, f.ldr
	}
	return ep
}

// compare runs fn on the codes and twin on the dequantized B and lists the elements whose bits
// differ (the sentinels included: both must leave them alone).
func (f *i8Fixture) compare(fn gemmI8Func, twin gemmFunc) []string {
	got, c := f.guardedC()
	fn(f.m, f.n, f.k, f.a, f.lda, f.bq, f.ldb, f.scales, c, f.ldc, f.accumulate, f.epilogue())
	want, cw := f.guardedC()
	twin(f.m, f.n, f.k, f.a, f.lda, f.b, f.ldb, cw, f.ldc, f.accumulate, f.epilogue())
	var bad []string
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			bad = append(bad, fmt.Sprintf("buffer[%d] (C offset %d) = %v, dequantized-first gives %v", i, i-guardLen, got[i], want[i]))
			if len(bad) > 5 {
				break
			}
		}
	}
	if math.Float32bits(want[0]) != sentinelBits || math.Float32bits(want[len(want)-1]) != sentinelBits {
		bad = append(bad, "the float32 twin wrote outside C")
	}
	return bad
}

func checkI8Impls(t *testing.T, rng *rand.Rand, tc gemmCase) {
	t.Helper()
	if tc.ldr == 0 {
		tc.ldr = max(tc.n, 1)
	}
	f := newI8Fixture(rng, tc)
	for _, impl := range gemmI8Impls {
		if bad := f.compare(impl.fn, impl.twin); len(bad) > 0 {
			t.Errorf("%s %v:\n  %s", impl.name, tc, strings.Join(bad, "\n  "))
		}
	}
}

func TestGemmI8AwkwardSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	ks := []int{1, 2, 3, 5, 8, 17, 33, 65}
	if testing.Short() {
		ks = []int{1, 5, 33}
	}
	variant := 0
	for _, m := range awkwardSizes {
		for _, n := range awkwardSizes {
			for _, k := range ks {
				variant++
				tc := gemmCase{m: m, n: n, k: k, lda: k, ldb: n, ldc: n}
				if variant%2 == 1 {
					tc.lda, tc.ldb, tc.ldc, tc.ldr = k+3, n+5, n+7, n+2
				}
				tc.accumulate = variant%3 == 0
				tc.bias, tc.residual, tc.relu = variant%5 < 2, variant%7 < 3, variant%4 < 2
				checkI8Impls(t, rng, tc)
			}
		}
	}
}

// TestGemmI8BlockBoundaries crosses gemmKC, gemmNC and gemmMC (several packed blocks per call).
func TestGemmI8BlockBoundaries(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, s := range [][3]int{
		{gemmMC + 1, gemmNC + 1, gemmKC + 1},
		{gemmMC - 1, gemmNC - 1, gemmKC - 1},
		{2*gemmMC + 3, 2*gemmNC + 9, 2*gemmKC + 5},
		{49, 70, 1100},
		{1, 300, 513},
	} {
		m, n, k := s[0], s[1], s[2]
		checkI8Impls(t, rng, gemmCase{m: m, n: n, k: k, lda: k, ldb: n, ldc: n, bias: true, residual: true, relu: true})
		checkI8Impls(t, rng, gemmCase{m: m, n: n, k: k, lda: k + 1, ldb: n + 2, ldc: n + 3, accumulate: true})
	}
}

func TestGemmI8Empty(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, tc := range []gemmCase{
		{m: 3, n: 9, k: 0, lda: 1, ldb: 9, ldc: 9, bias: true, relu: true},
		{m: 0, n: 9, k: 5, lda: 5, ldb: 9, ldc: 9},
		{m: 4, n: 0, k: 5, lda: 5, ldb: 1, ldc: 1},
	} {
		checkI8Impls(t, rng, tc)
	}
}

// TestGemmI8ArgChecks: too few scales (or codes) panic, naming the sizes, before any write.
func TestGemmI8ArgChecks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lb, ls int
	}{{"short scales", 40, 7}, {"short codes", 39, 8}} {
		c := make([]float32, 32)
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "n=8") {
					t.Errorf("%s: recover() = %v, want a panic naming the sizes", tc.name, r)
				}
			}()
			GemmF32I8Fused(4, 8, 5, make([]float32, 20), 5, make([]int8, tc.lb), 8, make([]float32, tc.ls), c, 8, false, Epilogue{})
		}()
		for _, v := range c {
			if v != 0 {
				t.Fatalf("%s: C was written before the check failed", tc.name)
			}
		}
	}
}
