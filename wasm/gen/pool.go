// max_pool_f32: Keras MaxPooling2D over one NHWC image (tf.keras.layers.MaxPooling2D; windows
// clipped to the image, so TensorFlow's 'same' padding ignores padded positions). ResNet50's
// pool1 (ZeroPadding2D(1) then a 3x3 stride-2 'valid' pool over 114×114×64) is ~1.8 M scalar
// comparisons: 8.4 ms of a ~180 ms forward pass as Go compiled to wasm, which has no SIMD
// (wasm/cmd/bench -profile). Here each window is reduced with f32x4.max, 16 channels at a time.
package gen

import "github.com/graftml/graft/wasm/asm"

// maxPool emits max_pool_f32(src, h, w, c, pool, stride, padt, padl, oh, ow, dst).
//
// For output pixel (oy, ox) the window is rows [max(oy*stride-padt, 0), min(oy*stride-padt+pool, h))
// and columns likewise; dst[(oy*ow+ox)*c + ci] is the f32 max (NaN propagating, max(-0, +0) = +0)
// of src[y][x][ci] over the window. Every window must hold a pixel (the Go caller checks).
func (g *generator) maxPool(f *asm.Func) {
	src, h, w, c, pool, stride, padt, padl, oh, ow, dst := f.Param(0), f.Param(1), f.Param(2), f.Param(3),
		f.Param(4), f.Param(5), f.Param(6), f.Param(7), f.Param(8), f.Param(9), f.Param(10)
	i32 := func() asm.Local { return f.NewLocal(asm.I32) }
	c4, row4, oy, ox, y0, y1, x0, x1, zero := i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()
	base, ci, py, px, y, x, d := i32(), i32(), i32(), i32(), i32(), i32(), i32()
	shl2(f, c4, c)
	f.LocalGet(w).LocalGet(c4).Op(asm.I32Mul).LocalSet(row4)
	set(f, d, dst, 0)

	// window emits lo = max(o*stride - pad, 0), hi = min(o*stride - pad + pool, size).
	window := func(lo, hi, o, pad, size asm.Local) {
		f.LocalGet(o).LocalGet(stride).Op(asm.I32Mul).LocalGet(pad).Op(asm.I32Sub).LocalSet(lo)
		f.LocalGet(lo).LocalGet(pool).Op(asm.I32Add).LocalSet(hi)
		f.LocalGet(lo).LocalGet(zero).LocalGet(lo).LocalGet(zero).Op(asm.I32GtS).Op(asm.Select).LocalSet(lo)
		f.LocalGet(hi).LocalGet(size).LocalGet(hi).LocalGet(size).Op(asm.I32LtS).Op(asm.Select).LocalSet(hi)
	}
	// reduce emits, for the channels at byte offset ci of every window pixel, nv vectors (or one
	// float when nv is 0) reduced with max and stored at d + ci.
	reduce := func(nv int) {
		load, maxOp, store, width := asm.V128Load, asm.F32x4Max, asm.V128Store, 16
		vt := asm.V128
		if nv == 0 {
			load, maxOp, store, width, vt, nv = asm.F32Load, asm.F32Max, asm.F32Store, 4, asm.F32, 1
		}
		acc := make([]asm.Local, nv)
		for i := range acc {
			acc[i] = f.NewLocal(vt)
			f.LocalGet(base).LocalGet(ci).Op(asm.I32Add).Mem(load, f32Mem(width*i)).LocalSet(acc[i])
		}
		f.LocalGet(base).LocalGet(ci).Op(asm.I32Add).LocalSet(py)
		set(f, y, y0, 0)
		whileLoop(f, less(f, y, y1), func() {
			set(f, px, py, 0)
			set(f, x, x0, 0)
			whileLoop(f, less(f, x, x1), func() {
				for i := range acc {
					f.LocalGet(acc[i]).LocalGet(px).Mem(load, f32Mem(width*i)).Op(maxOp).LocalSet(acc[i])
				}
				incBy(f, px, c4)
				inc(f, x, 1)
			})
			incBy(f, py, row4)
			inc(f, y, 1)
		})
		for i := range acc {
			f.LocalGet(d).LocalGet(ci).Op(asm.I32Add).LocalGet(acc[i]).Mem(store, f32Mem(width*i))
		}
		inc(f, ci, width*len(acc))
	}

	f.I32Const(0).LocalSet(oy)
	whileLoop(f, less(f, oy, oh), func() {
		window(y0, y1, oy, padt, h)
		f.I32Const(0).LocalSet(ox)
		whileLoop(f, less(f, ox, ow), func() {
			window(x0, x1, ox, padl, w)
			// base: the window's first pixel, channel 0.
			f.LocalGet(src).LocalGet(y0).LocalGet(row4).Op(asm.I32Mul).Op(asm.I32Add).
				LocalGet(x0).LocalGet(c4).Op(asm.I32Mul).Op(asm.I32Add).LocalSet(base)
			f.I32Const(0).LocalSet(ci)
			for _, nv := range []int{4, 1, 0} { // 16 channels, then 4, then one at a time
				step := 16 * nv
				if nv == 0 {
					step = 4
				}
				whileLoop(f, func() { f.LocalGet(ci).I32Const(int32(step)).Op(asm.I32Add).LocalGet(c4).Op(asm.I32LeS) },
					func() { reduce(nv) })
			}
			incBy(f, d, c4)
			inc(f, ox, 1)
		})
		inc(f, oy, 1)
	})
}
