// gemm_blocked.go: one region of C = A·B on one goroutine, blocked for the cache in the manner of
// Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication" (ACM TOMS 34(3), 2008)
// and BLIS: B is cut into K×N blocks and packed into 8-column panels; the 4×8 micro-kernel then
// sweeps each panel down the rows of A. A is read in place (its rows are already contiguous in
// NHWC/im2col layouts). The wasm SIMD128 build keeps the K/N/M blocking and packing here and swaps
// the macro-kernel (the jr/ir loops) for one call into the generated module per block.
package kernels

const (
	gemmMR = 4   // micro-tile rows (A rows per micro-kernel call)
	gemmNR = 8   // micro-tile columns = packed panel width (two f32x4 vectors in wasm)
	gemmKC = 256 // K block: one packed panel is gemmKC×gemmNR floats = 8 KiB, resident in L1
	gemmNC = 256 // N block: one packed block is gemmKC×gemmNC floats = 256 KiB, resident in L2
	gemmMC = 60  // rows of A swept per panel (a multiple of both wasm tile heights, 4 and 5): 60 KiB of A, in L2
)

// gemmMacro, packBlock and packBlockI8 are the per-block steps: gemmMacroGo, packB and packBI8
// natively and with the purego tag (dispatch_go.go), the generated SIMD128 kernels in the wasm
// build (dispatch_wasm.go).

// gemmBlocked computes C = A·B (+C if accumulate) then the epilogue, for row-major A [m×k],
// B [k×n] (float32, or int8 codes with column scales: gemmB), C [m×n]. pack is scratch of at
// least gemmKC*gemmNC floats; twin runs the per-block steps' Go twins. Loop nest, outer to inner:
//
//	jc: N blocks of gemmNC columns
//	  pc: K blocks of gemmKC        — pack B[pc:pc+kc, jc:jc+nc] into panels of gemmNR columns
//	                                  (int8 B: dequantized on the way, float32(q)·scale[j])
//	    ic: row blocks of gemmMC     — A[ic:ic+mc, pc:pc+kc] stays in L2 across the panels
//	      jr: panels                 — one kc×8 panel stays in L1 across the row tiles
//	        ir: row tiles of gemmMR  — micro-kernel: C[ir:ir+4, jr:jr+8] (+)= A tile · panel
//
// After the last K block of a row block, the epilogue runs on that block while it is hot.
func gemmBlocked(m, n, k int, a []float32, lda int, b gemmB, c []float32, ldc int, accumulate bool, ep Epilogue, pack []float32, twin bool) {
	if k == 0 {
		if !accumulate {
			for i := range m {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		applyEpilogue(m, n, c, ldc, ep)
		return
	}
	for jc := 0; jc < n; jc += gemmNC {
		nc := min(gemmNC, n-jc)
		for pc := 0; pc < k; pc += gemmKC {
			kc := min(gemmKC, k-pc)
			b.packBlock(pc, jc, kc, nc, pack, twin)
			add := accumulate || pc > 0
			last := pc+kc == k
			for ic := 0; ic < m; ic += gemmMC {
				mc := min(gemmMC, m-ic)
				var blockEp *Epilogue // the epilogue runs with the last K block, while C is hot
				if last {
					e := ep.shift(ic, jc)
					blockEp = &e
				}
				if twin {
					gemmMacroGo(mc, nc, kc, a[ic*lda+pc:], lda, pack, c[ic*ldc+jc:], ldc, add, blockEp)
				} else {
					gemmMacro(mc, nc, kc, a[ic*lda+pc:], lda, pack, c[ic*ldc+jc:], ldc, add, blockEp)
				}
			}
		}
	}
}

// gemmMacroGo is the macro-kernel in Go: C[0:mc, 0:nc] (+)= A[0:mc, 0:kc] · the packed block,
// jr over panels, ir over 4-row tiles (see gemmBlocked), then ep if not nil. The wasm SIMD128
// build replaces the two loops by one gemm_f32 call (dispatch_wasm.go); the dispatch is gemmMacro.
func gemmMacroGo(mc, nc, kc int, a []float32, lda int, pack []float32, c []float32, ldc int, add bool, ep *Epilogue) {
	for jr := 0; jr < nc; jr += gemmNR {
		nr := min(gemmNR, nc-jr)
		panel := pack[jr*kc : (jr+gemmNR)*kc]
		for ir := 0; ir < mc; ir += gemmMR {
			gemmMicro4x8(min(gemmMR, mc-ir), nr, kc, a[ir*lda:], lda, panel, c[ir*ldc+jr:], ldc, add)
		}
	}
	if ep != nil {
		applyEpilogue(mc, nc, c, ldc, *ep)
	}
}

// packB copies B[0:kc, 0:nc] (leading dimension ldb) into panels of gemmNR columns:
// panel q holds B[p][q*8+j] at pack[q*kc*8 + p*8 + j], zero-filled past column nc, so the
// micro-kernel always reads whole 8-wide rows.
func packB(kc, nc int, b []float32, ldb int, pack []float32) {
	for j0 := 0; j0 < nc; j0 += gemmNR {
		dst := pack[j0*kc : (j0+gemmNR)*kc]
		if w := nc - j0; w < gemmNR {
			for p := range kc {
				d := dst[p*gemmNR : (p+1)*gemmNR]
				copy(d, b[p*ldb+j0:p*ldb+j0+w])
				clear(d[w:])
			}
			continue
		}
		for p := range kc {
			*(*[gemmNR]float32)(dst[p*gemmNR:]) = *(*[gemmNR]float32)(b[p*ldb+j0:])
		}
	}
}

// packBI8 is packB for int8 B with column scales: panel q holds float32(bq[p][q*8+j])·scales[q*8+j]
// (one rounding, as pack_b_i8 in the wasm module), zero past column nc. Whole panels go through
// fixed-size arrays, so the compiler drops the bounds checks (the purego wasm build runs this).
func packBI8(kc, nc int, bq []int8, ldb int, scales []float32, pack []float32) {
	for j0 := 0; j0 < nc; j0 += gemmNR {
		dst := pack[j0*kc : (j0+gemmNR)*kc]
		if w := nc - j0; w < gemmNR {
			s := scales[j0 : j0+w]
			for p := range kc {
				d, q := dst[p*gemmNR:(p+1)*gemmNR], bq[p*ldb+j0:p*ldb+j0+w]
				for j, v := range q {
					d[j] = float32(v) * s[j]
				}
				clear(d[w:])
			}
			continue
		}
		s := (*[gemmNR]float32)(scales[j0:])
		for p := range kc {
			q, d := (*[gemmNR]int8)(bq[p*ldb+j0:]), (*[gemmNR]float32)(dst[p*gemmNR:])
			d[0], d[1], d[2], d[3] = float32(q[0])*s[0], float32(q[1])*s[1], float32(q[2])*s[2], float32(q[3])*s[3]
			d[4], d[5], d[6], d[7] = float32(q[4])*s[4], float32(q[5])*s[5], float32(q[6])*s[6], float32(q[7])*s[7]
		}
	}
}

func applyEpilogue(m, n int, c []float32, ldc int, ep Epilogue) {
	if ep.isIdentity() {
		return
	}
	BiasResidualReLU(m, n, c, ldc, ep.Bias, ep.Residual, ep.LdResidual, ep.ReLU)
}
