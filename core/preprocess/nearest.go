// nearest.go reproduces PIL's Image.resize((w, h), Image.NEAREST), which Keras' load_img uses.
//
// Where the truth lives (Pillow, e.g. 9.4–11): src/_imaging.c _resize sends NEAREST to
// ImagingTransform with the affine matrix a = [in/out, 0, box0, 0, in/out, box1] (box = the
// whole image, so box0 = box1 = 0); src/libImaging/Geometry.c ImagingTransformAffine sees a
// pure scale and calls ImagingScaleAffine, which walks the source coordinate in double:
//
//	xo = a[2] + a[0]*0.5;  for each output x: xin = COORD(xo); xo += a[0]
//
// with COORD(v) = (int)v for v ≥ 0. So output x samples source ⌊(x + ½)·in/out⌋, except that the
// running sum carries rounding error: where (x + ½)·in/out is exactly an integer k, PIL may land
// on k−1 (e.g. 64→224 at x = 3, where the exact value is 1). We do the same sum in float64, so we
// pick what PIL picks; testdata/pil_nearest_indices.txt, written by Pillow itself, checks it.
package preprocess

import "image"

// nearestIndex returns, for each of the out output positions, the source index (0..in-1)
// that PIL's NEAREST resize samples, by PIL's own running double-precision sum.
func nearestIndex(in, out int) []int {
	idx := make([]int, out)
	a := float64(in) / float64(out)
	xo := a * 0.5
	for x := range idx {
		i := int(xo)          // xo > 0: truncation is floor, as COORD
		idx[x] = min(i, in-1) // never needed (xo < in - in/(2·out)), kept as a guard
		xo += a
	}
	return idx
}

// nearestIndexRef is the obvious formula ⌊(2x+1)·in / (2·out)⌋ in exact integer arithmetic.
// It equals nearestIndex except where the quotient is exact, where PIL may be one lower.
func nearestIndexRef(in, out int) []int {
	idx := make([]int, out)
	for x := range idx {
		idx[x] = (2*x + 1) * in / (2 * out)
	}
	return idx
}

// resizeNearest resizes img to w×h by PIL nearest sampling, after dropping alpha (rgb.go).
// Only the source rows that are sampled are converted.
func resizeNearest(img image.Image, w, h int) *image.RGBA {
	b := img.Bounds()
	xs := nearestIndex(b.Dx(), w)
	ys := nearestIndex(b.Dy(), h)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	read := newRowReader(img)
	src := make([]byte, 3*b.Dx())
	row := make([]byte, 3*w)
	last := -1
	for y, sy := range ys {
		if sy != last {
			read(b.Min.Y+sy, src)
			for x, sx := range xs {
				row[3*x], row[3*x+1], row[3*x+2] = src[3*sx], src[3*sx+1], src[3*sx+2]
			}
			last = sy
		}
		putRGBRow(out, y, row)
	}
	return out
}
