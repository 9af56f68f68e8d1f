// transpose_f32: out-of-place matrix transpose, dst[j][i] = src[i][j] (BLAS-style leading
// dimensions), the layout change Conv2DBackward (core/ops) needs to feed gemm_f32 with Pᵀ and
// Wᵀ. As Go compiled to wasm it moved ~5 ns per float (core/kernels/transpose_test.go); here each
// 4×4 block is four v128 loads, the classic two-stage unpack (Intel's _MM_TRANSPOSE4_PS, as
// i8x16.shuffle: WebAssembly SIMD has no other lane interleave) and four v128 stores. Only bits
// move, so the result equals the Go twin's bit for bit, NaN payloads included.
package gen

import "github.com/graftml/graft/wasm/asm"

// The 4×4 blocks are walked in tiles of transposeTileRows × transposeTileCols: per tile, 256
// source rows are read 32 bytes at a time (the 256 lines stay in L1 for the next strip, which
// reads their other half) and 8 destination rows are written 64 bytes at a time. 8 rows, not
// more, because the destination stride is often a power of two (ldd = rows = 1024): 16 rows
// 4 KiB apart share an L1 set and evict each other. Node 20, 2 loaded vCPUs, ms (tile 256×8,
// 32-column strips without row tiles as first written, strips of 8 without row tiles):
// 1568×2304 1.4 / 3.6 / 3.2, 1024×1024 0.60 / 2.1 / 0.82, 1024×256 0.07 / 0.42 / 0.13,
// 455×2304 0.26 / 0.31 / 0.40.
const (
	transposeTileRows = 256
	transposeTileCols = 8
)

// f32Lanes returns the i8x16.shuffle lane bytes that pick float lanes (0–3 of the first operand,
// 4–7 of the second).
func f32Lanes(l0, l1, l2, l3 byte) [16]byte {
	var s [16]byte
	for i, l := range []byte{l0, l1, l2, l3} {
		for b := range byte(4) {
			s[4*i+int(b)] = 4*l + b
		}
	}
	return s
}

