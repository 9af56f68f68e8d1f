// rgb.go reads any image.Image as rows of packed 8-bit RGB, dropping alpha the way PIL's
// Image.convert("RGB") does (Keras' load_img calls it before resizing): the stored colour is
// kept and the alpha channel discarded, with no compositing over a background.
//
// Fast paths cover the types Go's decoders return; rowReaderRef is the slow obvious twin
// (color.NRGBAModel on At) and the tests hold them equal. Known differences from PIL, which
// come from the decoders rather than from here: Go's image/jpeg converts YCbCr with
// color.YCbCrToRGB and replicates chroma (libjpeg, under PIL, upsamples it smoothly), so JPEG
// pixels differ from PIL's by a few levels; fully transparent pixels of a GIF (and of any image
// decoded premultiplied) read black, where PIL keeps the palette colour.
package preprocess

import (
	"fmt"
	"image"
	"image/color"
)

// rowReader writes row y (absolute, within the image's Bounds) as packed RGB bytes,
// 3 per pixel, into dst[:3*W].
type rowReader func(y int, dst []byte)

// newRowReader returns a rowReader for img, specialised for the concrete types the decoders return.
func newRowReader(img image.Image) rowReader {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		return func(y int, dst []byte) { ycbcrRow(m, b, y, dst) }
	case *image.NYCbCrA: // WebP with alpha: the colour planes, alpha dropped
		return func(y int, dst []byte) { ycbcrRow(&m.YCbCr, b, y, dst) }
	case *image.NRGBA:
		return func(y int, dst []byte) {
			src := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := 0; x < b.Dx(); x++ {
				dst[3*x], dst[3*x+1], dst[3*x+2] = src[4*x], src[4*x+1], src[4*x+2]
			}
		}
	case *image.RGBA: // premultiplied: undo it as color.NRGBAModel does
		return func(y int, dst []byte) {
			src := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := 0; x < b.Dx(); x++ {
				r, g, bl, a := src[4*x], src[4*x+1], src[4*x+2], src[4*x+3]
				if a != 0xff {
					r, g, bl = unpremultiply(r, a), unpremultiply(g, a), unpremultiply(bl, a)
				}
				dst[3*x], dst[3*x+1], dst[3*x+2] = r, g, bl
			}
		}
	case *image.Gray:
		return func(y int, dst []byte) {
			src := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := 0; x < b.Dx(); x++ {
				dst[3*x], dst[3*x+1], dst[3*x+2] = src[x], src[x], src[x]
			}
		}
	case *image.Paletted:
		pal := make([][3]byte, 256) // indices past the palette read black
		for i, c := range m.Palette {
			if i < len(pal) {
				n := color.NRGBAModel.Convert(c).(color.NRGBA)
				pal[i] = [3]byte{n.R, n.G, n.B}
			}
		}
		return func(y int, dst []byte) {
			src := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := 0; x < b.Dx(); x++ {
				p := pal[src[x]]
				dst[3*x], dst[3*x+1], dst[3*x+2] = p[0], p[1], p[2]
			}
		}
	}
	return rowReaderRef(img)
}

// rowReaderRef is the slow obvious twin: every pixel through At; straight-alpha colours keep
// their colour channels, anything else goes through color.NRGBAModel (which un-premultiplies).
func rowReaderRef(img image.Image) rowReader {
	b := img.Bounds()
	return func(y int, dst []byte) {
		for x := 0; x < b.Dx(); x++ {
			var r, g, bl uint8
			switch c := img.At(b.Min.X+x, y).(type) {
			case color.NYCbCrA:
				r, g, bl = color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
			case color.NRGBA:
				r, g, bl = c.R, c.G, c.B
			default:
				n := color.NRGBAModel.Convert(c).(color.NRGBA)
				r, g, bl = n.R, n.G, n.B
			}
			dst[3*x], dst[3*x+1], dst[3*x+2] = r, g, bl
		}
	}
}

func ycbcrRow(m *image.YCbCr, b image.Rectangle, y int, dst []byte) {
	for x := 0; x < b.Dx(); x++ {
		yi := m.YOffset(b.Min.X+x, y)
		ci := m.COffset(b.Min.X+x, y)
		dst[3*x], dst[3*x+1], dst[3*x+2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
	}
}

// unpremultiply returns the 8-bit straight colour of premultiplied c at alpha a (a > 0 or c = 0),
// with exactly color.NRGBAModel's 16-bit arithmetic.
func unpremultiply(c, a uint8) uint8 {
	if a == 0 {
		return 0
	}
	c16, a16 := uint32(c)*0x101, uint32(a)*0x101
	return uint8((c16 * 0xffff / a16) >> 8)
}

// toRGBA converts img to an opaque *image.RGBA with bounds (0,0)-(W,H), alpha dropped as above.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	read := newRowReader(img)
	row := make([]byte, 3*b.Dx())
	for y := 0; y < b.Dy(); y++ {
		read(b.Min.Y+y, row)
		putRGBRow(out, y, row)
	}
	return out
}

// putRGBRow writes packed RGB bytes as row y of an opaque RGBA image.
func putRGBRow(m *image.RGBA, y int, row []byte) {
	dst := m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y+y):]
	for x := 0; x < len(row)/3; x++ {
		dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = row[3*x], row[3*x+1], row[3*x+2], 0xff
	}
}

// FromRGBA wraps pixels already decoded elsewhere (a browser canvas's ImageData: 8-bit RGBA,
// straight alpha, row-major, stride bytes per row) as an image.Image, without copying: the
// result aliases pix. It then goes through Resize/CaffeBGR exactly like a decoded file.
func FromRGBA(pix []byte, w, h, stride int) (image.Image, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("preprocess: FromRGBA: empty image %d×%d", w, h)
	}
	if err := checkPixelBudget("RGBA", w, h); err != nil {
		return nil, err
	}
	if stride < 4*w {
		return nil, fmt.Errorf("preprocess: FromRGBA: stride %d is less than 4×width (%d)", stride, 4*w)
	}
	if need := stride*(h-1) + 4*w; len(pix) < need {
		return nil, fmt.Errorf("preprocess: FromRGBA: %d bytes for %d×%d at stride %d, want at least %d",
			len(pix), w, h, stride, need)
	}
	return &image.NRGBA{Pix: pix, Stride: stride, Rect: image.Rect(0, 0, w, h)}, nil
}
