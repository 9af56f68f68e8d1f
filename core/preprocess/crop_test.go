// crop_test.go checks the Crop resize: separable fast path vs the direct 2-D twin on awkward
// sizes, constants stay constant, gradients stay monotone, the centre square is what is kept.
package preprocess

import (
	"image"
	"image/color"
	"testing"
)

// cropLevelTol: the fast path sums in float32 and separably; the twin sums in float64 over the
// full 2-D footprint. The values agree to ~1e-4 levels, which can flip the rounding of a value
// that lies within that distance of a half level: at most one level.
const cropLevelTol = 1

func TestResizeCropMatchesRef(t *testing.T) {
	sizes := [][2]int{{1, 1}, {2, 3}, {3, 2}, {7, 7}, {17, 5}, {5, 17}, {31, 33}, {33, 31}, {63, 40}, {65, 66}}
	outs := []int{1, 2, 3, 7, 17, 31, 33}
	for _, sz := range sizes {
		img := noiseRGBA(sz[0], sz[1], int64(sz[0]*7+sz[1]))
		for _, out := range outs {
			fast, ref := resizeCrop(img, out), resizeCropRef(img, out)
			if fast.Rect != image.Rect(0, 0, out, out) || ref.Rect != fast.Rect {
				t.Fatalf("%v→%d: rects %v %v", sz, out, fast.Rect, ref.Rect)
			}
			for i := range fast.Pix {
				if absDiff(fast.Pix[i], ref.Pix[i]) > cropLevelTol {
					t.Fatalf("%v→%d: byte %d (pixel %d channel %d): fast %d, ref %d",
						sz, out, i, i/4, i%4, fast.Pix[i], ref.Pix[i])
				}
			}
		}
	}
}

func TestResizeCropConstantStaysConstant(t *testing.T) {
	c := color.RGBA{17, 200, 93, 255}
	for _, sz := range [][2]int{{1, 1}, {3, 500}, {640, 480}, {80, 75}, {224, 224}, {1000, 37}} {
		m := image.NewRGBA(image.Rect(0, 0, sz[0], sz[1]))
		for i := 0; i < len(m.Pix); i += 4 {
			m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
		}
		out := resizeCrop(m, InputSize)
		for y := 0; y < InputSize; y++ {
			for x := 0; x < InputSize; x++ {
				if got := out.RGBAAt(x, y); got != c {
					t.Fatalf("%v: pixel (%d,%d) = %v, want %v", sz, x, y, got, c)
				}
			}
		}
	}
}

func TestResizeCropGradientStaysMonotone(t *testing.T) {
	// Horizontal ramp in R, vertical ramp in G, on sizes that downscale and upscale.
	for _, sz := range [][2]int{{500, 375}, {375, 500}, {80, 75}, {300, 100}, {230, 224}, {40, 40}} {
		w, h := sz[0], sz[1]
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				m.SetRGBA(x, y, color.RGBA{uint8(x * 255 / (w - 1)), uint8(y * 255 / (h - 1)), 50, 255})
			}
		}
		out := resizeCrop(m, InputSize)
		for y := 0; y < InputSize; y++ {
			for x := 1; x < InputSize; x++ {
				if out.RGBAAt(x, y).R < out.RGBAAt(x-1, y).R {
					t.Fatalf("%v: R decreases at (%d,%d)", sz, x, y)
				}
				if out.RGBAAt(y, x).G < out.RGBAAt(y, x-1).G {
					t.Fatalf("%v: G decreases at (%d,%d)", sz, y, x)
				}
			}
		}
		// The ramp covers a good part of the range (it is resampled, not flattened).
		if lo, hi := out.RGBAAt(0, 0).R, out.RGBAAt(InputSize-1, 0).R; int(hi)-int(lo) < 40 {
			t.Errorf("%v: R ramp spans only %d..%d", sz, lo, hi)
		}
	}
}

