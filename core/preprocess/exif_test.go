// exif_test.go tests the EXIF orientation reader on spliced JPEGs and malformed input, and fuzzes it.
package preprocess

import (
	"encoding/binary"
	"image"
	"testing"
)

func smallJPEG(t testing.TB) []byte {
	return encodeJPEG(t, image.NewGray(image.Rect(0, 0, 8, 8)), 90)
}

func TestExifOrientation(t *testing.T) {
	jpg := smallJPEG(t)
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, typ := range []uint16{tiffTypeShort, tiffTypeLong} {
			for v := uint32(0); v <= 10; v++ {
				want := int(v)
				if v < 1 || v > 8 {
					want = 1
				}
				data := spliceAfterSOI(jpg, exifAPP1(bo, typ, v))
				if got := exifOrientation(data); got != want {
					t.Errorf("%v type %d value %d: got %d, want %d", bo, typ, v, got, want)
				}
			}
		}
	}
	app0 := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	xmp := append([]byte{0xFF, 0xE1, 0, 12}, []byte("http://ns\x00")...)
	cases := []struct {
		name string
		data []byte
		want int
	}{
		{"no exif", jpg, 1},
		{"after APP0 and an XMP APP1", spliceAfterSOI(jpg, append(append(append([]byte{}, app0...), xmp...), exifAPP1(binary.BigEndian, 3, 8)...)), 8},
		{"fill bytes before the marker", spliceAfterSOI(jpg, append([]byte{0xFF, 0xFF}, exifAPP1(binary.LittleEndian, 3, 5)...)), 5},
		{"after SOS is ignored", append(append([]byte{}, jpg[:len(jpg)-2]...), exifAPP1(binary.BigEndian, 3, 6)...), 1},
		{"not a JPEG", exifAPP1(binary.BigEndian, 3, 6), 1},
		{"wrong type (ASCII)", spliceAfterSOI(jpg, exifAPP1With(func(e []byte) { binary.BigEndian.PutUint16(e[2:], 2) })), 1},
		{"count 2", spliceAfterSOI(jpg, exifAPP1With(func(e []byte) { binary.BigEndian.PutUint32(e[4:], 2) })), 1},
		{"other tag", spliceAfterSOI(jpg, exifAPP1With(func(e []byte) { binary.BigEndian.PutUint16(e[0:], 0x0110) })), 1},
	}
	for _, c := range cases {
		if got := exifOrientation(c.data); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
	// Every truncation of a file with orientation 3 yields 1 or 3, never a panic.
	full := spliceAfterSOI(jpg, exifAPP1(binary.BigEndian, 3, 3))
	for n := 0; n <= len(full); n++ {
		if got := exifOrientation(full[:n]); got != 1 && got != 3 {
			t.Fatalf("truncated to %d: got %d", n, got)
		}
	}
}

// exifAPP1With builds a big-endian orientation-6 APP1 and lets edit change its IFD entry.
func exifAPP1With(edit func(entry []byte)) []byte {
	seg := exifAPP1(binary.BigEndian, 3, 6)
	// segment: FF E1 len(2) "Exif\0\0"(6) TIFF header(8) count(2) entry(12)...
	edit(seg[4+6+8+2 : 4+6+8+2+12])
	return seg
}

func TestTiffOrientationBadOffsets(t *testing.T) {
	base := exifAPP1(binary.LittleEndian, 3, 6)[10:] // the TIFF structure
	if got := tiffOrientation(base); got != 6 {
		t.Fatalf("base: got %d, want 6", got)
	}
	for _, off := range []uint32{0, 4, 7, uint32(len(base) - 1), uint32(len(base)), 1 << 31, 0xFFFFFFFF} {
		b := append([]byte{}, base...)
		binary.LittleEndian.PutUint32(b[4:], off)
		if got := tiffOrientation(b); got != 1 {
			t.Errorf("IFD offset %d: got %d, want 1", off, got)
		}
	}
	b := append([]byte{}, base...)
	binary.LittleEndian.PutUint16(b[8:], 0xFFFF) // count runs past the end: entry 0 is still read
	if got := tiffOrientation(b); got != 6 {
		t.Errorf("huge count: got %d, want 6", got)
	}
	b[2] = 43 // not 42
	if got := tiffOrientation(b); got != 1 {
		t.Errorf("magic 43: got %d, want 1", got)
	}
}

// FuzzExifOrientation: any bytes give an orientation in 1..8 and no panic, both for the
// JPEG walker and for the TIFF reader alone. Run: go test -fuzz FuzzExifOrientation -fuzztime 45s
func FuzzExifOrientation(f *testing.F) {
	jpg := smallJPEG(f)
	f.Add(jpg)
	f.Add(spliceAfterSOI(jpg, exifAPP1(binary.BigEndian, 3, 6)))
	f.Add(spliceAfterSOI(jpg, exifAPP1(binary.LittleEndian, 4, 8)))
	f.Add(readFixture(f, "orient6.jpg"))
	f.Add(exifAPP1(binary.BigEndian, 3, 6)[10:])
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := exifOrientation(data); o < 1 || o > 8 {
			t.Fatalf("exifOrientation = %d", o)
		}
		if o := tiffOrientation(data); o < 1 || o > 8 {
			t.Fatalf("tiffOrientation = %d", o)
		}
	})
}

// FuzzDecode: Decode returns an image or an error, never panics, and never returns an image
// over the pixel budget. Run: go test -fuzz FuzzDecode -fuzztime 30s
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"pattern.png", "pattern.gif", "pattern.bmp", "pattern_lossless.webp", "orient6.jpg"} {
		f.Add(readFixture(f, name))
	}
	f.Add(pngHeaderOnly(100000, 100000))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, _, err := Decode(data)
		if err != nil {
			return
		}
		b := img.Bounds()
		if b.Empty() || int64(b.Dx())*int64(b.Dy()) > MaxPixels {
			t.Fatalf("Decode returned bounds %v without error", b)
		}
		if _, err := Resize(img, Crop, 7); err != nil {
			t.Fatal(err)
		}
	})
}
