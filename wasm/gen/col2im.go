// col2im_f32: the adjoint of im2col_f32 (im2col.go), the last step of a convolution's input
// gradient dx = col2im(dY·Wᵀ) in Conv2DBackward (core/ops): patch rows scattered back into an
// NHWC image by addition, entries that came from zero padding dropped (Caffe's col2im, for NHWC
// and separate row/column strides). As Go compiled to wasm it was a scalar loop over
// rows·kh·kw·c floats; here each kernel row's valid run of (kx1−kx0)·c floats is one add_f32 call
// (16, then 4 floats with f32x4.add, then one).
//
// Summation order: patch rows are added in order p0, p0+1, …, and within one row no two entries
// reach the same pixel ((ky, kx) ↦ (iy0+ky, ix0+kx) is one-to-one), so every element of dst gets
// its additions in the order of the Go twin (core/kernels.Col2imF32, wasm/kernels
// Col2imF32Ref); lanes of f32x4.add round as f32.add does, so the results agree bit for bit.
package gen

import "github.com/graftml/graft/wasm/asm"

// col2im emits col2im_f32(dst, h, w, c, kh, kw, sh, sw, padt, padl, ow, src, p0, np):
// dst[oy*sh-padt+ky][ox*sw-padl+kx][ci] += src[p-p0][(ky*kw+kx)*c + ci] for p0 ≤ p < p0+np
// (oy = p/ow, ox = p%ow) and every position inside the image.
func (g *generator) col2im(f *asm.Func) {
	dst, h, w, c, kh, kw, sh, sw, padt, padl, ow, src, p0, np := f.Param(0), f.Param(1), f.Param(2),
		f.Param(3), f.Param(4), f.Param(5), f.Param(6), f.Param(7), f.Param(8), f.Param(9), f.Param(10),
		f.Param(11), f.Param(12), f.Param(13)
	i32 := func() asm.Local { return f.NewLocal(asm.I32) }
	c4, kwc4, row4, oy, ox, s, left := i32(), i32(), i32(), i32(), i32(), i32(), i32()
	iy, ix0, kx0, kx1, ky, srow, zero := i32(), i32(), i32(), i32(), i32(), i32(), i32()

	// Nothing to do (and no division by zero) unless ow >= 1.
	done := f.Block()
	f.LocalGet(ow).I32Const(1).Op(asm.I32LtS).BrIf(done)
	shl2(f, c4, c)
	f.LocalGet(kw).LocalGet(c4).Op(asm.I32Mul).LocalSet(kwc4)
	f.LocalGet(kwc4).LocalGet(kh).Op(asm.I32Mul).LocalSet(row4)
	f.LocalGet(p0).LocalGet(ow).Op(asm.I32DivS).LocalSet(oy)
	f.LocalGet(p0).LocalGet(oy).LocalGet(ow).Op(asm.I32Mul).Op(asm.I32Sub).LocalSet(ox)
	set(f, s, src, 0)
	set(f, left, np, 0)
	// clamp emits x = min(max(x, lo), hi) for locals lo, hi.
	clamp := func(x, lo, hi asm.Local) {
		f.LocalGet(x).LocalGet(lo).LocalGet(x).LocalGet(lo).Op(asm.I32GtS).Op(asm.Select).LocalSet(x)
		f.LocalGet(x).LocalGet(hi).LocalGet(x).LocalGet(hi).Op(asm.I32LtS).Op(asm.Select).LocalSet(x)
	}
	whileLoop(f, atLeast(f, left, 1), func() {
		// Valid kx range [kx0, kx1): 0 <= ix0+kx < w, clamped into [0, kw].
		f.LocalGet(oy).LocalGet(sh).Op(asm.I32Mul).LocalGet(padt).Op(asm.I32Sub).LocalSet(iy)
		f.LocalGet(ox).LocalGet(sw).Op(asm.I32Mul).LocalGet(padl).Op(asm.I32Sub).LocalSet(ix0)
		f.I32Const(0).LocalGet(ix0).Op(asm.I32Sub).LocalSet(kx0)
		clamp(kx0, zero, kw)
		f.LocalGet(w).LocalGet(ix0).Op(asm.I32Sub).LocalSet(kx1)
		clamp(kx1, kx0, kw)
		set(f, srow, s, 0)
		f.I32Const(0).LocalSet(ky)
		whileLoop(f, less(f, ky, kh), func() {
			f.LocalGet(iy).LocalGet(h).Op(asm.I32LtU) // 0 <= iy < h
			ifThen(f, func() {
				f.LocalGet(dst).
					LocalGet(iy).LocalGet(w).Op(asm.I32Mul).LocalGet(ix0).Op(asm.I32Add).LocalGet(kx0).Op(asm.I32Add).
					LocalGet(c4).Op(asm.I32Mul).Op(asm.I32Add) // dst
				f.LocalGet(srow).LocalGet(kx0).LocalGet(c4).Op(asm.I32Mul).Op(asm.I32Add) // src
				f.LocalGet(kx1).LocalGet(kx0).Op(asm.I32Sub).LocalGet(c).Op(asm.I32Mul)   // count
				f.Call(g.addF32)
			})
			incBy(f, srow, kwc4)
			inc(f, iy, 1)
			inc(f, ky, 1)
		})
		incBy(f, s, row4)
		inc(f, ox, 1)
		f.LocalGet(ox).LocalGet(ow).Op(asm.I32GeS)
		ifThen(f, func() {
			f.I32Const(0).LocalSet(ox)
			inc(f, oy, 1)
		})
		inc(f, left, -1)
	})
	f.End(done)
}
