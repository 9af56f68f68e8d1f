//go:build !purego

// im2col_wasm.go: in the wasm build, patch rows are gathered by the SIMD128 module's im2col_f32
// (kernels.Im2colF32, one call per image in the block) instead of im2col.go's Go loop, which
// costs ~2.4× as much there (conv1 7x7/2: 1.7 ms vs 0.7 ms; see wasm/gen/README.md). The
// purego tag and native builds use im2colParallel (im2col_go.go).
package ops

import "github.com/graftml/graft/core/kernels"

// im2colCacheFloats: in wasm a block of patches is kept to 128 Ki floats (512 KiB, a Zen 2 L2)
// where that leaves blocks of at least im2colRepackMinRows rows (im2colRows).
const im2colCacheFloats = 1 << 17

// im2colBlock writes patch rows r0 … r0+rows−1 into dst [rows × KH*KW*Cin] (as im2col).
func im2colBlock(g convGeometry, x []float32, r0, rows int, dst []float32) {
	if g.sh != g.sw || g.kh == 0 || g.kw == 0 || g.cin == 0 { // the kernel has one stride
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
