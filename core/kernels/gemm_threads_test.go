// gemm_threads_test.go: the parallel split does not change the result. Every element of C is
// one region's, summed in the same K order whatever the number of workers, so 1, 2, 3 and 7
// workers agree; the test allows gemmThreadsRelTol in case a future split (over K) reorders sums.
package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmThreadsRelTol bounds max|C_w − C_1| / max|C_1| between w workers and one.
const gemmThreadsRelTol = 1e-5

func TestGemmWorkersAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	shapes := resnet50GemmShapes
	if testing.Short() {
		shapes = shapes[3:]
	}
	for _, s := range shapes {
		f := newI8Fixture(rng, gemmCase{m: s.m, n: s.n, k: s.k, lda: s.k, ldb: s.n, ldc: s.n, bias: true, relu: true})
		res := randDense(rng, s.m*s.n)
		ep := Epilogue{Bias: f.bias, Residual: res, LdResidual: s.n, ReLU: true}
		for _, int8B := range []bool{false, true} {
			b := gemmB{f32: f.b, ld: s.n}
			if int8B {
				b = gemmB{i8: f.bq, scales: f.scales, ld: s.n, int8: true}
			}
			var one []float32
			for _, w := range []int{1, 2, 3, 7} {
				c := make([]float32, s.m*s.n)
				p := planGemm(s.m, s.n, s.k, w)
				gemmRun(p, s.m, s.n, s.k, f.a, s.k, b, c, s.n, false, ep)
				if w == 1 {
					one = c
					continue
				}
				maxDiff, maxRef := 0.0, 0.0
				for i, v := range c {
					maxDiff = math.Max(maxDiff, math.Abs(float64(v)-float64(one[i])))
					maxRef = math.Max(maxRef, math.Abs(float64(one[i])))
				}
				name := fmt.Sprintf("%s int8=%v workers=%d (plan %+v)", s.name, int8B, w, p)
				if !(maxDiff <= gemmThreadsRelTol*maxRef) {
					t.Errorf("%s: max|diff| %.3g against one worker, max|C| %.3g", name, maxDiff, maxRef)
				}
			}
		}
	}
}
