// im2col.go: gathers convolution patches into rows of a matrix (Chellapilla et al., "High
// Performance Convolutional Neural Networks for Document Processing", 2006; the layout of
// Caffe's im2col, here for NHWC). Row r is output pixel r = (n*OH + oh)*OW + ow; its KH*KW*Cin
// entries are x[n, oh*sh-padTop+i, ow*sw-padLeft+j, c] in (i, j, c) order, zero outside the
// input. For NHWC the KW*Cin entries of one kernel row are contiguous in x when the window
// lies inside the image, so most of the gather is whole-run copies.
package ops

import (
	"runtime"
	"sync"
)

// im2colParallelMin: below this many floats per block the gather runs on one goroutine.
const im2colParallelMin = 1 << 16

// im2colParallel is im2col with the rows split across runtime.GOMAXPROCS(0) goroutines; run
// serially the gather took ~15% of a 3x3 layer's time on 2 cores.
func im2colParallel(g convGeometry, x []float32, r0, rows int, dst []float32) {
	workers := min(runtime.GOMAXPROCS(0), rows)
	if workers <= 1 || rows*g.patchLen() < im2colParallelMin {
		im2col(g, x, r0, rows, dst)
		return
	}
	k := g.patchLen()
	per := (rows + workers - 1) / workers
	var wg sync.WaitGroup
	for start := 0; start < rows; start += per {
		n := min(per, rows-start)
		wg.Go(func() { im2col(g, x, r0+start, n, dst[start*k:(start+n)*k]) })
	}
	wg.Wait()
}

// im2col writes patch rows r0 .. r0+rows-1 into dst [rows × KH*KW*Cin].
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
