// gemm.go: the exported single-precision GEMM, C[m×n] = A[m×k]·B[k×n] (+C), row-major with leading
// dimensions (BLAS sgemm semantics with no transposes, alpha = 1, beta = 0 or 1), and its fused
// epilogue. This file checks arguments and splits C into regions run in parallel; gemm_blocked.go
// computes one region, gemm_micro.go holds the register-tiled inner kernel.
package kernels

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Epilogue is applied to each output element once its dot product is complete:
//
//	C[i][j] = act(C[i][j] + Bias[j] + Residual[i*LdResidual + j]),  act = ReLU or identity.
//
// Bias ([n]) and Residual ([m × LdResidual], LdResidual >= n) may be nil. The zero value is
// the identity. This is the conv/dense epilogue of ResNet50: folded-BN bias, the shortcut add of
// a bottleneck block, and ReLU.
type Epilogue struct {
	Bias       []float32
	Residual   []float32
	LdResidual int
	ReLU       bool
}

func (e *Epilogue) isIdentity() bool { return e.Bias == nil && e.Residual == nil && !e.ReLU }

// shift returns the epilogue of the sub-matrix whose top-left element is (i0, j0).
func (e Epilogue) shift(i0, j0 int) Epilogue {
	if e.Bias != nil {
		e.Bias = e.Bias[j0:]
	}
	if e.Residual != nil {
		e.Residual = e.Residual[i0*e.LdResidual+j0:]
	}
	return e
}

// GemmF32 computes C = A·B, or C += A·B when accumulate is set, for row-major A [m×k] (leading
// dimension lda), B [k×n] (ldb) and C [m×n] (ldc). Large products run on runtime.GOMAXPROCS(0)
// goroutines; small ones run on the calling goroutine. The summation order differs from
// GemmF32Ref (K is blocked and unrolled), so results agree to float32 rounding, not bitwise.
func GemmF32(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
	GemmF32Fused(m, n, k, a, lda, b, ldb, c, ldc, accumulate, Epilogue{})
}

// GemmF32Fused is GemmF32 followed by the epilogue, applied to each block of C while it is
// still in cache (right after its last K block), not in a second pass over C.
func GemmF32Fused(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool, ep Epilogue) {
	checkGemmArgs("GemmF32Fused", m, n, k, len(a), lda, len(b), ldb, len(c), ldc, &ep)
	gemmRun(planGemm(m, n, k, runtime.GOMAXPROCS(0)), m, n, k, a, lda, gemmB{f32: b, ld: ldb}, c, ldc, accumulate, ep)
}

// Parallel split. C is cut into a grid of regions of taskRows × taskCols; each region is an
// independent GEMM that packs its own columns of B, so regions need no synchronisation and a
// worker that finishes early takes the next region (other processes may be loading the cores).
const (
	gemmTasksPerWorker = 4       // regions per worker, for load balance on a shared machine
	gemmMinTaskRows    = 64      // a region re-packs its B columns; 64+ rows make that cost <2%
	gemmMinTaskCols    = 64      // two AVX-512 tiles wide: narrower regions run more edge tiles
	gemmSerialWork     = 1 << 16 // m*n*k below which goroutine start-up outweighs the work
	gemmSplitRows      = 12      // regions start on a multiple of every tile height (Go and SIMD128 4, AVX2 6)
)

type gemmPlan struct {
	workers            int
	taskRows, taskCols int
	twin               bool // run the per-block steps' Go twins (gemmMacroGo, packB, packBI8): the tests' reference for the generated kernels
}

func planGemm(m, n, k, workers int) gemmPlan {
	if workers <= 1 || m*n*k < gemmSerialWork {
		return gemmPlan{workers: 1, taskRows: max(m, 1), taskCols: max(n, 1)}
	}
	// Columns first: every row region packs its columns of B again (int8 B is dequantized as it
	// is packed), while a column region reads only its part of B and A in place; rows split only
	// as far as the columns cannot (at least gemmMinTaskCols wide each).
	// When that gives fewer regions than the target (a late layer on many cores), the columns
	// narrow down to one panel rather than leave cores idle.
	target := workers * gemmTasksPerWorker
	colTasks := min(target, max(1, n/gemmMinTaskCols))
	rowTasks := min(max(1, m/gemmMinTaskRows), ceilDiv(target, colTasks))
	if rowTasks*colTasks < target {
		colTasks = min(ceilDiv(n, gemmNR), ceilDiv(target, rowTasks))
	}
	return gemmPlan{
		workers:  workers,
		taskRows: roundUp(ceilDiv(m, rowTasks), gemmSplitRows),
		taskCols: roundUp(ceilDiv(n, colTasks), gemmNR),
	}
}

