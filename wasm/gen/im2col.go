// im2col_f32: the im2col gather of a convolution over one NHWC image, a block of output pixels at
// a time, so that the A panel of the GEMM stays small (a conv3x3 over 56×56×64 would otherwise
// need a 3136 × 576 matrix, 7 MB). Row p of the output is the receptive field of output pixel p in
// (ky, kx, ci) order — the order of a Keras HWIO kernel flattened to [kh*kw*cin][cout] — so the
// GEMM is dst[np × kh*kw*c] · W[kh*kw*c × cout]. Stride-2 1x1 convolutions use it with kh = kw = 1
// to gather their subsampled input. Padding is zeros ("same" padding: padt = padl = (k-1)/2 for
// stride 1; Keras' explicit ZeroPadding2D + "valid" for conv1: padt = padl = 3).
package gen

import "github.com/graftml/graft/wasm/asm"

// im2col emits im2col_f32(src, h, w, c, kh, kw, stride, padt, padl, ow, dst, p0, np).
func (g *generator) im2col(f *asm.Func) {
	src, h, w, c, kh, kw, stride, padt, padl, ow, dst, p0, np := f.Param(0), f.Param(1), f.Param(2),
		f.Param(3), f.Param(4), f.Param(5), f.Param(6), f.Param(7), f.Param(8), f.Param(9), f.Param(10),
		f.Param(11), f.Param(12)
	i32 := func() asm.Local { return f.NewLocal(asm.I32) }
	c4, kwc, kwc4, row4, oy, ox, d, left := i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()
	iy, ix0, kx0, kx1, ky, drow := i32(), i32(), i32(), i32(), i32(), i32()

	// Nothing to do (and no division by zero) unless ow >= 1 and np >= 1.
	done := f.Block()
	f.LocalGet(ow).I32Const(1).Op(asm.I32LtS).BrIf(done)
	shl2(f, c4, c)
	f.LocalGet(kw).LocalGet(c).Op(asm.I32Mul).LocalSet(kwc)
	shl2(f, kwc4, kwc)
	f.LocalGet(kwc4).LocalGet(kh).Op(asm.I32Mul).LocalSet(row4)
	f.LocalGet(p0).LocalGet(ow).Op(asm.I32DivS).LocalSet(oy)
	f.LocalGet(p0).LocalGet(oy).LocalGet(ow).Op(asm.I32Mul).Op(asm.I32Sub).LocalSet(ox)
	set(f, d, dst, 0)
	set(f, left, np, 0)
	// clamp emits x = min(max(x, lo), hi) for locals lo, hi.
	clamp := func(x, lo, hi asm.Local) {
		f.LocalGet(x).LocalGet(lo).LocalGet(x).LocalGet(lo).Op(asm.I32GtS).Op(asm.Select).LocalSet(x)
		f.LocalGet(x).LocalGet(hi).LocalGet(x).LocalGet(hi).Op(asm.I32LtS).Op(asm.Select).LocalSet(x)
	}
	zeroLocal := i32()
	whileLoop(f, atLeast(f, left, 1), func() {
		// Valid kx range [kx0, kx1): 0 <= ix0+kx < w, clamped into [0, kw].
		f.LocalGet(oy).LocalGet(stride).Op(asm.I32Mul).LocalGet(padt).Op(asm.I32Sub).LocalSet(iy)
		f.LocalGet(ox).LocalGet(stride).Op(asm.I32Mul).LocalGet(padl).Op(asm.I32Sub).LocalSet(ix0)
		f.I32Const(0).LocalGet(ix0).Op(asm.I32Sub).LocalSet(kx0)
		clamp(kx0, zeroLocal, kw)
		f.LocalGet(w).LocalGet(ix0).Op(asm.I32Sub).LocalSet(kx1)
		clamp(kx1, kx0, kw)
		set(f, drow, d, 0)
		f.I32Const(0).LocalSet(ky)
		whileLoop(f, less(f, ky, kh), func() {
			f.LocalGet(iy).LocalGet(h).Op(asm.I32LtU) // 0 <= iy < h
			inside := f.If()
			f.LocalGet(kx0).I32Const(0).Op(asm.I32GtS) // left padding (skip the call in the interior)
			ifThen(f, func() { f.LocalGet(drow).LocalGet(kx0).LocalGet(c).Op(asm.I32Mul).Call(g.zeroF32) })
			f.LocalGet(drow).LocalGet(kx0).LocalGet(c4).Op(asm.I32Mul).Op(asm.I32Add) // dst
			f.LocalGet(src).
				LocalGet(iy).LocalGet(w).Op(asm.I32Mul).LocalGet(ix0).Op(asm.I32Add).LocalGet(kx0).Op(asm.I32Add).
				LocalGet(c4).Op(asm.I32Mul).Op(asm.I32Add) // src
			f.LocalGet(kx1).LocalGet(kx0).Op(asm.I32Sub).LocalGet(c).Op(asm.I32Mul) // count
			f.Call(g.copyF32)
			f.LocalGet(kx1).LocalGet(kw).Op(asm.I32LtS) // right padding
			ifThen(f, func() {
				f.LocalGet(drow).LocalGet(kx1).LocalGet(c4).Op(asm.I32Mul).Op(asm.I32Add)
				f.LocalGet(kw).LocalGet(kx1).Op(asm.I32Sub).LocalGet(c).Op(asm.I32Mul).Call(g.zeroF32)
			})
			f.Else(inside)
			f.LocalGet(drow).LocalGet(kwc).Call(g.zeroF32)
			f.End(inside)
			incBy(f, drow, kwc4)
			inc(f, iy, 1)
			inc(f, ky, 1)
		})
		incBy(f, d, row4)
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
