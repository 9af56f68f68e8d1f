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
	c4, kwc, kwc4, row4, d, drow := i32(), i32(), i32(), i32(), i32(), i32()

	// Nothing to do (and no division by zero) unless ow >= 1 and np >= 1.
	done := f.Block()
	f.LocalGet(ow).I32Const(1).Op(asm.I32LtS).BrIf(done)
	shl2(f, c4, c)
	f.LocalGet(kw).LocalGet(c).Op(asm.I32Mul).LocalSet(kwc)
	shl2(f, kwc4, kwc)
	f.LocalGet(kwc4).LocalGet(kh).Op(asm.I32Mul).LocalSet(row4)
	set(f, d, dst, 0)
	g.walkPatches(f, w, kh, kw, stride, stride, padt, padl, ow, p0, np, drow, d, kwc4, row4, func(r patchRow) {
		f.LocalGet(r.iy).LocalGet(h).Op(asm.I32LtU) // 0 <= iy < h
		inside := f.If()
		f.LocalGet(r.kx0).I32Const(0).Op(asm.I32GtS) // left padding (skip the call in the interior)
		ifThen(f, func() { f.LocalGet(drow).LocalGet(r.kx0).LocalGet(c).Op(asm.I32Mul).Call(g.zeroF32) })
		f.LocalGet(drow).LocalGet(r.kx0).LocalGet(c4).Op(asm.I32Mul).Op(asm.I32Add) // dst
		f.LocalGet(src).
			LocalGet(r.iy).LocalGet(w).Op(asm.I32Mul).LocalGet(r.ix0).Op(asm.I32Add).LocalGet(r.kx0).Op(asm.I32Add).
			LocalGet(c4).Op(asm.I32Mul).Op(asm.I32Add) // src
		f.LocalGet(r.kx1).LocalGet(r.kx0).Op(asm.I32Sub).LocalGet(c).Op(asm.I32Mul) // count
		f.Call(g.copyF32)
		f.LocalGet(r.kx1).LocalGet(kw).Op(asm.I32LtS) // right padding
		ifThen(f, func() {
			f.LocalGet(drow).LocalGet(r.kx1).LocalGet(c4).Op(asm.I32Mul).Op(asm.I32Add)
			f.LocalGet(kw).LocalGet(r.kx1).Op(asm.I32Sub).LocalGet(c).Op(asm.I32Mul).Call(g.zeroF32)
		})
		f.Else(inside)
		f.LocalGet(drow).LocalGet(kwc).Call(g.zeroF32)
		f.End(inside)
	})
	f.End(done)
}
