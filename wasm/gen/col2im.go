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
	c4, kwc4, row4, s, srow := i32(), i32(), i32(), i32(), i32()

	// Nothing to do (and no division by zero) unless ow >= 1.
	done := f.Block()
	f.LocalGet(ow).I32Const(1).Op(asm.I32LtS).BrIf(done)
	shl2(f, c4, c)
	f.LocalGet(kw).LocalGet(c4).Op(asm.I32Mul).LocalSet(kwc4)
	f.LocalGet(kwc4).LocalGet(kh).Op(asm.I32Mul).LocalSet(row4)
	set(f, s, src, 0)
	g.walkPatches(f, w, kh, kw, sh, sw, padt, padl, ow, p0, np, srow, s, kwc4, row4, func(r patchRow) {
		f.LocalGet(r.iy).LocalGet(h).Op(asm.I32LtU) // 0 <= iy < h
		ifThen(f, func() {
			f.LocalGet(dst).
				LocalGet(r.iy).LocalGet(w).Op(asm.I32Mul).LocalGet(r.ix0).Op(asm.I32Add).LocalGet(r.kx0).Op(asm.I32Add).
				LocalGet(c4).Op(asm.I32Mul).Op(asm.I32Add) // dst
			f.LocalGet(srow).LocalGet(r.kx0).LocalGet(c4).Op(asm.I32Mul).Op(asm.I32Add) // src
			f.LocalGet(r.kx1).LocalGet(r.kx0).Op(asm.I32Sub).LocalGet(c).Op(asm.I32Mul) // count
			f.Call(g.addF32)
		})
	})
	f.End(done)
}
