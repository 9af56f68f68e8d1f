//go:build !purego

// dispatch_wasm.go: the wasm build's per-block GEMM steps, im2col, max pooling, and the backward
// pass's transpose, col2im, ReLU mask and column sums, done by the generated SIMD128 module
// (wasm/kernels: kernels.wasm, or kernels-relaxed.wasm where relaxed SIMD validates), which Go
// imports as module "kernels" (wasm/js/loader.mjs links it; calling convention:
// wasm/gen/README.md). One gemm_f32 call covers a whole (jc, pc, ic) block — every tile (4×8; 5×8
// in the relaxed module) and the fused epilogue — so the ~30 ns Go→JS→wasm crossing is paid a few
// thousand times per ResNet50, not per tile. Go's wasm has no threads: GOMAXPROCS is 1 and
// gemmRun stays serial. The purego tag builds dispatch_go.go instead.
//
// The //go:wasmimport declarations are generated from wasm/gen's kernel list (wasmimport_gen.go).
// Arguments are byte addresses of Go slices, taken per call (never cached: goroutine stacks
// move; the slices here are heap or pooled buffers), and sizes as int32. gemm.go, im2col.go,
// pool.go, transpose.go, col2im.go and backward.go have checked the whole operands, so every
// block passed here lies inside its slices.
package kernels

import "unsafe"

// Engine names the code that runs gemmMacro: "wasm-simd" here (SIMD128 or relaxed SIMD, as the
// loader chose), "go" in dispatch_go.go.
const Engine = "wasm-simd"

// Epilogue flags of gemm_f32 and bias_act_f32 (wasm/kernels.FlagAcc …; a test holds them equal).
const (
	wasmFlagAcc      = 1
	wasmFlagBias     = 2
	wasmFlagResidual = 4
	wasmFlagReLU     = 8
)

// gemmMacro computes one (jc, pc, ic) block with one gemm_f32 call: C[0:mc, 0:nc] (+)=
// A[0:mc, 0:kc] · the packed block (panel stride 8·kc, packB's layout), then ep when not nil.
func gemmMacro(mc, nc, kc int, a []float32, lda int, pack []float32, c []float32, ldc int, add bool, ep *Epilogue) {
	var flags int32
	if add {
		flags |= wasmFlagAcc
	}
	var bias, res unsafe.Pointer
	var ldres int32
	if ep != nil {
		if ep.Bias != nil {
			flags |= wasmFlagBias
			bias = unsafe.Pointer(&ep.Bias[0])
		}
		if ep.Residual != nil {
			flags |= wasmFlagResidual
			res, ldres = unsafe.Pointer(&ep.Residual[0]), int32(ep.LdResidual)
		}
		if ep.ReLU {
			flags |= wasmFlagReLU
		}
	}
	wasmGemmF32(unsafe.Pointer(&a[0]), int32(lda), unsafe.Pointer(&pack[0]), int32(kc*gemmNR),
		unsafe.Pointer(&c[0]), int32(ldc), int32(mc), int32(nc), int32(kc), flags, bias, res, ldres)
}

// packBlock packs B[0:kc, 0:nc] into 8-column panels (packB's layout) with pack_b_f32.
func packBlock(kc, nc int, b []float32, ldb int, pack []float32) {
	_ = pack[ceilDiv(nc, gemmNR)*gemmNR*kc-1] // the panels fit
	wasmPackBF32(unsafe.Pointer(&b[0]), int32(ldb), unsafe.Pointer(&pack[0]), int32(kc*gemmNR), int32(kc), int32(nc))
}

// packBlockI8 packs int8 B[0:kc, 0:nc] times its column scales into packB's panels with
// pack_b_i8 (dst = float32(q)·scale[j], one rounding, as packBI8).
func packBlockI8(kc, nc int, bq []int8, ldb int, scales []float32, pack []float32) {
	_ = pack[ceilDiv(nc, gemmNR)*gemmNR*kc-1] // the panels fit
	_ = scales[nc-1]
	_ = bq[(kc-1)*ldb+nc-1]
	wasmPackBI8(unsafe.Pointer(&bq[0]), int32(ldb), unsafe.Pointer(&scales[0]), unsafe.Pointer(&pack[0]), int32(kc*gemmNR), int32(kc), int32(nc))
}

// Im2colCacheFloats: in wasm a convolution's block of patches is kept to 128 Ki floats (512 KiB,
// a Zen 2 L2) where that leaves blocks of core/ops' minimum rows. im2col_f32 costs ~0.4× the Go
// loop here (conv1 7x7/2: 0.7 ms vs 1.7 ms; see wasm/gen/README.md).
const Im2colCacheFloats = 1 << 17

// im2colF32 gathers Im2colF32's rows with im2col_f32 (np > 0 and a non-empty row: checked).
func im2colF32(src []float32, h, w, c, kh, kw, stride, padTop, padLeft, ow int, dst []float32, p0, np int) {
	var s unsafe.Pointer
	if len(src) > 0 { // an empty image is all padding: the kernel then reads nothing
		s = unsafe.Pointer(&src[0])
	}
	wasmIm2colF32(s, int32(h), int32(w), int32(c), int32(kh), int32(kw), int32(stride), int32(padTop), int32(padLeft), int32(ow),
		unsafe.Pointer(&dst[0]), int32(p0), int32(np))
}

// maxPoolF32 reduces MaxPoolF32's windows with max_pool_f32 (checked: non-empty images, windows).
func maxPoolF32(src []float32, h, w, c, pool, stride, padTop, padLeft, oh, ow int, dst []float32) {
	wasmMaxPoolF32(unsafe.Pointer(&src[0]), int32(h), int32(w), int32(c), int32(pool), int32(stride), int32(padTop), int32(padLeft),
		int32(oh), int32(ow), unsafe.Pointer(&dst[0]))
}

// transposeF32 transposes with transpose_f32 (checked: non-empty, the matrices fit).
func transposeF32(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	wasmTransposeF32(unsafe.Pointer(&src[0]), int32(lds), unsafe.Pointer(&dst[0]), int32(ldd), int32(rows), int32(cols))
}

// col2imF32 adds Col2imF32's patch rows with col2im_f32 (checked: np > 0, non-empty image and rows).
func col2imF32(dst []float32, h, w, c, kh, kw, sh, sw, padTop, padLeft, ow int, src []float32, p0, np int) {
	wasmCol2imF32(unsafe.Pointer(&dst[0]), int32(h), int32(w), int32(c), int32(kh), int32(kw), int32(sh), int32(sw),
		int32(padTop), int32(padLeft), int32(ow), unsafe.Pointer(&src[0]), int32(p0), int32(np))
}

// reluMaskF32 masks with relu_mask_f32 (checked: equal, non-empty).
func reluMaskF32(dy, y []float32) {
	wasmReLUMaskF32(unsafe.Pointer(&dy[0]), unsafe.Pointer(&y[0]), int32(len(y)))
}

// colSumF64 sums with col_sum_f32 (checked: non-empty, the matrix and sums fit).
func colSumF64(m, n int, src []float32, lds int, sum []float64) {
	wasmColSumF32(unsafe.Pointer(&src[0]), int32(lds), int32(m), int32(n), unsafe.Pointer(&sum[0]))
}