// transpose emits transpose_f32(src, lds, dst, ldd, rows, cols): dst[j*ldd + i] = src[i*lds + j]
// for i < rows, j < cols. Full 4×4 blocks in tiles, then the right edge (cols mod 4
// columns of the full row blocks) and the bottom edge (rows mod 4 rows) one float at a time
// (i32 loads and stores: bit copies).
func (g *generator) transpose(f *asm.Func) {
	src, lds, dst, ldd, rows, cols := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5)
	i32 := func() asm.Local { return f.NewLocal(asm.I32) }
	lds4, ldd4, rows4, cols4, it, iend, jt, jend, i, j, s, d := i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()
	r := [4]asm.Local{f.NewLocal(asm.V128), f.NewLocal(asm.V128), f.NewLocal(asm.V128), f.NewLocal(asm.V128)}
	t := [4]asm.Local{f.NewLocal(asm.V128), f.NewLocal(asm.V128), f.NewLocal(asm.V128), f.NewLocal(asm.V128)}
	shl2(f, lds4, lds)
	shl2(f, ldd4, ldd)
	f.LocalGet(rows).I32Const(-4).Op(asm.I32And).LocalSet(rows4)
	f.LocalGet(cols).I32Const(-4).Op(asm.I32And).LocalSet(cols4)

	// block: the 4×4 block at s (src rows i…i+3, columns j…j+3) to d (dst rows j…j+3).
	block := func() {
		for k := range 4 {
			f.LocalGet(s)
			for range k {
				f.LocalGet(lds4).Op(asm.I32Add)
			}
			f.Mem(asm.V128Load, f32Mem(0)).LocalSet(r[k])
		}
		// t0 = (r0[0] r1[0] r0[1] r1[1]), t1 = (r0[2] r1[2] r0[3] r1[3]), t2, t3 likewise of r2, r3.
		for k, rr := range [][2]int{{0, 1}, {0, 1}, {2, 3}, {2, 3}} {
			lo := byte(2 * (k % 2))
			f.LocalGet(r[rr[0]]).LocalGet(r[rr[1]]).I8x16Shuffle(f32Lanes(lo, 4+lo, lo+1, 5+lo)).LocalSet(t[k])
		}
		// column c of the block: (r0[c] r1[c] r2[c] r3[c]) = the halves of t[c/2] and t[c/2 + 2].
		for c := range 4 {
			f.LocalGet(d)
			for range c {
				f.LocalGet(ldd4).Op(asm.I32Add)
			}
			lo := byte(2 * (c % 2))
			f.LocalGet(t[c/2]).LocalGet(t[c/2+2]).I8x16Shuffle(f32Lanes(lo, lo+1, 4+lo, 5+lo)).Mem(asm.V128Store, f32Mem(0))
		}
	}
	// scalar copies src[i][j] to dst[j][i] for i in [i0, i1), j in [j0, j1) (locals).
	scalar := func(i0, i1, j0, j1 asm.Local) {
		set(f, i, i0, 0)
		whileLoop(f, less(f, i, i1), func() {
			set(f, j, j0, 0)
			whileLoop(f, less(f, j, j1), func() {
				f.LocalGet(dst).LocalGet(j).LocalGet(ldd).Op(asm.I32Mul).LocalGet(i).Op(asm.I32Add).I32Const(2).Op(asm.I32Shl).Op(asm.I32Add)
				f.LocalGet(src).LocalGet(i).LocalGet(lds).Op(asm.I32Mul).LocalGet(j).Op(asm.I32Add).I32Const(2).Op(asm.I32Shl).Op(asm.I32Add)
				f.Mem(asm.I32Load, f32Mem(0)).Mem(asm.I32Store, f32Mem(0))
				inc(f, j, 1)
			})
			inc(f, i, 1)
		})
	}

	f.I32Const(0).LocalSet(it)
	whileLoop(f, less(f, it, rows4), func() {
		set(f, iend, it, transposeTileRows)
		f.LocalGet(iend).LocalGet(rows4).LocalGet(iend).LocalGet(rows4).Op(asm.I32LtS).Op(asm.Select).LocalSet(iend)
		f.I32Const(0).LocalSet(jt)
		whileLoop(f, less(f, jt, cols4), func() {
			set(f, jend, jt, transposeTileCols)
			f.LocalGet(jend).LocalGet(cols4).LocalGet(jend).LocalGet(cols4).Op(asm.I32LtS).Op(asm.Select).LocalSet(jend)
			set(f, i, it, 0)
			whileLoop(f, less(f, i, iend), func() {
				// s = src + 4*(i*lds + jt), d = dst + 4*(jt*ldd + i)
				f.LocalGet(src).LocalGet(i).LocalGet(lds).Op(asm.I32Mul).LocalGet(jt).Op(asm.I32Add).I32Const(2).Op(asm.I32Shl).Op(asm.I32Add).LocalSet(s)
				f.LocalGet(dst).LocalGet(jt).LocalGet(ldd).Op(asm.I32Mul).LocalGet(i).Op(asm.I32Add).I32Const(2).Op(asm.I32Shl).Op(asm.I32Add).LocalSet(d)
				set(f, j, jt, 0)
				whileLoop(f, less(f, j, jend), func() {
					block()
					inc(f, s, 16)
					f.LocalGet(d).LocalGet(ldd4).I32Const(2).Op(asm.I32Shl).Op(asm.I32Add).LocalSet(d)
					inc(f, j, 4)
				})
				inc(f, i, 4)
			})
			set(f, jt, jend, 0)
		})
		set(f, it, iend, 0)
	})
	zero := i32()
	scalar(zero, rows4, cols4, cols) // right edge
	scalar(rows4, rows, zero, cols)  // bottom edge
}
