// pool.go: max pooling of one NHWC image (Keras MaxPooling2D: each window clipped to the image, so
// TensorFlow's 'same' padding ignores padded positions). core/ops.MaxPool2D calls it per image.
// The reduction is Go's max builtin, NaN propagating with max(−0, +0) = +0 — the f32.max of
// WebAssembly, so the wasm build's max_pool_f32 (dispatch_wasm.go) agrees bit for bit except in
// NaN payloads. In wasm the Go loop cost 8.4 ms for ResNet50's pool1 (~4.5% of a forward pass).
package kernels

import "fmt"

// MaxPoolF32 writes dst [oh][ow][c] from src [h][w][c]: dst[oy][ox][ci] is the max of
// src[y][x][ci] over rows max(oy·stride − padTop, 0) ≤ y < min(oy·stride − padTop + pool, h) and
// columns likewise. Every window must hold at least one pixel.
func MaxPoolF32(src []float32, h, w, c, pool, stride, padTop, padLeft, oh, ow int, dst []float32) {
	checkMaxPoolArgs("MaxPoolF32", src, h, w, c, pool, stride, padTop, padLeft, oh, ow, dst)
	if oh == 0 || ow == 0 || c == 0 {
		return
	}
	maxPoolF32(src, h, w, c, pool, stride, padTop, padLeft, oh, ow, dst)
}

// MaxPoolF32Ref is MaxPoolF32 one element at a time.
func MaxPoolF32Ref(src []float32, h, w, c, pool, stride, padTop, padLeft, oh, ow int, dst []float32) {
	checkMaxPoolArgs("MaxPoolF32Ref", src, h, w, c, pool, stride, padTop, padLeft, oh, ow, dst)
	for oy := range oh {
		y0, y1 := max(oy*stride-padTop, 0), min(oy*stride-padTop+pool, h)
		for ox := range ow {
			x0, x1 := max(ox*stride-padLeft, 0), min(ox*stride-padLeft+pool, w)
			for ci := range c {
				v := src[(y0*w+x0)*c+ci]
				for y := y0; y < y1; y++ {
					for x := x0; x < x1; x++ {
						v = max(v, src[(y*w+x)*c+ci])
					}
				}
				dst[(oy*ow+ox)*c+ci] = v
			}
		}
	}
}

// maxPoolF32Go is the fast Go loop: per output pixel, the window's first pixel copied, then
// a running max over whole channel rows. Large pools split their output rows over the cores
// (overCores, as im2colF32Go does; rows are independent: the same values).
func maxPoolF32Go(src []float32, h, w, c, pool, stride, padTop, padLeft, oh, ow int, dst []float32) {
	// Rows r0… are a pool of n rows whose top padding is r0·stride less.
	overCores(oh, oh*ow*c*pool*pool, func(r0, n int) {
		maxPoolF32Rows(src, h, w, c, pool, stride, padTop-r0*stride, padLeft, n, ow, dst[r0*ow*c:(r0+n)*ow*c])
	})
}

// maxPoolF32Rows is maxPoolF32Go on one goroutine (padTop may be negative: output rows that
// start below the image's top).
func maxPoolF32Rows(src []float32, h, w, c, pool, stride, padTop, padLeft, oh, ow int, dst []float32) {
	for oy := range oh {
		y0, y1 := max(oy*stride-padTop, 0), min(oy*stride-padTop+pool, h)
		for ox := range ow {
			x0, x1 := max(ox*stride-padLeft, 0), min(ox*stride-padLeft+pool, w)
			out := dst[(oy*ow+ox)*c : (oy*ow+ox+1)*c]
			copy(out, src[(y0*w+x0)*c:])
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					in := src[(y*w+x)*c : (y*w+x+1)*c]
					in = in[:len(out)]
					for i, v := range in {
						out[i] = max(out[i], v)
					}
				}
			}
		}
	}
}

// checkMaxPoolArgs panics, naming the sizes, unless every window holds a pixel and the slices
// hold the images.
func checkMaxPoolArgs(fn string, src []float32, h, w, c, pool, stride, padTop, padLeft, oh, ow int, dst []float32) {
	fits := func(size, pad, out int) bool { // first and last windows overlap [0, size)
		return out == 0 || pad < pool && (out-1)*stride-pad < size
	}
	ok := h >= 0 && w >= 0 && c >= 0 && pool >= 1 && stride >= 1 && padTop >= 0 && padLeft >= 0 && oh >= 0 && ow >= 0 &&
		fits(h, padTop, oh) && fits(w, padLeft, ow) && len(src) >= h*w*c && len(dst) >= oh*ow*c
	if !ok {
		panic(fmt.Sprintf("kernels.%s(h=%d, w=%d, c=%d, pool=%d, stride=%d, pad=%d,%d, oh=%d, ow=%d): len(src)=%d len(dst)=%d inconsistent",
			fn, h, w, c, pool, stride, padTop, padLeft, oh, ow, len(src), len(dst)))
	}
}
