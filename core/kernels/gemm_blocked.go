// gemm_blocked.go: one region of C = A·B on one goroutine, blocked for the cache in the manner of
// Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication" (ACM TOMS 34(3), 2008)
// and BLIS: B is cut into K×N blocks and packed into 8-column panels; the 4×8 micro-kernel then
// sweeps each panel down the rows of A. A is read in place (its rows are already contiguous in
// NHWC/im2col layouts). The wasm SIMD128 build keeps this loop nest and swaps the micro-kernel.
package kernels

const (
	gemmMR = 4   // micro-tile rows (A rows per micro-kernel call)
	gemmNR = 8   // micro-tile columns = packed panel width (two f32x4 vectors in wasm)
	gemmKC = 256 // K block: one packed panel is gemmKC×gemmNR floats = 8 KiB, resident in L1
	gemmNC = 256 // N block: one packed block is gemmKC×gemmNC floats = 256 KiB, resident in L2
	gemmMC = 64  // rows of A swept per panel: 64 rows × gemmKC = 64 KiB of A, resident in L2
)

// gemmBlocked computes C = A·B (+C if accumulate) then the epilogue, for row-major A [m×k],
// B [k×n], C [m×n]. pack is scratch of at least gemmKC*gemmNC floats. Loop nest, outer to inner:
//
//	jc: N blocks of gemmNC columns
//	  pc: K blocks of gemmKC        — pack B[pc:pc+kc, jc:jc+nc] into panels of gemmNR columns
//	    ic: row blocks of gemmMC     — A[ic:ic+mc, pc:pc+kc] stays in L2 across the panels
//	      jr: panels                 — one kc×8 panel stays in L1 across the row tiles
//	        ir: row tiles of gemmMR  — micro-kernel: C[ir:ir+4, jr:jr+8] (+)= A tile · panel
//
// After the last K block of a row block, the epilogue runs on that block while it is hot.
func gemmBlocked(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool, ep Epilogue, pack []float32) {
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
			packB(kc, nc, b[pc*ldb+jc:], ldb, pack)
			add := accumulate || pc > 0
			last := pc+kc == k
			for ic := 0; ic < m; ic += gemmMC {
				mc := min(gemmMC, m-ic)
				for jr := 0; jr < nc; jr += gemmNR {
					nr := min(gemmNR, nc-jr)
					panel := pack[jr*kc : (jr+gemmNR)*kc]
					for ir := 0; ir < mc; ir += gemmMR {
						row := ic + ir
						gemmMicro4x8(min(gemmMR, mc-ir), nr, kc, a[row*lda+pc:], lda, panel, c[row*ldc+jc+jr:], ldc, add)
					}
				}
				if last {
					applyEpilogue(mc, nc, c[ic*ldc+jc:], ldc, ep.shift(ic, jc))
				}
			}
		}
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

func applyEpilogue(m, n int, c []float32, ldc int, ep Epilogue) {
	if ep.isIdentity() {
		return
	}
	BiasResidualReLU(m, n, c, ldc, ep.Bias, ep.Residual, ep.LdResidual, ep.ReLU)
}
