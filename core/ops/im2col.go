// im2col.go: gathers convolution patches into rows of a matrix (Chellapilla et al., "High
// Performance Convolutional Neural Networks for Document Processing", 2006; the layout of
// Caffe's im2col, here for NHWC). Row r is output pixel r = (n*OH + oh)*OW + ow; its KH*KW*Cin
// entries are x[n, oh*sh-padTop+i, ow*sw-padLeft+j, c] in (i, j, c) order, zero outside the
// input. For NHWC the KW*Cin entries of one kernel row are contiguous in x when the window
// lies inside the image, so most of the gather is whole-run copies.
package ops

import "github.com/graftml/graft/core/kernels"

// im2colCacheFloats bounds a block of patches where the rows are short (im2colRows); the build's
// kernels choose it with their gather.
const im2colCacheFloats = kernels.Im2colCacheFloats

// im2colBlock writes patch rows r0 … r0+rows−1 into dst [rows × KH*KW*Cin] (as im2col) with
// kernels.Im2colF32, one call per image in the block (the SIMD128 module in the wasm build, its
// Go loop otherwise). The kernel has one stride: other geometries use im2col.
func im2colBlock(g convGeometry, x []float32, r0, rows int, dst []float32) {
	if g.sh != g.sw || g.kh == 0 || g.kw == 0 || g.cin == 0 {
		im2col(g, x, r0, rows, dst)
		return
	}
	perImage := g.oh * g.ow
	k := g.patchLen()
	img := g.h * g.w * g.cin
	for done := 0; done < rows; {
		pix := r0 + done
		n, p := pix/perImage, pix%perImage
		np := min(rows-done, perImage-p)
		kernels.Im2colF32(x[n*img:(n+1)*img], g.h, g.w, g.cin, g.kh, g.kw, g.sh, g.padTop, g.padLeft, g.ow,
			dst[done*k:(done+np)*k], p, np)
		done += np
	}
}

// im2col writes patch rows r0 .. r0+rows-1 into dst [rows × KH*KW*Cin] in Go, for any strides
// (the reference the Conv2D tests hold im2colBlock to, and the gather for unequal strides).
func im2col(g convGeometry, x []float32, r0, rows int, dst []float32) {
	k := g.patchLen()
	runLen := g.kw * g.cin // one kernel row of a patch
	for r := range rows {
		pix := r0 + r
		n, rem := pix/(g.oh*g.ow), pix%(g.oh*g.ow)
		oh, ow := rem/g.ow, rem%g.ow
		iy0, ix0 := oh*g.sh-g.padTop, ow*g.sw-g.padLeft
		row := dst[r*k : (r+1)*k]
		for i := range g.kh {
			seg := row[i*runLen : (i+1)*runLen]
			iy := iy0 + i
			if iy < 0 || iy >= g.h {
				clear(seg)
				continue
			}
			base := (n*g.h + iy) * g.w
			if ix0 >= 0 && ix0+g.kw <= g.w { // whole kernel row inside the image
				copy(seg, x[(base+ix0)*g.cin:(base+ix0+g.kw)*g.cin])
				continue
			}
			for j := range g.kw {
				px := seg[j*g.cin : (j+1)*g.cin]
				if ix := ix0 + j; ix >= 0 && ix < g.w {
					copy(px, x[(base+ix)*g.cin:(base+ix+1)*g.cin])
				} else {
					clear(px)
				}
			}
		}
	}
}