// gemmRun executes plan: every region of C is a call to gemmBlocked.
func gemmRun(plan gemmPlan, m, n, k int, a []float32, lda int, b gemmB, c []float32, ldc int, accumulate bool, ep Epilogue) {
	if m == 0 || n == 0 {
		return
	}
	rowTasks, colTasks := ceilDiv(m, plan.taskRows), ceilDiv(n, plan.taskCols)
	tasks := rowTasks * colTasks
	region := func(t int) {
		pack := getPackBuffer()
		defer putPackBuffer(pack)
		i0, j0 := (t/colTasks)*plan.taskRows, (t%colTasks)*plan.taskCols
		mr, nr := min(plan.taskRows, m-i0), min(plan.taskCols, n-j0)
		var a0 []float32
		b0 := b
		if k > 0 { // with k = 0, A and B may be empty slices
			a0, b0 = a[i0*lda:], b.cols(j0)
		}
		gemmBlocked(mr, nr, k, a0, lda, b0, c[i0*ldc+j0:], ldc, accumulate, ep.shift(i0, j0), *pack, plan.twin)
	}
	workers := min(plan.workers, tasks)
	if workers <= 1 {
		for t := range tasks {
			region(t)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for t := int(next.Add(1)) - 1; t < tasks; t = int(next.Add(1)) - 1 {
				region(t)
			}
		})
	}
	wg.Wait()
}

// Packing buffers hold one K×N block of B (gemmKC × gemmNC floats, 256 KiB) per running region.
var packPool = sync.Pool{New: func() any {
	buf := make([]float32, gemmKC*gemmNC)
	return &buf
}}

func getPackBuffer() *[]float32  { return packPool.Get().(*[]float32) }
func putPackBuffer(p *[]float32) { packPool.Put(p) }

// checkGemmArgs panics, naming the sizes, if slices of lengths la, lb, lc cannot hold the
// matrices they describe.
func checkGemmArgs(fn string, m, n, k, la, lda, lb, ldb, lc, ldc int, ep *Epilogue) {
	fail := func(format string, args ...any) {
		panic(fmt.Sprintf("kernels.%s(m=%d, n=%d, k=%d, lda=%d, ldb=%d, ldc=%d): ", fn, m, n, k, lda, ldb, ldc) +
			fmt.Sprintf(format, args...))
	}
	switch {
	case m < 0 || n < 0 || k < 0:
		fail("negative size")
	case lda < max(k, 1) || ldb < max(n, 1) || ldc < max(n, 1):
		fail("a leading dimension is smaller than its row length")
	case la < matrixLen(m, k, lda):
		fail("len(a)=%d, need %d", la, matrixLen(m, k, lda))
	case lb < matrixLen(k, n, ldb):
		fail("len(b)=%d, need %d", lb, matrixLen(k, n, ldb))
	case lc < matrixLen(m, n, ldc):
		fail("len(c)=%d, need %d", lc, matrixLen(m, n, ldc))
	case ep.Bias != nil && len(ep.Bias) < n:
		fail("len(bias)=%d, need %d", len(ep.Bias), n)
	case ep.Residual != nil && ep.LdResidual < max(n, 1):
		fail("residual leading dimension %d < n", ep.LdResidual)
	case ep.Residual != nil && len(ep.Residual) < matrixLen(m, n, ep.LdResidual):
		fail("len(residual)=%d, need %d", len(ep.Residual), matrixLen(m, n, ep.LdResidual))
	}
}

// matrixLen is the slice length an r×c matrix with leading dimension ld needs.
func matrixLen(r, c, ld int) int {
	if r == 0 || c == 0 {
		return 0
	}
	return (r-1)*ld + c
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
func roundUp(a, b int) int { return ceilDiv(a, b) * b }
