// patches.go: the walk over output pixels that im2col_f32 (im2col.go) and its adjoint
// col2im_f32 (col2im.go) share. For output pixels p0 ≤ p < p0+np of an output ow pixels wide
// (oy = p / ow, ox = p % ow) it finds the receptive field's first input row iy = oy·sh − padt and
// the kernel columns [kx0, kx1) whose input column ix0 + kx = ox·sw − padl + kx lies inside the
// image (0 ≤ ix0+kx < w, clamped into [0, kw]), then visits the kernel rows ky = 0 … kh−1 with iy
// advancing; the caller's body moves the floats of one kernel row (it tests 0 ≤ iy < h itself:
// im2col zero-fills rows outside, col2im drops them).
package gen

import "github.com/graftml/graft/wasm/asm"

// patchRow is what a kernel-row body of walkPatches sees.
type patchRow struct {
	iy, ix0, kx0, kx1 asm.Local // input row, input column of kx = 0, valid kernel columns [kx0, kx1)
}

// walkPatches emits the pixel loop. rowPtr is the caller's pointer into the current patch row
// (set to patchPtr at each pixel, advanced by kwc4 bytes after each kernel row); patchPtr advances
// by row4 bytes after each pixel. ow ≥ 1 must hold (the caller branches out before otherwise).
func (g *generator) walkPatches(f *asm.Func, w, kh, kw, sh, sw, padt, padl, ow, p0, np, rowPtr, patchPtr, kwc4, row4 asm.Local, row func(r patchRow)) {
	i32 := func() asm.Local { return f.NewLocal(asm.I32) }
	oy, ox, left, ky, zero := i32(), i32(), i32(), i32(), i32()
	r := patchRow{iy: i32(), ix0: i32(), kx0: i32(), kx1: i32()}
	f.LocalGet(p0).LocalGet(ow).Op(asm.I32DivS).LocalSet(oy)
	f.LocalGet(p0).LocalGet(oy).LocalGet(ow).Op(asm.I32Mul).Op(asm.I32Sub).LocalSet(ox)
	set(f, left, np, 0)
	// clamp emits x = min(max(x, lo), hi) for locals lo, hi.
	clamp := func(x, lo, hi asm.Local) {
		f.LocalGet(x).LocalGet(lo).LocalGet(x).LocalGet(lo).Op(asm.I32GtS).Op(asm.Select).LocalSet(x)
		f.LocalGet(x).LocalGet(hi).LocalGet(x).LocalGet(hi).Op(asm.I32LtS).Op(asm.Select).LocalSet(x)
	}
	whileLoop(f, atLeast(f, left, 1), func() {
		f.LocalGet(oy).LocalGet(sh).Op(asm.I32Mul).LocalGet(padt).Op(asm.I32Sub).LocalSet(r.iy)
		f.LocalGet(ox).LocalGet(sw).Op(asm.I32Mul).LocalGet(padl).Op(asm.I32Sub).LocalSet(r.ix0)
		f.I32Const(0).LocalGet(r.ix0).Op(asm.I32Sub).LocalSet(r.kx0)
		clamp(r.kx0, zero, kw)
		f.LocalGet(w).LocalGet(r.ix0).Op(asm.I32Sub).LocalSet(r.kx1)
		clamp(r.kx1, r.kx0, kw)
		set(f, rowPtr, patchPtr, 0)
		f.I32Const(0).LocalSet(ky)
		whileLoop(f, less(f, ky, kh), func() {
			row(r)
			incBy(f, rowPtr, kwc4)
			inc(f, r.iy, 1)
			inc(f, ky, 1)
		})
		incBy(f, patchPtr, row4)
		inc(f, ox, 1)
		f.LocalGet(ox).LocalGet(ow).Op(asm.I32GeS)
		ifThen(f, func() {
			f.I32Const(0).LocalSet(ox)
			inc(f, oy, 1)
		})
		inc(f, left, -1)
	})
}
