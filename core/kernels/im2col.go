// im2col.go: NHWC im2col of one image (Chellapilla et al., "High Performance Convolutional Neural
// Networks for Document Processing", 2006): the A operand of a convolution as a matrix product,
// with the column order of a Keras [KH,KW,Cin,Cout] kernel flattened to [KH·KW·Cin][Cout]. This is
// the entry point of the wasm module's im2col_f32 (wasm/gen/README.md) and, off wasm or with
// purego, of its Go loop im2colF32Go; core/ops gathers every convolution's patches through it.
package kernels

import (
	"fmt"
	"runtime"
	"sync"
)

// Im2colF32 writes np patch rows for output pixels p0 … p0+np−1 of one image src [h][w][c]
// (oy = p / ow, ox = p % ow) into dst [np][kh·kw·c]:
//
//	dst[p−p0][(ky·kw + kx)·c + ci] = src[oy·stride − padTop + ky][ox·stride − padLeft + kx][ci]
//
// and zero where that position is outside the image.
func Im2colF32(src []float32, h, w, c, kh, kw, stride, padTop, padLeft, ow int, dst []float32, p0, np int) {
	checkIm2colArgs("Im2colF32", src, h, w, c, kh, kw, stride, ow, dst, p0, np)
	if np == 0 || kh*kw*c == 0 {
		return
	}
	im2colF32(src, h, w, c, kh, kw, stride, padTop, padLeft, ow, dst, p0, np)
}

// im2colParallelMin: below this many floats per call the Go gather runs on one goroutine.
const im2colParallelMin = 1 << 16

// overCores calls part(start, count) for consecutive ranges covering [0, n), on up to
// runtime.GOMAXPROCS(0) goroutines when work (in floats touched) reaches im2colParallelMin,
// else once on the caller's. The Go gather and pool split their rows with it.
func overCores(n, work int, part func(start, count int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || work < im2colParallelMin {
		part(0, n)
		return
	}
	per := ceilDiv(n, workers)
	var wg sync.WaitGroup
	for start := 0; start < n; start += per {
		count := min(per, n-start)
		wg.Go(func() { part(start, count) })
	}
	wg.Wait()
}

// im2colF32Go is Im2colF32 in Go, the pixels split across runtime.GOMAXPROCS(0) goroutines (run
// serially the gather took ~15% of a 3x3 layer's time on 2 cores).
func im2colF32Go(src []float32, h, w, c, kh, kw, stride, padTop, padLeft, ow int, dst []float32, p0, np int) {
	row := kh * kw * c
	overCores(np, np*row, func(start, n int) {
		im2colF32Rows(src, h, w, c, kh, kw, stride, padTop, padLeft, ow, dst[start*row:(start+n)*row], p0+start, n)
	})
}

// im2colF32Rows is im2colF32Go on one goroutine. For NHWC the kw·c entries of one kernel row are
// contiguous in src when the window lies inside the image, so most of the gather is whole-run copies.
func im2colF32Rows(src []float32, h, w, c, kh, kw, stride, padTop, padLeft, ow int, dst []float32, p0, np int) {
	row, run := kh*kw*c, kw*c
	for r := range np {
		p := p0 + r
		iy0, ix0 := (p/ow)*stride-padTop, (p%ow)*stride-padLeft
		out := dst[r*row : (r+1)*row]
		for ky := range kh {
			seg := out[ky*run : (ky+1)*run]
			iy := iy0 + ky
			if iy < 0 || iy >= h {
				clear(seg)
				continue
			}
			base := iy * w
			if ix0 >= 0 && ix0+kw <= w { // the whole kernel row inside the image
				copy(seg, src[(base+ix0)*c:(base+ix0+kw)*c])
				continue
			}
			for kx := range kw {
				px := seg[kx*c : (kx+1)*c]
				if ix := ix0 + kx; ix >= 0 && ix < w {
					copy(px, src[(base+ix)*c:(base+ix+1)*c])
				} else {
					clear(px)
				}
			}
		}
	}
}

// Im2colF32Ref is Im2colF32 one element at a time.
func Im2colF32Ref(src []float32, h, w, c, kh, kw, stride, padTop, padLeft, ow int, dst []float32, p0, np int) {
	checkIm2colArgs("Im2colF32Ref", src, h, w, c, kh, kw, stride, ow, dst, p0, np)
	im2colF32Ref(src, h, w, c, kh, kw, stride, padTop, padLeft, ow, dst, p0, np)
}

func im2colF32Ref(src []float32, h, w, c, kh, kw, stride, padTop, padLeft, ow int, dst []float32, p0, np int) {
	row := kh * kw * c
	for p := p0; p < p0+np; p++ {
		oy, ox := p/ow, p%ow
		for ky := range kh {
			for kx := range kw {
				iy, ix := oy*stride-padTop+ky, ox*stride-padLeft+kx
				for ci := range c {
					v := float32(0)
					if iy >= 0 && iy < h && ix >= 0 && ix < w {
						v = src[(iy*w+ix)*c+ci]
					}
					dst[(p-p0)*row+(ky*kw+kx)*c+ci] = v
				}
			}
		}
	}
}

// checkIm2colArgs panics, naming the sizes, if the slices cannot hold what the call describes.
// (Pixels outside the image are zero-filled, so any padding is valid.)
func checkIm2colArgs(fn string, src []float32, h, w, c, kh, kw, stride, ow int, dst []float32, p0, np int) {
	ok := h >= 0 && w >= 0 && c >= 0 && kh >= 0 && kw >= 0 && stride >= 1 && ow >= 1 && p0 >= 0 && np >= 0 &&
		len(src) >= h*w*c && len(dst) >= np*kh*kw*c
	if !ok {
		panic(fmt.Sprintf("kernels.%s(h=%d, w=%d, c=%d, kh=%d, kw=%d, stride=%d, ow=%d, p0=%d, np=%d): len(src)=%d len(dst)=%d inconsistent",
			fn, h, w, c, kh, kw, stride, ow, p0, np, len(src), len(dst)))
	}
}
