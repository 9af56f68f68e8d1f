// Package kernels is the bottom tier of Graft's float32 engine (kernels → ops → model): free functions over
// flat float32 slices with explicit sizes and leading dimensions. Nothing here knows about
// tensors, shapes or layers; core/ops turns convolutions and dense layers into these calls.
//
// Matrices are row-major with a leading dimension: element (i, j) of an m×n matrix X with leading
// dimension ldX is X[i*ldX + j], and ldX >= n, so a kernel can work on a view into a larger matrix.
//
// Every fast kernel has a slow obvious twin whose name sorts beside it and a test that they agree
// on awkward sizes:
//
//	GemmF32          / GemmF32Ref          C = A·B (+C)
//	GemmF32Fused     / GemmF32FusedRef     C = act(A·B (+C) + bias + residual)
//	GemmF32I8Fused   / GemmF32I8FusedRef   the same with B int8 codes × column scales (int8 weights)
//	BiasResidualReLU / BiasResidualReLURef the epilogue alone
//	Im2colF32        / Im2colF32Ref        NHWC patches of one image (the wasm build's gather)
//	MaxPoolF32       / MaxPoolF32Ref       max pooling of one NHWC image
//
// GemmF32 is the pure-Go twin of two generated kernel sets, under one blocking (Go-side K and N
// blocks, B packed into 8-column panels, gemm_blocked.go):
//
//   - amd64 with AVX2+FMA: 6×16 register tiles, the fused epilogue and the int8 pack in Go
//     assembly (kernels_amd64.s, written by internal/x86gen; dispatch_amd64.go calls them per
//     tile), and with AVX-512F 12×32 zmm tiles over the same panels (Engine "avx512";
//     GRAFT_KERNELS=avx2 keeps the AVX2 ones). Without AVX2 or FMA the Go steps run (Engine "go").
//   - GOARCH=wasm: each block's packing and jr/ir tile loops are one call into the SIMD128
//     module generated in wasm/ (dispatch_wasm.go, linked by wasm/js/loader.mjs).
//
// The purego tag keeps the Go steps in both (gemm_dispatch_go.go), as do other architectures.
// Engine says which was built; gemmPlan.twin forces the Go steps so the tests hold the generated
// kernels to them in one binary.
//
// Preconditions (sizes >= 0, leading dimensions >= row lengths, slices long enough) are
// programming errors, not input errors: ops validates shapes and returns errors, and a kernel
// called with inconsistent sizes panics with a message naming them, before writing anything.
// Kernels do not allocate per call beyond pooled packing buffers.
package kernels

//go:generate go run ./internal/x86gen
