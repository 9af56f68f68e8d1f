// Packing of B into NR-wide panels (float32 and int8 with per-column scales) and plain int8
// dequantization. Panel layout (the one gemm_f32 reads, and core/kernels packB writes): panel q
// holds columns q*NR … q*NR+NR-1; its row p is NR consecutive floats at panel + 4*NR*p; columns past
// n are zero. int8 → float32 is float32(q) * scale[column] (symmetric per-output-channel
// quantization, weights/FORMAT.md), one rounding, the same as the Go twins.
package gen

import "github.com/graftml/graft/wasm/asm"

// packB emits pack_b_f32(src, ldb, dst, ldp, k, n).
func (g *generator) packB(f *asm.Func) {
	src, ldb, dst, ldp, k, n := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5)
	nr, nv := g.cfg.NR(), g.cfg.NV
	ldb4, ldp4, j, ncol, srcj, dstq, s, d, kk := f.NewLocal(asm.I32), f.NewLocal(asm.I32), f.NewLocal(asm.I32),
		f.NewLocal(asm.I32), f.NewLocal(asm.I32), f.NewLocal(asm.I32), f.NewLocal(asm.I32), f.NewLocal(asm.I32), f.NewLocal(asm.I32)
	cnt := make([]asm.Local, nv)
	for v := range cnt {
		cnt[v] = f.NewLocal(asm.I32)
	}
	shl2(f, ldb4, ldb)
	shl2(f, ldp4, ldp)
	set(f, srcj, src, 0)
	set(f, dstq, dst, 0)
	whileLoop(f, less(f, j, n), func() {
		f.LocalGet(n).LocalGet(j).Op(asm.I32Sub).LocalSet(ncol)
		set(f, s, srcj, 0)
		set(f, d, dstq, 0)
		set(f, kk, k, 0)
		rows := func(whole bool) {
			whileLoop(f, atLeast(f, kk, 1), func() {
				for v := 0; v < nv; v++ {
					f.LocalGet(d)
					if whole {
						f.LocalGet(s).Mem(asm.V128Load, f32Mem(16*v))
					} else {
						f.LocalGet(s).I32Const(int32(16 * v)).Op(asm.I32Add).LocalGet(cnt[v]).Call(g.loadLanes)
					}
					f.Mem(asm.V128Store, f32Mem(16*v))
				}
				incBy(f, s, ldb4)
				inc(f, d, 4*nr)
				inc(f, kk, -1)
			})
		}
		f.LocalGet(ncol).I32Const(int32(nr)).Op(asm.I32GeS)
		whole := f.If()
		rows(true)
		f.Else(whole)
		for v := range cnt {
			laneCount(f, cnt[v], ncol, 4*v)
		}
		rows(false)
		f.End(whole)
		inc(f, j, nr)
		inc(f, srcj, 4*nr)
		incBy(f, dstq, ldp4)
	})
}

// widenI8 pushes float32 vectors of int8 values: for a pair of vectors (8 bytes at ptr+off) it
// leaves the low four in lo and the high four in hi; for a single vector (4 bytes) only lo.
func widenI8(f *asm.Func, ptr asm.Local, off int, pair bool, w, lo, hi asm.Local) {
	if pair {
		f.LocalGet(ptr).Mem(asm.V128Load8x8S, byteMem(off)).LocalSet(w) // 8 × i16
		f.LocalGet(w).Op(asm.I32x4ExtendLowI16x8S).Op(asm.F32x4ConvertI32x4S).LocalSet(lo)
		f.LocalGet(w).Op(asm.I32x4ExtendHighI16x8S).Op(asm.F32x4ConvertI32x4S).LocalSet(hi)
		return
	}
	f.LocalGet(ptr).Mem(asm.V128Load32Zero, byteMem(off)).
		Op(asm.I16x8ExtendLowI8x16S).Op(asm.I32x4ExtendLowI16x8S).Op(asm.F32x4ConvertI32x4S).LocalSet(lo)
}

