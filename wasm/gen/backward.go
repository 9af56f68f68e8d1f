// relu_mask_f32 and col_sum_f32: the two elementwise passes of a fine-tuned block's backward pass
// besides the convolution lowering (core/ops.ReLUBackward, and the bias gradient db = Σ_rows dY
// of Conv2DBackward). As Go compiled to wasm they cost ~3.5 and ~5.5 ns per element: ~30 and
// ~45 ms of a ~1.6 s fine-tuning step (core/finetune BenchmarkFineTuneStep, batch 32 through
// conv4_block6: three masks and three column sums over 6272 × 1536 floats).
package gen

import "github.com/graftml/graft/wasm/asm"

// reluMask emits relu_mask_f32(dy, y, n): dy[i] = 0 unless y[i] > 0 (NaN is not), for i < n.
// The vector steps AND dy with f32x4.gt(y, 0); the scalar tail selects between dy's bits and 0.
// Either way a kept dy is its bits and a masked one is +0, as the Go loop's dy[i] = 0.
func (g *generator) reluMask(f *asm.Func) {
	dy, y, n := f.Param(0), f.Param(1), f.Param(2)
	for _, step := range []int{16, 4, 1} {
		whileLoop(f, atLeast(f, n, step), func() {
			if step == 1 {
				f.LocalGet(dy)
				f.LocalGet(dy).Mem(asm.I32Load, f32Mem(0)).I32Const(0)
				f.LocalGet(y).Mem(asm.F32Load, f32Mem(0)).F32Const(0).Op(asm.F32Gt).Op(asm.Select)
				f.Mem(asm.I32Store, f32Mem(0))
			} else {
				for off := 0; off < 4*step; off += 16 {
					f.LocalGet(dy)
					f.LocalGet(dy).Mem(asm.V128Load, f32Mem(off))
					f.LocalGet(y).Mem(asm.V128Load, f32Mem(off)).F32x4Const(0, 0, 0, 0).Op(asm.F32x4Gt).Op(asm.V128And)
					f.Mem(asm.V128Store, f32Mem(off))
				}
			}
			inc(f, dy, 4*step)
			inc(f, y, 4*step)
			inc(f, n, -step)
		})
	}
}

// colSum emits col_sum_f32(src, lds, m, n, sum): sum[j] += float64(src[i*lds + j]) for i < m,
// j < n, with sum float64 (byte address sum + 8*j). Rows are added in order, each column on its
// own, so every sum gets the Go loop's terms in the Go loop's order; f64x2.add rounds as float64
// addition does, and the promotion from float32 is exact: the sums agree bit for bit. Per row,
// four columns at a time (one f32 load, two f64x2 promotions and adds), then one.
func (g *generator) colSum(f *asm.Func) {
	src, lds, m, n, sum := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4)
	i32 := func() asm.Local { return f.NewLocal(asm.I32) }
	lds4, i, j, s, d := i32(), i32(), i32(), i32(), i32()
	x, v := f.NewLocal(asm.V128), f.NewLocal(asm.V128)
	shl2(f, lds4, lds)
	// add2 emits sum[d + off] (two float64) += the f64x2 on the stack.
	add2 := func(off int) {
		f.LocalSet(v)
		f.LocalGet(d)
		f.LocalGet(d).Mem(asm.V128Load, asm.MemArg{Offset: uint32(off), Align: 3}).LocalGet(v).Op(asm.F64x2Add)
		f.Mem(asm.V128Store, asm.MemArg{Offset: uint32(off), Align: 3})
	}
	f.I32Const(0).LocalSet(i)
	whileLoop(f, less(f, i, m), func() {
		f.LocalGet(src).LocalGet(i).LocalGet(lds4).Op(asm.I32Mul).Op(asm.I32Add).LocalSet(s)
		set(f, d, sum, 0)
		f.LocalGet(n).LocalSet(j)
		whileLoop(f, atLeast(f, j, 4), func() {
			f.LocalGet(s).Mem(asm.V128Load, f32Mem(0)).LocalTee(x).Op(asm.F64x2PromoteLowF32x4)
			add2(0)
			f.LocalGet(x).LocalGet(x).I8x16Shuffle(f32Lanes(2, 3, 2, 3)).Op(asm.F64x2PromoteLowF32x4)
			add2(16)
			inc(f, s, 16)
			inc(f, d, 32)
			inc(f, j, -4)
		})
		whileLoop(f, atLeast(f, j, 1), func() {
			// one column: promote lane 0 (the other lanes are zero) and store sum's lane 0 back.
			f.LocalGet(d)
			f.LocalGet(d).Mem(asm.V128Load64Zero, asm.MemArg{Align: 3})
			f.LocalGet(s).Mem(asm.V128Load32Zero, f32Mem(0)).Op(asm.F64x2PromoteLowF32x4).Op(asm.F64x2Add)
			f.MemLane(asm.V128Store64Lane, asm.MemArg{Align: 3}, 0)
			inc(f, s, 4)
			inc(f, d, 8)
			inc(f, j, -1)
		})
		inc(f, i, 1)
	})
}
