//go:build !wasm || purego

// dispatch_go.go: im2col, max pooling, and the backward pass's transpose, col2im, ReLU mask and
// column sums in Go, for native builds and for the wasm build with the purego tag. The wasm build
// without purego calls the generated SIMD128 module instead (dispatch_wasm.go). The per-block
// GEMM steps are dispatched in gemm_dispatch_go.go (Go), dispatch_amd64.go (AVX2+FMA when the
// CPU has it) and dispatch_wasm.go.
package kernels

// Im2colCacheFloats: natively a convolution's blocks of patches are as large as core/ops'
// budget allows (the GEMM splits each block across cores, and native caches are larger).
const Im2colCacheFloats = 1 << 20

// im2colF32 is Im2colF32's Go loop.
func im2colF32(src []float32, h, w, c, kh, kw, stride, padTop, padLeft, ow int, dst []float32, p0, np int) {
	im2colF32Go(src, h, w, c, kh, kw, stride, padTop, padLeft, ow, dst, p0, np)
}

// maxPoolF32 is MaxPoolF32's Go loop.
func maxPoolF32(src []float32, h, w, c, pool, stride, padTop, padLeft, oh, ow int, dst []float32) {
	maxPoolF32Go(src, h, w, c, pool, stride, padTop, padLeft, oh, ow, dst)
}

// transposeF32 is TransposeF32's tiled Go loop.
func transposeF32(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	transposeF32Go(rows, cols, src, lds, dst, ldd)
}

// col2imF32 is Col2imF32's Go loop.
func col2imF32(dst []float32, h, w, c, kh, kw, sh, sw, padTop, padLeft, ow int, src []float32, p0, np int) {
	col2imF32Go(dst, h, w, c, kh, kw, sh, sw, padTop, padLeft, ow, src, p0, np)
}

// reluMaskF32 is ReLUMaskF32's Go loop.
func reluMaskF32(dy, y []float32) { reluMaskF32Ref(dy, y) }

// colSumF64 is ColSumF64's Go loop.
func colSumF64(m, n int, src []float32, lds int, sum []float64) { colSumF64Ref(m, n, src, lds, sum) }
