// col2im.go: the adjoint of Im2colF32 (im2col.go): patch rows scattered back into an NHWC image
// by addition (Caffe's col2im, here for NHWC and separate row/column strides). It is the last
// step of a convolution's input gradient, dx = col2im(dY·Wᵀ): each entry of patch row p goes to
// the input pixel it was gathered from, and entries that came from zero padding are dropped.
// The wasm build runs the generated module's col2im_f32 (dispatch_wasm.go: f32x4 adds over each
// kernel row's run), natively and with -tags purego the Go loop below (dispatch_go.go). Both add
// the patch rows in order, each element's terms in the same sequence, so they agree bit for bit
// (figures in core/ops/conv2d_backward.go).
package kernels

import "fmt"

// Col2imF32 adds np patch rows src [np][kh·kw·c], for output pixels p0 … p0+np−1 of one image
// (oy = p / ow, ox = p % ow), into dst [h][w][c]:
//
//	dst[oy·sh − padTop + ky][ox·sw − padLeft + kx][ci] += src[p−p0][(ky·kw + kx)·c + ci]
//
// for every position inside the image. Rows run in order, so the sums are deterministic.
func Col2imF32(dst []float32, h, w, c, kh, kw, sh, sw, padTop, padLeft, ow int, src []float32, p0, np int) {
	checkCol2imArgs("Col2imF32", dst, h, w, c, kh, kw, sh, sw, ow, src, p0, np)
	if np == 0 || h*w*c == 0 || kh*kw == 0 {
		return
	}
	col2imF32(dst, h, w, c, kh, kw, sh, sw, padTop, padLeft, ow, src, p0, np)
}

// col2imF32Go is Col2imF32 in Go: one contiguous add per kernel row that lies inside the image.
func col2imF32Go(dst []float32, h, w, c, kh, kw, sh, sw, padTop, padLeft, ow int, src []float32, p0, np int) {
	row, run := kh*kw*c, kw*c
	for p := p0; p < p0+np; p++ {
		oy, ox := p/ow, p%ow
		iy0, ix0 := oy*sh-padTop, ox*sw-padLeft
		patch := src[(p-p0)*row : (p-p0+1)*row]
		for ky := range kh {
			iy := iy0 + ky
			if iy < 0 || iy >= h {
				continue
			}
			seg := patch[ky*run : (ky+1)*run]
			if ix0 >= 0 && ix0+kw <= w { // the whole kernel row lies inside: one contiguous run
				addTo(dst[(iy*w+ix0)*c:(iy*w+ix0+kw)*c], seg)
				continue
			}
			for kx := range kw {
				if ix := ix0 + kx; ix >= 0 && ix < w {
					addTo(dst[(iy*w+ix)*c:(iy*w+ix+1)*c], seg[kx*c:(kx+1)*c])
				}
			}
		}
	}
}

// addTo sets d[i] += s[i]; len(d) == len(s).
func addTo(d, s []float32) {
	s = s[:len(d)]
	for i, v := range s {
		d[i] += v
	}
}

// Col2imF32Ref is Col2imF32 one element at a time, in the same order (so it agrees bit for bit).
func Col2imF32Ref(dst []float32, h, w, c, kh, kw, sh, sw, padTop, padLeft, ow int, src []float32, p0, np int) {
	checkCol2imArgs("Col2imF32Ref", dst, h, w, c, kh, kw, sh, sw, ow, src, p0, np)
	row := kh * kw * c
	for p := p0; p < p0+np; p++ {
		oy, ox := p/ow, p%ow
		for ky := range kh {
			for kx := range kw {
				iy, ix := oy*sh-padTop+ky, ox*sw-padLeft+kx
				if iy < 0 || iy >= h || ix < 0 || ix >= w {
					continue
				}
				for ci := range c {
					dst[(iy*w+ix)*c+ci] += src[(p-p0)*row+(ky*kw+kx)*c+ci]
				}
			}
		}
	}
}

// checkCol2imArgs panics, naming the sizes, if the slices cannot hold what the call describes.
func checkCol2imArgs(fn string, dst []float32, h, w, c, kh, kw, sh, sw, ow int, src []float32, p0, np int) {
	ok := h >= 0 && w >= 0 && c >= 0 && kh >= 0 && kw >= 0 && sh >= 1 && sw >= 1 && ow >= 1 && p0 >= 0 && np >= 0 &&
		len(dst) >= h*w*c && len(src) >= np*kh*kw*c
	if !ok {
		panic(fmt.Sprintf("kernels.%s(h=%d, w=%d, c=%d, kh=%d, kw=%d, sh=%d, sw=%d, ow=%d, p0=%d, np=%d): len(dst)=%d len(src)=%d inconsistent",
			fn, h, w, c, kh, kw, sh, sw, ow, p0, np, len(dst), len(src)))
	}
}
