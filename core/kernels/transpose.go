// transpose.go: out-of-place matrix transpose, dst[j][i] = src[i][j], row-major with leading
// dimensions (BLAS-style; the layout change of Goto & van de Geijn's packing, done once as a
// whole matrix). Conv2DBackward (core/ops) uses it to feed GemmF32 with Pᵀ and Wᵀ, since GemmF32
// takes no transpose flags. The wasm build runs the generated module's transpose_f32
// (dispatch_wasm.go: 4×4 blocks by i8x16.shuffle), natively and with -tags purego the tiled Go
// loop below runs (dispatch_go.go); both copy bits, so they agree exactly (figures in
// core/ops/conv2d_backward.go).
package kernels

import "fmt"

// transposeTile is the side of the square tiles TransposeF32 works in: 32×32 floats (4 KiB) of
// source and of destination stay in L1 while a tile is read by rows and written by columns.
const transposeTile = 32

// TransposeF32 writes dst [cols × rows] (leading dimension ldd) = srcᵀ for src [rows × cols]
// (leading dimension lds).
func TransposeF32(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	checkTransposeArgs("TransposeF32", rows, cols, len(src), lds, len(dst), ldd)
	if rows == 0 || cols == 0 {
		return
	}
	transposeF32(rows, cols, src, lds, dst, ldd)
}

// transposeF32Go is TransposeF32 in Go: 32×32 tiles so that both sides are walked through cache
// lines, each tile as 8×8 blocks with one bounds check per row (natively 2–5× the obvious loop;
// figures in transpose_test.go).
func transposeF32Go(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	for i0 := 0; i0 < rows; i0 += transposeTile {
		i1 := min(i0+transposeTile, rows)
		for j0 := 0; j0 < cols; j0 += transposeTile {
			j1 := min(j0+transposeTile, cols)
			for i := i0; i < i1; i += 8 {
				for j := j0; j < j1; j += 8 {
					if i+8 <= i1 && j+8 <= j1 {
						transpose8x8(src[i*lds+j:], lds, dst[j*ldd+i:], ldd)
						continue
					}
					for ii := i; ii < min(i+8, i1); ii++ { // ragged edge
						for jj := j; jj < min(j+8, j1); jj++ {
							dst[jj*ldd+ii] = src[ii*lds+jj]
						}
					}
				}
			}
		}
	}
}

// transpose8x8 writes dst[c][r] = src[r][c] for r, c < 8: the eight source rows are taken as
// array pointers once (one bounds check each), then each destination row is written from them.
func transpose8x8(src []float32, lds int, dst []float32, ldd int) {
	s0, s1 := (*[8]float32)(src[0*lds:]), (*[8]float32)(src[1*lds:])
	s2, s3 := (*[8]float32)(src[2*lds:]), (*[8]float32)(src[3*lds:])
	s4, s5 := (*[8]float32)(src[4*lds:]), (*[8]float32)(src[5*lds:])
	s6, s7 := (*[8]float32)(src[6*lds:]), (*[8]float32)(src[7*lds:])
	for c := range 8 {
		d := (*[8]float32)(dst[c*ldd:])
		d[0], d[1], d[2], d[3] = s0[c], s1[c], s2[c], s3[c]
		d[4], d[5], d[6], d[7] = s4[c], s5[c], s6[c], s7[c]
	}
}

// TransposeF32Ref is TransposeF32 as the two obvious loops.
func TransposeF32Ref(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	checkTransposeArgs("TransposeF32Ref", rows, cols, len(src), lds, len(dst), ldd)
	for i := range rows {
		for j := range cols {
			dst[j*ldd+i] = src[i*lds+j]
		}
	}
}

// checkTransposeArgs panics, naming the sizes, if the slices cannot hold the matrices.
func checkTransposeArgs(fn string, rows, cols, ls, lds, ld, ldd int) {
	ok := rows >= 0 && cols >= 0 && lds >= max(cols, 1) && ldd >= max(rows, 1) &&
		ls >= matrixLen(rows, cols, lds) && ld >= matrixLen(cols, rows, ldd)
	if !ok {
		panic(fmt.Sprintf("kernels.%s(rows=%d, cols=%d, lds=%d, ldd=%d): len(src)=%d len(dst)=%d inconsistent",
			fn, rows, cols, lds, ldd, ls, ld))
	}
}
