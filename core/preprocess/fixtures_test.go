// fixtures_test.go holds the test pattern, the helpers that find shared data, the EXIF splicer,
// and the writer of the Go-encoded fixtures in testdata/ (go test ./core/preprocess -run
// TestWriteFixtures -update). The WebP fixtures come from Pillow (testdata/pil_fixtures.py),
// since golang.org/x/image has no WebP encoder.
package preprocess

import (
	"bytes"
	"encoding/binary"
	"flag"
	"github.com/graftml/graft/internal/shared"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
)

var update = flag.Bool("update", false, "rewrite the Go-encoded fixtures in testdata/")

// Test pattern: patternW×patternH, blocks of patternBlock² pixels, one palette colour per block,
// so that lossy codecs keep block centres close to the true colour.
const (
	patternW, patternH, patternBlock = 32, 24, 8
)

var patternPalette = color.Palette{
	color.RGBA{230, 25, 75, 255}, color.RGBA{60, 180, 75, 255}, color.RGBA{255, 225, 25, 255},
	color.RGBA{0, 130, 200, 255}, color.RGBA{245, 130, 48, 255}, color.RGBA{145, 30, 180, 255},
	color.RGBA{70, 240, 240, 255}, color.RGBA{240, 50, 230, 255}, color.RGBA{0, 0, 0, 255},
	color.RGBA{255, 255, 255, 255}, color.RGBA{128, 128, 0, 255}, color.RGBA{0, 0, 128, 255},
}

// patternColor is the true colour of pixel (x, y) of the pattern.
func patternColor(x, y int) color.RGBA {
	bx, by := x/patternBlock, y/patternBlock
	return patternPalette[(by*(patternW/patternBlock)+bx)%len(patternPalette)].(color.RGBA)
}

func patternPaletted() *image.Paletted {
	m := image.NewPaletted(image.Rect(0, 0, patternW, patternH), patternPalette)
	for y := 0; y < patternH; y++ {
		for x := 0; x < patternW; x++ {
			m.Set(x, y, patternColor(x, y))
		}
	}
	return m
}

func patternRGBA() *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, patternW, patternH))
	for y := 0; y < patternH; y++ {
		for x := 0; x < patternW; x++ {
			m.SetRGBA(x, y, patternColor(x, y))
		}
	}
	return m
}

// patternAlpha has the pattern's colours with alpha varying from 0 to 255 across the image:
// straight (non-premultiplied), so PIL's convert("RGB") would return the pattern unchanged.
func patternAlpha() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, patternW, patternH))
	for y := 0; y < patternH; y++ {
		for x := 0; x < patternW; x++ {
			c := patternColor(x, y)
			m.SetNRGBA(x, y, color.NRGBA{c.R, c.G, c.B, uint8((x + y*patternW) * 255 / (patternW*patternH - 1))})
		}
	}
	return m
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// exifAPP1 builds an APP1 segment (marker included) holding a TIFF IFD0 with one Orientation
// entry of the given type (3 SHORT or 4 LONG) and value, in byte order bo.
func exifAPP1(bo binary.ByteOrder, typ uint16, value uint32) []byte {
	tiff := make([]byte, 8+2+12+4)
	if bo == binary.ByteOrder(binary.LittleEndian) {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	bo.PutUint16(tiff[2:], 42)
	bo.PutUint32(tiff[4:], 8) // IFD0 right after the header
	bo.PutUint16(tiff[8:], 1) // one entry
	e := tiff[10:22]
	bo.PutUint16(e[0:], 0x0112)
	bo.PutUint16(e[2:], typ)
	bo.PutUint32(e[4:], 1)
	if typ == 3 {
		bo.PutUint16(e[8:], uint16(value))
	} else {
		bo.PutUint32(e[8:], value)
	}
	// next-IFD offset 0 (last 4 bytes) is already zero
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// spliceAfterSOI inserts segment right after a JPEG's SOI marker.
func spliceAfterSOI(jpg, segment []byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, segment...)
	return append(out, jpg[2:]...)
}

// sharedData returns the shared data folder (internal/shared), or "" when it is absent.
func sharedData(t testing.TB) string {
	t.Helper()
	if d := shared.Dir(); d != "" {
		return filepath.Join(d, "data")
	}
	return ""
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("fixture %s: %v (Go-encoded fixtures: go test -run TestWriteFixtures -update)", name, err)
	}
	return b
}

// TestWriteFixtures rewrites the Go-encoded fixtures; it runs only with -update.
func TestWriteFixtures(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/ fixtures")
	}
	var gifBuf, bmpBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, patternPaletted(), nil); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bmpBuf, patternRGBA()); err != nil {
		t.Fatal(err)
	}
	jpg := encodeJPEG(t, patternRGBA(), 95)
	files := map[string][]byte{
		"pattern.png":       encodePNG(t, patternRGBA()),
		"pattern_alpha.png": encodePNG(t, patternAlpha()),
		"pattern.jpg":       jpg,
		"pattern.gif":       gifBuf.Bytes(),
		"pattern.bmp":       bmpBuf.Bytes(),
		// The pattern stored as shot by a camera held rotated: the file's pixels are the
		// pattern, and EXIF orientation 6 (big-endian, as many cameras write) asks viewers to
		// rotate it 90° clockwise.
		"orient6.jpg": spliceAfterSOI(jpg, exifAPP1(binary.BigEndian, 3, 6)),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
