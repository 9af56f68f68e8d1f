//go:build amd64 && !purego

// dispatch_amd64.go: the per-block GEMM steps on amd64. With AVX2 and FMA (detected once at
// start, golang.org/x/sys/cpu) they are the generated kernels of kernels_amd64.s
// (core/kernels/internal/x86gen): 6×16 register tiles swept over the 8-column panels of
// gemm_blocked.go's blocking, or with AVX-512F 12×32 zmm tiles over the same panels, the
// epilogue fused into the tile's stores, and the int8 pack dequantizing 8 codes per
// instruction. Without AVX2 or FMA they are the Go twins, as with the purego tag
// (gemm_dispatch_go.go).
package kernels

import (
	"os"

	"golang.org/x/sys/cpu"
)

// hasAVX2 says whether the generated kernels run: AVX2 and FMA, with the OS saving ymm state
// (x/sys/cpu checks XGETBV).
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// hasAVX512 says whether gemmMacro runs the AVX-512 tiles: AVX512F with the OS saving zmm and
// opmask state (x/sys/cpu checks XGETBV), besides AVX2. GRAFT_KERNELS=avx2 in the environment
// keeps the AVX2 tiles (to compare the two on one machine).
var hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F && os.Getenv("GRAFT_KERNELS") != "avx2"

// Engine names the code that runs gemmMacro: "avx512" or "avx2" (kernels_amd64.s), or "go" on
// a CPU without AVX2 and FMA; "go" with purego (gemm_dispatch_go.go), "wasm-simd" in
// dispatch_wasm.go.
var Engine = engineName(hasAVX2, hasAVX512)

func engineName(avx2, avx512 bool) string {
	switch {
	case avx512:
		return "avx512"
	case avx2:
		return "avx2"
	}
	return "go"
}

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
	switch {
	case hasAVX512:
		gemmMacroAVX512(mc, nc, kc, a, lda, pack, c, ldc, add, ep)
	case hasAVX2:
		gemmMacroAVX2(mc, nc, kc, a, lda, pack, c, ldc, add, ep)
	default:
		gemmMacroGo(mc, nc, kc, a, lda, pack, c, ldc, add, ep)
	}
}

// tileFlags are the generated tiles' flags and epilogue operands for ep (nil: none).
func tileFlags(mc, nc int, add bool, ep *Epilogue) (flags int, bias, res []float32, ldres int) {
	if add {
		flags |= avx2FlagAcc
	}
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
	return flags, bias, res, ldres
}

// gemmMacroAVX2 is gemmMacroGo with the generated tiles: panels jr (16 columns, two 8-column
// panels, then 8 for an odd one) outer, 6-row tiles ir inner, the epilogue applied by each tile
// as it stores. The last panel, when nc is not a multiple of 8, is computed into a stack tile
// and added to C here, its epilogue then applied by applyEpilogue.
func gemmMacroAVX2(mc, nc, kc int, a []float32, lda int, pack []float32, c []float32, ldc int, add bool, ep *Epilogue) {
	_ = a[matrixLen(mc, kc, lda)-1]
	_ = pack[ceilDiv(nc, gemmNR)*gemmNR*kc-1]
	_ = c[matrixLen(mc, nc, ldc)-1]
	flags, bias, res, ldres := tileFlags(mc, nc, add, ep)
	full := nc &^ (gemmNR - 1) // columns in whole 8-column panels
	gemmPanelsAVX2(mc, 0, full, kc, a, lda, pack, c, ldc, flags, bias, res, ldres)
	gemmLastPanelAVX2(mc, nc, kc, a, lda, pack, c, ldc, add, ep)
}

// gemmPanelsAVX2 runs the AVX2 tiles on the whole panels of columns [j0, j1) (multiples of 8).
func gemmPanelsAVX2(mc, j0, j1, kc int, a []float32, lda int, pack []float32, c []float32, ldc int, flags int, bias, res []float32, ldres int) {
	for jr := j0; jr < j1; jr += avx2NR {
		nr := min(avx2NR, j1-jr)
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
}

// gemmLastPanelAVX2 computes the last panel, when nc is not a multiple of 8, into a stack tile
// and adds it to C, its epilogue then applied by applyEpilogue.
func gemmLastPanelAVX2(mc, nc, kc int, a []float32, lda int, pack []float32, c []float32, ldc int, add bool, ep *Epilogue) {
	full := nc &^ (gemmNR - 1)
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

// gemmMacroAVX512 is gemmMacroAVX2 with the AVX-512 tiles: 32 columns (four panels) at a
// time, then 16, in rows split into tiles of at most 12 of near-equal height (49 rows are
// 10+10+10+10+9, not 12+12+12+12+1); a last whole panel by the AVX2 tiles, a partial one as
// there.
func gemmMacroAVX512(mc, nc, kc int, a []float32, lda int, pack []float32, c []float32, ldc int, add bool, ep *Epilogue) {
	_ = a[matrixLen(mc, kc, lda)-1]
	_ = pack[ceilDiv(nc, gemmNR)*gemmNR*kc-1]
	_ = c[matrixLen(mc, nc, ldc)-1]
	flags, bias, res, ldres := tileFlags(mc, nc, add, ep)
	full := nc &^ (gemmNR - 1)
	tiles := ceilDiv(mc, avx512MR)
	jr := 0
	for ; jr+16 <= full; jr += avx512NR {
		nr := min(avx512NR, (full-jr)&^15)
		panel := &pack[jr*kc]
		var bj *float32
		if bias != nil {
			bj = &bias[jr]
		}
		for t, ir := 0, 0; t < tiles; t++ {
			mr := mc / tiles
			if t < mc%tiles {
				mr++
			}
			var rij *float32
			if res != nil {
				rij = &res[ir*ldres+jr]
			}
			gemmAVX512Tiles[mr-1][nr/16-1](&a[ir*lda], lda, panel, kc, &c[ir*ldc+jr], ldc, flags, bj, rij, ldres)
			ir += mr
		}
		if nr == 16 {
			jr += 16
			break
		}
	}
	gemmPanelsAVX2(mc, jr, full, kc, a, lda, pack, c, ldc, flags, bias, res, ldres)
	gemmLastPanelAVX2(mc, nc, kc, a, lda, pack, c, ldc, add, ep)
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
