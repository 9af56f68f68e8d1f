//go:build amd64 && !purego

// dispatch_amd64.go: the per-block GEMM steps on amd64. With AVX2 and FMA (detected once at
// start, golang.org/x/sys/cpu) they are the generated kernels of kernels_amd64.s
// (core/kernels/internal/x86gen): 6×16 register tiles swept over the 8-column panels of
// gemm_blocked.go's blocking, the epilogue fused into the tile's stores, and the int8 pack
// dequantizing 8 codes per instruction. Without AVX2 or FMA they are the Go twins, as with the
// purego tag (gemm_dispatch_go.go).
package kernels

import "golang.org/x/sys/cpu"

// hasAVX2 says whether the generated kernels run: AVX2 and FMA, with the OS saving ymm state
// (x/sys/cpu checks XGETBV).
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Engine names the code that runs gemmMacro: "avx2" (kernels_amd64.s) or "go" on a CPU without
// AVX2 and FMA; "go" with purego (gemm_dispatch_go.go), "wasm-simd" in dispatch_wasm.go.
var Engine = map[bool]string{true: "avx2", false: "go"}[hasAVX2]

// Epilogue flags of the generated tile kernels (x86gen's flagAcc …, gemm_f32's in wasm).
const (
	avx2FlagAcc      = 1
	avx2FlagBias     = 2
	avx2FlagResidual = 4
	avx2FlagReLU     = 8
)

// gemmMacro computes one (jc, pc, ic) block: C[0:mc, 0:nc] (+)= A[0:mc, 0:kc] · the packed block,
// then ep when not nil (the last K block).
func gemmMacro(mc, nc, kc int, a []float32, lda int, pack []float32, c []float32, ldc int, add bool, ep *Epilogue) {
	if !hasAVX2 {
		gemmMacroGo(mc, nc, kc, a, lda, pack, c, ldc, add, ep)
		return
	}
	gemmMacroAVX2(mc, nc, kc, a, lda, pack, c, ldc, add, ep)
}

// gemmMacroAVX2 is gemmMacroGo with the generated tiles: panels jr (16 columns, two 8-column
// panels, then 8 for an odd one) outer, 6-row tiles ir inner, the epilogue applied by each tile
// as it stores. The last panel, when nc is not a multiple of 8, is computed into a stack tile
// and added to C here, its epilogue then applied by applyEpilogue.
func gemmMacroAVX2(mc, nc, kc int, a []float32, lda int, pack []float32, c []float32, ldc int, add bool, ep *Epilogue) {
	_ = a[matrixLen(mc, kc, lda)-1]
	_ = pack[ceilDiv(nc, gemmNR)*gemmNR*kc-1]
	_ = c[matrixLen(mc, nc, ldc)-1]
	flags := 0
	if add {
		flags |= avx2FlagAcc
	}
	var bias, res []float32
	ldres := 0
	if ep != nil {
		if ep.Bias != nil {
			flags |= avx2FlagBias
			bias = ep.Bias[:nc]
		}
		if ep.Residual != nil {
			flags |= avx2FlagResidual
			res, ldres = ep.Residual[:matrixLen(mc, nc, ep.LdResidual)], ep.LdResidual
		}
		if ep.ReLU {
			flags |= avx2FlagReLU
		}
	}
	full := nc &^ (gemmNR - 1) // columns in whole 8-column panels
	for jr := 0; jr < full; jr += avx2NR {
		nr := min(avx2NR, full-jr)
		panel := &pack[jr*kc]
		var bj *float32
		if bias != nil {
			bj = &bias[jr]
		}
		for ir := 0; ir < mc; ir += avx2MR {
			mr := min(avx2MR, mc-ir)
			var rij *float32
			if res != nil {
				rij = &res[ir*ldres+jr]
			}
			gemmAVX2Tiles[mr-1][nr/8-1](&a[ir*lda], lda, panel, kc, &c[ir*ldc+jr], ldc, flags, bj, rij, ldres)
		}
	}
	if w := nc - full; w > 0 {
		var tile [avx2MR * gemmNR]float32
		panel := &pack[full*kc]
		for ir := 0; ir < mc; ir += avx2MR {
			mr := min(avx2MR, mc-ir)
			gemmAVX2Tiles[mr-1][0](&a[ir*lda], lda, panel, kc, &tile[0], gemmNR, 0, nil, nil, 0)
			for i := range mr {
				row, t := c[(ir+i)*ldc+full:(ir+i)*ldc+nc], tile[i*gemmNR:i*gemmNR+w]
				for j, v := range t {
					if add {
						row[j] += v
					} else {
						row[j] = v
					}
				}
			}
		}
		if ep != nil {
			applyEpilogue(mc, w, c[full:], ldc, ep.shift(0, full))
		}
	}
}

// packBlock packs B[0:kc, 0:nc] into 8-column panels (packB's layout).
func packBlock(kc, nc int, b []float32, ldb int, pack []float32) { packB(kc, nc, b, ldb, pack) }

// packBlockI8 packs int8 B[0:kc, 0:nc] times its column scales into packB's panels: the whole
// panels with packBI8AVX2 (bit for bit packBI8's: an exact conversion, one rounding), a last
// partial panel with packBI8.
func packBlockI8(kc, nc int, bq []int8, ldb int, scales []float32, pack []float32) {
	full := nc / gemmNR
	if !hasAVX2 || full == 0 {
		packBI8(kc, nc, bq, ldb, scales, pack)
		return
	}
	_ = bq[(kc-1)*ldb+full*gemmNR-1]
	_ = scales[full*gemmNR-1]
	_ = pack[full*gemmNR*kc-1]
	packBI8AVX2(&bq[0], ldb, &scales[0], &pack[0], kc, full)
	if done := full * gemmNR; done < nc {
		packBI8(kc, nc-done, bq[done:], ldb, scales[done:], pack[done*kc:])
	}
}
