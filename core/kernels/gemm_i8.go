// gemm_i8.go: the GEMM whose B operand is int8 weights with one float32 scale per column, the
// int8 scheme of weights/quant (symmetric, per output channel: B[p][j] = float32(q[p][j])·scale[j]).
// B stays int8 in memory, a quarter of its float32 size; each K×N block is dequantized into the
// packing buffer right before its products (pack_b_i8 in the wasm module, packBI8 in Go), which
// gemm_blocked.go's nest does anyway for float32 B, so it costs no extra pass (wasm/gen/README.md
// measures pack_b_i8 per block as fast as pack_b_f32). Everything after packing is GemmF32Fused's
// code, so the results are bit for bit those of dequantizing B first and calling GemmF32Fused.
package kernels

import (
	"fmt"
	"runtime"
)

// gemmB is the B operand of one GEMM: float32 values, or int8 codes with a float32 scale per
// column (int8 set). ld is the leading dimension in elements (floats or codes).
type gemmB struct {
	f32    []float32
	i8     []int8
	scales []float32 // [n] when int8
	ld     int
	int8   bool
}

// cols is the operand starting at column j0.
func (b gemmB) cols(j0 int) gemmB {
	if b.int8 {
		b.i8, b.scales = b.i8[j0:], b.scales[j0:]
	} else {
		b.f32 = b.f32[j0:]
	}
	return b
}

// packBlock packs B[pc:pc+kc, jc:jc+nc] into 8-column panels (packB's layout), dequantizing int8;
// with twin, by the Go loops packB and packBI8.
func (b gemmB) packBlock(pc, jc, kc, nc int, pack []float32, twin bool) {
	switch {
	case b.int8 && twin:
		packBI8(kc, nc, b.i8[pc*b.ld+jc:], b.ld, b.scales[jc:], pack)
	case b.int8:
		packBlockI8(kc, nc, b.i8[pc*b.ld+jc:], b.ld, b.scales[jc:], pack)
	case twin:
		packB(kc, nc, b.f32[pc*b.ld+jc:], b.ld, pack)
	default:
		packBlock(kc, nc, b.f32[pc*b.ld+jc:], b.ld, pack)
	}
}

// GemmF32I8Fused is GemmF32Fused with B given as int8 codes: bq [k×n] row-major with leading
// dimension ldb, scales [n], B[p][j] = float32(bq[p*ldb+j])·scales[j] rounded to float32. The
// result is bit for bit GemmF32Fused's on that dequantized B (same blocking, same parallel split,
// same micro-kernel); only the packing step reads int8.
func GemmF32I8Fused(m, n, k int, a []float32, lda int, bq []int8, ldb int, scales []float32, c []float32, ldc int, accumulate bool, ep Epilogue) {
	checkGemmI8Args("GemmF32I8Fused", m, n, k, a, lda, bq, ldb, scales, c, ldc, &ep)
	gemmRun(planGemm(m, n, k, runtime.GOMAXPROCS(0)), m, n, k, a, lda, gemmB{i8: bq, scales: scales, ld: ldb, int8: true}, c, ldc, accumulate, ep)
}

// checkGemmI8Args is checkGemmArgs for an int8 B, plus the scales.
func checkGemmI8Args(fn string, m, n, k int, a []float32, lda int, bq []int8, ldb int, scales []float32, c []float32, ldc int, ep *Epilogue) {
	checkGemmArgs(fn, m, n, k, len(a), lda, len(bq), ldb, len(c), ldc, ep)
	if k > 0 && len(scales) < n {
		panic(fmt.Sprintf("kernels.%s(m=%d, n=%d, k=%d): len(scales)=%d, need %d", fn, m, n, k, len(scales), n))
	}
}
