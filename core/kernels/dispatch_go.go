//go:build !wasm || purego

// dispatch_go.go: the per-block GEMM steps, im2col, max pooling, and the backward pass's
// transpose, col2im, ReLU mask and column sums in Go, for native builds and for the wasm build
// with the purego tag. The wasm build without purego calls the generated
// SIMD128 module instead (dispatch_wasm.go); both sit under the same blocking in gemm_blocked.go.
package kernels

// Engine names the code that runs gemmMacro: "go" here, "wasm-simd" in dispatch_wasm.go.
const Engine = "go"

// gemmMacro computes one (jc, pc, ic) block: C[0:mc, 0:nc] (+)= A[0:mc, 0:kc] · the packed block,
// then ep when not nil (the last K block).
func gemmMacro(mc, nc, kc int, a []float32, lda int, pack []float32, c []float32, ldc int, add bool, ep *Epilogue) {
	gemmMacroGo(mc, nc, kc, a, lda, pack, c, ldc, add, ep)
}

// packBlock packs B[0:kc, 0:nc] into 8-column panels (packB's layout).
func packBlock(kc, nc int, b []float32, ldb int, pack []float32) { packB(kc, nc, b, ldb, pack) }

// packBlockI8 packs int8 B[0:kc, 0:nc] times its column scales into packB's panels.
func packBlockI8(kc, nc int, bq []int8, ldb int, scales []float32, pack []float32) {
	packBI8(kc, nc, bq, ldb, scales, pack)
}

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
