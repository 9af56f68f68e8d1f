//go:build purego || !(wasm || amd64)

// gemm_dispatch_go.go: the per-block GEMM steps in Go (gemm_blocked.go's gemmMacroGo, packB,
// packBI8), for builds with no generated kernels (arm64 and the rest) and for every build with
// the purego tag. amd64 dispatches in dispatch_amd64.go, wasm in dispatch_wasm.go.
package kernels

// Engine names the code that runs gemmMacro: "go" here, "avx2" or "go" in dispatch_amd64.go,
// "wasm-simd" in dispatch_wasm.go.
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
