// rgb_test.go checks the fast row readers against rowReaderRef for every image type the
// decoders return, on awkward sizes and sub-images, and FromRGBA's validation.
package preprocess

import (
	"image"
	"image/color"
	"math/rand"
	"testing"
)

func noiseRGBA(w, h int, seed int64) *image.RGBA {
	r := rand.New(rand.NewSource(seed))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(r.Intn(256))
	}
	for i := 3; i < len(m.Pix); i += 4 {
		m.Pix[i] = 255
	}
	return m
}

func fillRandom(b []byte, r *rand.Rand) {
	for i := range b {
		b[i] = uint8(r.Intn(256))
	}
}

// imagesOfEveryType returns w×h images (origin at (3,2)) of each concrete type, random content.
func imagesOfEveryType(w, h int, seed int64) map[string]image.Image {
	r := rand.New(rand.NewSource(seed))
	rect := image.Rect(3, 2, 3+w, 2+h)
	out := map[string]image.Image{}
	for _, sub := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		m := image.NewYCbCr(rect, sub)
		fillRandom(m.Y, r)
		fillRandom(m.Cb, r)
		fillRandom(m.Cr, r)
		out["YCbCr"+sub.String()] = m
	}
	na := image.NewNYCbCrA(rect, image.YCbCrSubsampleRatio420)
	fillRandom(na.Y, r)
	fillRandom(na.Cb, r)
	fillRandom(na.Cr, r)
	fillRandom(na.A, r)
	out["NYCbCrA"] = na
	nrgba := image.NewNRGBA(rect)
	fillRandom(nrgba.Pix, r)
	out["NRGBA"] = nrgba
	rgba := image.NewRGBA(rect) // valid premultiplied: colour ≤ alpha
	fillRandom(rgba.Pix, r)
	for i := 0; i < len(rgba.Pix); i += 4 {
		a := rgba.Pix[i+3]
		for c := 0; c < 3; c++ {
			rgba.Pix[i+c] = uint8(int(rgba.Pix[i+c]) * int(a) / 255)
		}
	}
	out["RGBA"] = rgba
	gray := image.NewGray(rect)
	fillRandom(gray.Pix, r)
	out["Gray"] = gray
	pal := color.Palette{}
	for i := 0; i < 200; i++ {
		pal = append(pal, color.NRGBA{uint8(r.Intn(256)), uint8(r.Intn(256)), uint8(r.Intn(256)), uint8(r.Intn(256))})
	}
	p := image.NewPaletted(rect, pal)
	for i := range p.Pix {
		p.Pix[i] = uint8(r.Intn(len(pal)))
	}
	out["Paletted"] = p
	g16 := image.NewGray16(rect) // fallback path
	fillRandom(g16.Pix, r)
	out["Gray16"] = g16
	cmyk := image.NewCMYK(rect) // fallback path
	fillRandom(cmyk.Pix, r)
	out["CMYK"] = cmyk
	return out
}

func TestRowReaderMatchesRef(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {1, 3}, {2, 1}, {3, 7}, {7, 3}, {17, 17}, {31, 2}, {33, 5}} {
		for name, img := range imagesOfEveryType(sz[0], sz[1], int64(sz[0]*1000+sz[1])) {
			b := img.Bounds()
			fast, ref := newRowReader(img), rowReaderRef(img)
			// Sentinels after the row catch writes past 3·W.
			got := make([]byte, 3*b.Dx()+4)
			want := make([]byte, 3*b.Dx())
			for y := b.Min.Y; y < b.Max.Y; y++ {
				copy(got[3*b.Dx():], []byte{0xA5, 0xA5, 0xA5, 0xA5})
				fast(y, got)
				ref(y, want)
				if string(got[:3*b.Dx()]) != string(want) {
					t.Fatalf("%s %v row %d: fast %v, ref %v", name, sz, y, got[:3*b.Dx()], want)
				}
				if string(got[3*b.Dx():]) != "\xA5\xA5\xA5\xA5" {
					t.Fatalf("%s %v row %d: wrote past the row", name, sz, y)
				}
			}
		}
	}
}

func TestAlphaIsDroppedNotComposited(t *testing.T) {
	// PIL's convert("RGB") keeps the stored colour of a straight-alpha pixel, whatever its alpha.
	m := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	m.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 0})
	m.SetNRGBA(1, 0, color.NRGBA{200, 100, 50, 128})
	rgb := toRGBA(m)
	for x := 0; x < 2; x++ {
		if c := rgb.RGBAAt(x, 0); c != (color.RGBA{200, 100, 50, 255}) {
			t.Errorf("pixel %d = %v, want {200 100 50 255}", x, c)
		}
	}
}

func TestFromRGBA(t *testing.T) {
	w, h, stride := 3, 2, 16
	pix := make([]byte, stride*(h-1)+4*w)
	for i := range pix {
		pix[i] = uint8(i)
	}
	img, err := FromRGBA(pix, w, h, stride)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, w, h) {
		t.Fatalf("bounds %v", img.Bounds())
	}
	c := color.NRGBAModel.Convert(img.At(2, 1)).(color.NRGBA)
	if o := stride + 8; c != (color.NRGBA{pix[o], pix[o+1], pix[o+2], pix[o+3]}) {
		t.Errorf("At(2,1) = %v, want bytes at %d", c, o)
	}
	bad := []struct {
		name            string
		n, w, h, stride int
	}{
		{"zero width", 64, 0, 2, 16},
		{"negative height", 64, 3, -1, 16},
		{"short stride", 64, 3, 2, 11},
		{"short buffer", stride*(h-1) + 4*w - 1, 3, 2, 16},
		{"over budget", 16, 1 << 16, 1 << 16, 1 << 18},
	}
	for _, c := range bad {
		if _, err := FromRGBA(make([]byte, c.n), c.w, c.h, c.stride); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
