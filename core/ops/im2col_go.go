//go:build !wasm || purego

// im2col_go.go: natively (and in the purego wasm build) patch rows are gathered in Go, in
// parallel (im2col.go); the wasm build uses the SIMD128 module (im2col_wasm.go).
package ops

// im2colCacheFloats: natively the blocks are as im2colBudget allows (the GEMM splits each block
// across cores, and native caches are larger); see im2colRows.
const im2colCacheFloats = 1 << 20

// im2colBlock writes patch rows r0 … r0+rows−1 into dst [rows × KH*KW*Cin] (as im2col).
func im2colBlock(g convGeometry, x []float32, r0, rows int, dst []float32) {
	im2colParallel(g, x, r0, rows, dst)
}