// TestResizeCropEqualsResizeThenCrop: resampling the centre square equals resizing the whole
// image (shorter side → size) and then cropping, when the longer side resizes to whole pixels.
func TestResizeCropEqualsResizeThenCrop(t *testing.T) {
	for _, c := range []struct{ w, h, size int }{{448, 224, 112}, {90, 60, 40}, {60, 90, 40}, {64, 48, 96}} {
		img := noiseRGBA(c.w, c.h, int64(c.w+c.h))
		short := min(c.w, c.h)
		fw, fh := c.w*c.size/short, c.h*c.size/short
		full := resizeSeparableRef(img, fw, fh)
		ox, oy := (fw-c.size)/2, (fh-c.size)/2
		got := resizeCrop(img, c.size)
		for y := 0; y < c.size; y++ {
			for x := 0; x < c.size; x++ {
				a, b := got.RGBAAt(x, y), full.RGBAAt(ox+x, oy+y)
				if absDiff(a.R, b.R) > cropLevelTol || absDiff(a.G, b.G) > cropLevelTol || absDiff(a.B, b.B) > cropLevelTol {
					t.Fatalf("%+v (%d,%d): crop %v, resize-then-crop %v", c, x, y, a, b)
				}
			}
		}
	}
}

// resizeSeparableRef resizes the whole image to w×h with the same triangle taps, in float64.
func resizeSeparableRef(img *image.RGBA, w, h int) *image.RGBA {
	sw, sh := img.Rect.Dx(), img.Rect.Dy()
	tx := triangleTaps(sw, 0, float64(sw), w)
	ty := triangleTaps(sh, 0, float64(sh), h)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var acc [3]float64
			for j := 0; j < ty.count[y]; j++ {
				for i := 0; i < tx.count[x]; i++ {
					wt := float64(ty.weights[y*ty.ksize+j]) * float64(tx.weights[x*tx.ksize+i])
					p := img.RGBAAt(tx.start[x]+i, ty.start[y]+j)
					acc[0] += wt * float64(p.R)
					acc[1] += wt * float64(p.G)
					acc[2] += wt * float64(p.B)
				}
			}
			out.SetRGBA(x, y, color.RGBA{toByte(acc[0]), toByte(acc[1]), toByte(acc[2]), 255})
		}
	}
	return out
}

func TestResizeCropKeepsTheCentre(t *testing.T) {
	// 300×100: red | green | blue thirds. The centre square is the green third.
	m := image.NewRGBA(image.Rect(0, 0, 300, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 300; x++ {
			c := color.RGBA{0, 255, 0, 255}
			if x < 100 {
				c = color.RGBA{255, 0, 0, 255}
			} else if x >= 200 {
				c = color.RGBA{0, 0, 255, 255}
			}
			m.SetRGBA(x, y, c)
		}
	}
	out := resizeCrop(m, InputSize)
	// Upscaling 100 → 224 interpolates bilinearly, so the outermost output columns blend in up
	// to ~28% of the neighbouring pixel just outside the square; the interior is pure green.
	for y := 0; y < InputSize; y++ {
		for x := 2; x < InputSize-2; x++ {
			if c := out.RGBAAt(x, y); c != (color.RGBA{0, 255, 0, 255}) {
				t.Fatalf("pixel (%d,%d) = %v, want pure green", x, y, c)
			}
		}
		if c := out.RGBAAt(0, y); c.G < 170 || c.R > 85 {
			t.Fatalf("edge pixel (0,%d) = %v, want mostly green", y, c)
		}
	}
}

func TestResizeErrors(t *testing.T) {
	img := noiseRGBA(4, 4, 1)
	for _, c := range []struct {
		mode ResizeMode
		size int
	}{{Crop, 0}, {Nearest, -1}, {Crop, MaxSize + 1}, {"bilinear", 224}, {"", 224}} {
		if _, err := Resize(img, c.mode, c.size); err == nil {
			t.Errorf("Resize(%q, %d): no error", c.mode, c.size)
		}
	}
	if _, err := Resize(image.NewRGBA(image.Rect(0, 0, 0, 5)), Crop, 224); err == nil {
		t.Errorf("empty image: no error")
	}
	for _, s := range []string{"nearest", " Crop ", "NEAREST"} {
		if _, err := ParseResizeMode(s); err != nil {
			t.Errorf("ParseResizeMode(%q): %v", s, err)
		}
	}
	if _, err := ParseResizeMode("bicubic"); err == nil {
		t.Errorf("ParseResizeMode(bicubic): no error")
	}
	if DefaultResize != Crop {
		t.Errorf("DefaultResize = %q", DefaultResize)
	}
}