// packBI8 emits pack_b_i8(src, ldb, scale, dst, ldp, k, n).
func (g *generator) packBI8(f *asm.Func) {
	src, ldb, scale, dst, ldp, k, n := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5), f.Param(6)
	nr, nv := g.cfg.NR(), g.cfg.NV
	i32 := func() asm.Local { return f.NewLocal(asm.I32) }
	ldp4, j, ncol, srcj, dstq, scalej, s, d, kk := i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()
	w, lo, hi := f.NewLocal(asm.V128), f.NewLocal(asm.V128), f.NewLocal(asm.V128)
	sv := make([]asm.Local, nv)
	for v := range sv {
		sv[v] = f.NewLocal(asm.V128)
	}
	shl2(f, ldp4, ldp)
	set(f, srcj, src, 0)
	set(f, dstq, dst, 0)
	set(f, scalej, scale, 0)
	whileLoop(f, less(f, j, n), func() {
		f.LocalGet(n).LocalGet(j).Op(asm.I32Sub).LocalSet(ncol)
		set(f, s, srcj, 0)
		set(f, d, dstq, 0)
		set(f, kk, k, 0)
		f.LocalGet(ncol).I32Const(int32(nr)).Op(asm.I32GeS)
		whole := f.If()
		for v := 0; v < nv; v++ {
			f.LocalGet(scalej).Mem(asm.V128Load, f32Mem(16*v)).LocalSet(sv[v])
		}
		whileLoop(f, atLeast(f, kk, 1), func() {
			for v := 0; v < nv; v += 2 {
				pair := v+1 < nv
				widenI8(f, s, 4*v, pair, w, lo, hi)
				f.LocalGet(d).LocalGet(lo).LocalGet(sv[v]).Op(asm.F32x4Mul).Mem(asm.V128Store, f32Mem(16*v))
				if pair {
					f.LocalGet(d).LocalGet(hi).LocalGet(sv[v+1]).Op(asm.F32x4Mul).Mem(asm.V128Store, f32Mem(16*(v+1)))
				}
			}
			incBy(f, s, ldb)
			inc(f, d, 4*nr)
			inc(f, kk, -1)
		})
		f.Else(whole)
		// Last, partial panel: element by element, zeros past column n.
		whileLoop(f, atLeast(f, kk, 1), func() {
			for c := 0; c < nr; c++ {
				f.I32Const(int32(c)).LocalGet(ncol).Op(asm.I32LtS)
				in := f.If()
				f.LocalGet(d).LocalGet(s).Mem(asm.I32Load8S, byteMem(c)).Op(asm.F32ConvertI32S)
				f.LocalGet(scalej).Mem(asm.F32Load, f32Mem(4*c)).Op(asm.F32Mul).Mem(asm.F32Store, f32Mem(4*c))
				f.Else(in)
				f.LocalGet(d).F32Const(0).Mem(asm.F32Store, f32Mem(4*c))
				f.End(in)
			}
			incBy(f, s, ldb)
			inc(f, d, 4*nr)
			inc(f, kk, -1)
		})
		f.End(whole)
		inc(f, j, nr)
		inc(f, srcj, nr)
		inc(f, scalej, 4*nr)
		incBy(f, dstq, ldp4)
	})
}

// dequantI8 emits dequant_i8(src, lds, scale, dst, ldd, k, n).
func (g *generator) dequantI8(f *asm.Func) {
	src, lds, scale, dst, ldd, k, n := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5), f.Param(6)
	i32 := func() asm.Local { return f.NewLocal(asm.I32) }
	ldd4, srow, drow, kk, s, d, sc, cnt := i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()
	w, lo, hi := f.NewLocal(asm.V128), f.NewLocal(asm.V128), f.NewLocal(asm.V128)
	shl2(f, ldd4, ldd)
	set(f, srow, src, 0)
	set(f, drow, dst, 0)
	set(f, kk, k, 0)
	whileLoop(f, atLeast(f, kk, 1), func() {
		set(f, s, srow, 0)
		set(f, d, drow, 0)
		set(f, sc, scale, 0)
		set(f, cnt, n, 0)
		whileLoop(f, atLeast(f, cnt, 8), func() {
			widenI8(f, s, 0, true, w, lo, hi)
			f.LocalGet(d).LocalGet(lo).LocalGet(sc).Mem(asm.V128Load, f32Mem(0)).Op(asm.F32x4Mul).Mem(asm.V128Store, f32Mem(0))
			f.LocalGet(d).LocalGet(hi).LocalGet(sc).Mem(asm.V128Load, f32Mem(16)).Op(asm.F32x4Mul).Mem(asm.V128Store, f32Mem(16))
			inc(f, s, 8)
			inc(f, d, 32)
			inc(f, sc, 32)
			inc(f, cnt, -8)
		})
		whileLoop(f, atLeast(f, cnt, 1), func() {
			f.LocalGet(d).LocalGet(s).Mem(asm.I32Load8S, byteMem(0)).Op(asm.F32ConvertI32S)
			f.LocalGet(sc).Mem(asm.F32Load, f32Mem(0)).Op(asm.F32Mul).Mem(asm.F32Store, f32Mem(0))
			inc(f, s, 1)
			inc(f, d, 4)
			inc(f, sc, 4)
			inc(f, cnt, -1)
		})
		incBy(f, srow, lds)
		incBy(f, drow, ldd4)
		inc(f, kk, -1)
	})
}
