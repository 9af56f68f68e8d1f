// orient.go applies an EXIF orientation (1–8) to an image, producing it as it should be
// displayed. Where the truth lives: CIPA DC-008 (Exif 2.32), tag 0x0112 Orientation —
// 1 normal, 2 mirrored horizontally, 3 rotated 180°, 4 mirrored vertically, 5 transposed
// (mirror horizontally, then rotate 90° counter-clockwise), 6 needs a 90° clockwise rotation,
// 7 transversed, 8 needs a 90° counter-clockwise rotation. Pillow's ImageOps.exif_transpose
// maps them to FLIP_LEFT_RIGHT, ROTATE_180, FLIP_TOP_BOTTOM, TRANSPOSE, ROTATE_270, TRANSVERSE,
// ROTATE_90 (Pillow rotates counter-clockwise).
package preprocess

import "image"

// orient returns img as displayed under orientation o, as an opaque *image.RGBA
// (alpha dropped as in rgb.go). o outside 2–8 returns an upright copy.
// It reads each source row once and scatters it (forward map source → display).
func orient(img image.Image, o int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if o >= 5 && o <= 8 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	read := newRowReader(img)
	row := make([]byte, 3*w)
	for sy := 0; sy < h; sy++ {
		read(b.Min.Y+sy, row)
		for sx := 0; sx < w; sx++ {
			dx, dy := orientForward(o, sx, sy, w, h)
			p := out.Pix[dy*out.Stride+4*dx:]
			p[0], p[1], p[2], p[3] = row[3*sx], row[3*sx+1], row[3*sx+2], 0xff
		}
	}
	return out
}

// orientForward maps source pixel (sx, sy) of a w×h image to its display position.
func orientForward(o, sx, sy, w, h int) (dx, dy int) {
	switch o {
	case 2:
		return w - 1 - sx, sy
	case 3:
		return w - 1 - sx, h - 1 - sy
	case 4:
		return sx, h - 1 - sy
	case 5:
		return sy, sx
	case 6:
		return h - 1 - sy, sx
	case 7:
		return h - 1 - sy, w - 1 - sx
	case 8:
		return sy, w - 1 - sx
	}
	return sx, sy
}

// orientRef is the slow obvious twin: for each display pixel, fetch the source pixel it shows
// (inverse map display → source, written independently of orientForward).
func orientRef(img image.Image, o int) *image.RGBA {
	src := toRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	ow, oh := w, h
	if o >= 5 && o <= 8 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			var sx, sy int
			switch o {
			case 2: // mirror: display column x shows source column w-1-x
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5: // transpose
				sx, sy = y, x
			case 6: // display top-left is the source bottom-left
				sx, sy = y, h-1-x
			case 7: // display top-left is the source bottom-right
				sx, sy = w-1-y, h-1-x
			case 8: // display top-left is the source top-right
				sx, sy = w-1-y, x
			default:
				sx, sy = x, y
			}
			out.SetRGBA(x, y, src.RGBAAt(sx, sy))
		}
	}
	return out
}
