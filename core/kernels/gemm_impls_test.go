// gemm_impls_test.go: the one list of GEMM implementations that the equivalence tests and the
// benchmarks iterate over. Adding an implementation is one line here.
package kernels

type gemmFunc func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool, ep Epilogue)

// withPlan runs the parallel driver with a fixed split, so small awkward sizes exercise
// region boundaries (including ones that are not multiples of the 4×8 tile) and several workers.
func withPlan(p gemmPlan) gemmFunc {
	return func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool, ep Epilogue) {
		checkGemmArgs("withPlan", m, n, k, len(a), lda, len(b), ldb, len(c), ldc, &ep)
		gemmRun(p, m, n, k, a, lda, gemmB{f32: b, ld: ldb}, c, ldc, accumulate, ep)
	}
}

var gemmImpls = []struct {
	name  string
	fn    gemmFunc
	bench bool // included in BenchmarkGemm
}{
	{"ref", GemmF32FusedRef, true},
	{"fast", GemmF32Fused, true},
	{"serial", withPlan(gemmPlan{workers: 1, taskRows: 1 << 30, taskCols: 1 << 30}), true},
	{"twin", withPlan(gemmPlan{workers: 1, taskRows: 1 << 30, taskCols: 1 << 30, twin: true}), true}, // the Go steps, whatever Engine is
	{"twin5x9w2", withPlan(gemmPlan{workers: 2, taskRows: 5, taskCols: 9, twin: true}), false},
	{"split4x8w3", withPlan(gemmPlan{workers: 3, taskRows: 4, taskCols: 8}), false},
	{"split5x9w2", withPlan(gemmPlan{workers: 2, taskRows: 5, taskCols: 9}), false},
	{"split64x24w7", withPlan(gemmPlan{workers: 7, taskRows: 64, taskCols: 24}), false},
}
