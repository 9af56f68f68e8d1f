// crop.go implements the Crop resize mode: resize so the shorter side becomes size, with an
// antialiasing triangle filter, and keep the centre size×size square.
//
// Where the truth lives: Pillow src/libImaging/Resample.c precompute_coeffs — the filter that
// Image.resize(..., BILINEAR) uses: for output index i, centre c = in0 + (i + ½)·scale with
// scale = (in1 − in0)/out; filterscale = max(scale, 1); support = 1·filterscale; taps j from
// trunc(c − support + ½) to trunc(c + support + ½), clamped to the image, weight
// tri((j + ½ − c)/filterscale) with tri(t) = max(0, 1 − |t|), normalised to sum 1. When
// downscaling this averages over the whole footprint of each output pixel (no aliasing); when
// upscaling (scale < 1) it is plain bilinear interpolation.
//
// Instead of resizing the whole image and then cropping, we resample the centre square
// [x0, x0+side) × [y0, y0+side) of the source (side = the shorter side, x0 = (W − side)/2,
// possibly a half pixel) straight to size×size — the same result without rounding the longer
// side to whole pixels. Taps may reach just outside the square, as Pillow's box resize does.
// Sums are in float32 (float64 for the taps) and rounded to 8 bits once, at the end.
package preprocess

import (
	"image"
	"math"
)

// triangleSupport is the half-width of the triangle (bilinear) filter at scale 1.
const triangleSupport = 1.0

func triangle(t float64) float64 {
	t = math.Abs(t)
	if t < 1 {
		return 1 - t
	}
	return 0
}

// axisTaps holds, for each output index i, its first source index start[i], its number of
// taps count[i] and its weights weights[i*ksize : i*ksize+count[i]].
type axisTaps struct {
	start, count []int
	weights      []float32
	ksize        int
}

// triangleTaps computes the taps resampling source interval [in0, in1) of an axis of inSize
// pixels onto outSize pixels (Pillow's precompute_coeffs with the triangle filter).
func triangleTaps(inSize int, in0, in1 float64, outSize int) axisTaps {
	scale := (in1 - in0) / float64(outSize)
	filterscale := max(scale, 1.0)
	support := triangleSupport * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	t := axisTaps{
		start:   make([]int, outSize),
		count:   make([]int, outSize),
		weights: make([]float32, outSize*ksize),
		ksize:   ksize,
	}
	k := make([]float64, ksize)
	for i := 0; i < outSize; i++ {
		center := in0 + (float64(i)+0.5)*scale
		lo := max(int(center-support+0.5), 0) // int() truncates toward zero, as C's cast
		hi := min(int(center+support+0.5), inSize)
		n := min(max(hi-lo, 0), ksize)
		sum := 0.0
		for j := 0; j < n; j++ {
			k[j] = triangle((float64(lo+j) - center + 0.5) / filterscale)
			sum += k[j]
		}
		for j := 0; j < n; j++ {
			if sum != 0 {
				k[j] /= sum
			}
			t.weights[i*ksize+j] = float32(k[j])
		}
		t.start[i], t.count[i] = lo, n
	}
	return t
}

// centreSquare returns the source interval of the centre square along one axis.
func centreSquare(w, h int) (x0, y0, side float64) {
	side = float64(min(w, h))
	return (float64(w) - side) / 2, (float64(h) - side) / 2, side
}

// resizeCrop resamples the centre square of img to size×size (see the file comment):
// a horizontal pass over the source rows the vertical taps need, then a vertical pass.
func resizeCrop(img image.Image, size int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	x0, y0, side := centreSquare(w, h)
	tx := triangleTaps(w, x0, x0+side, size)
	ty := triangleTaps(h, y0, y0+side, size)
	rowLo := ty.start[0]
	rowHi := ty.start[size-1] + ty.count[size-1]

	// Horizontal pass: tmp is [rowHi-rowLo, size, 3].
	tmp := make([]float32, (rowHi-rowLo)*size*3)
	read := newRowReader(img)
	src := make([]byte, 3*w)
	for sy := rowLo; sy < rowHi; sy++ {
		read(b.Min.Y+sy, src)
		dst := tmp[(sy-rowLo)*size*3:]
		for x := 0; x < size; x++ {
			wts := tx.weights[x*tx.ksize : x*tx.ksize+tx.count[x]]
			p := src[3*tx.start[x]:]
			var r, g, bl float32
			for j, wt := range wts {
				r += wt * float32(p[3*j])
				g += wt * float32(p[3*j+1])
				bl += wt * float32(p[3*j+2])
			}
			dst[3*x], dst[3*x+1], dst[3*x+2] = r, g, bl
		}
	}

	// Vertical pass.
	out := image.NewRGBA(image.Rect(0, 0, size, size))
	acc := make([]float32, 3*size)
	for y := 0; y < size; y++ {
		clear(acc)
		wts := ty.weights[y*ty.ksize : y*ty.ksize+ty.count[y]]
		for j, wt := range wts {
			row := tmp[(ty.start[y]+j-rowLo)*size*3 : (ty.start[y]+j-rowLo+1)*size*3]
			for i, v := range row {
				acc[i] += wt * v
			}
		}
		o := out.Pix[y*out.Stride:]
		for x := 0; x < size; x++ {
			o[4*x], o[4*x+1], o[4*x+2], o[4*x+3] =
				toByte(float64(acc[3*x])), toByte(float64(acc[3*x+1])), toByte(float64(acc[3*x+2])), 0xff
		}
	}
	return out
}

// resizeCropRef is the slow obvious twin: every output pixel is the float64 sum over every
// source pixel of the product of the two triangle weights, normalised per axis.
func resizeCropRef(img image.Image, size int) *image.RGBA {
	src := toRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	x0, y0, side := centreSquare(w, h)
	scale := side / float64(size)
	fs := max(scale, 1.0)
	weightsRef := func(n int, in0 float64, i int) []float64 {
		c := in0 + (float64(i)+0.5)*scale
		wt := make([]float64, n)
		sum := 0.0
		for j := range wt {
			wt[j] = triangle((float64(j) + 0.5 - c) / fs)
			sum += wt[j]
		}
		for j := range wt {
			wt[j] /= sum
		}
		return wt
	}
	wxs := make([][]float64, size)
	for x := range wxs {
		wxs[x] = weightsRef(w, x0, x)
	}
	out := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		wy := weightsRef(h, y0, y)
		for x, wx := range wxs {
			var acc [3]float64
			for sy := 0; sy < h; sy++ {
				for sx := 0; sx < w; sx++ {
					wt := wy[sy] * wx[sx]
					p := src.RGBAAt(sx, sy)
					acc[0] += wt * float64(p.R)
					acc[1] += wt * float64(p.G)
					acc[2] += wt * float64(p.B)
				}
			}
			out.Pix[y*out.Stride+4*x] = toByte(acc[0])
			out.Pix[y*out.Stride+4*x+1] = toByte(acc[1])
			out.Pix[y*out.Stride+4*x+2] = toByte(acc[2])
			out.Pix[y*out.Stride+4*x+3] = 0xff
		}
	}
	return out
}

// toByte rounds to the nearest 8-bit level, clamping to [0, 255].
func toByte(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}
