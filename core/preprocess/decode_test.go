// decode_test.go tests Decode: every format, the pixel budget, non-image input, real photos.
package preprocess

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// Tolerances on decoded block centres (8-bit levels), per codec.
const (
	// Go's JPEG encoder at quality 95 with 4:2:0 chroma: flat 8×8 blocks come back within a few
	// levels; block centres are 2+ pixels from any colour edge.
	jpegLevelTol = 12
	// libwebp lossy at quality 95 on this 32×24 pattern (measured: within ~20 levels; chroma is
	// subsampled 2×, and the blocks are small).
	webpLossyLevelTol = 40
)

func TestDecodeFormats(t *testing.T) {
	cases := []struct {
		file, format string
		tol          int // 0: lossless, exact
	}{
		{"pattern.png", "png", 0},
		{"pattern_alpha.png", "png", 0}, // alpha 0..255, colours must survive (PIL convert("RGB"))
		{"pattern.gif", "gif", 0},
		{"pattern.bmp", "bmp", 0},
		{"pattern_lossless.webp", "webp", 0},
		{"pattern.jpg", "jpeg", jpegLevelTol},
		{"pattern_lossy.webp", "webp", webpLossyLevelTol},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			img, format, err := Decode(readFixture(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if format != c.format {
				t.Errorf("format %q, want %q", format, c.format)
			}
			if b := img.Bounds(); b.Dx() != patternW || b.Dy() != patternH {
				t.Fatalf("size %v, want %d×%d", b, patternW, patternH)
			}
			rgb := toRGBA(img)
			for y := 0; y < patternH; y++ {
				for x := 0; x < patternW; x++ {
					if c.tol > 0 && (x%patternBlock != patternBlock/2 || y%patternBlock != patternBlock/2) {
						continue // lossy: block centres only
					}
					got, want := rgb.RGBAAt(x, y), patternColor(x, y)
					if absDiff(got.R, want.R) > c.tol || absDiff(got.G, want.G) > c.tol || absDiff(got.B, want.B) > c.tol {
						t.Fatalf("pixel (%d,%d) = %v, want %v ± %d", x, y, got, want, c.tol)
					}
				}
			}
		})
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// pngHeaderOnly is a PNG signature plus a valid IHDR chunk claiming w×h 8-bit RGB, and nothing else.
func pngHeaderOnly(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // bit depth 8, colour type 2 (RGB)
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// jpegHeaderOnly is SOI, a baseline SOF0 for one 8-bit component of w×h, and an empty SOS segment
// (image/jpeg's DecodeConfig reads up to SOS when there is no JFIF APP0).
func jpegHeaderOnly(w, h uint16) []byte {
	return []byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0,
		0xFF, 0xDA, 0x00, 0x02}
}

func TestDecodeRefusesOverPixelBudget(t *testing.T) {
	cases := []struct {
		name, size string
		data       []byte
	}{
		{"png 100000×100000", "100000×100000", pngHeaderOnly(100000, 100000)},
		{"png 8193×8193", "8193×8193", pngHeaderOnly(8193, 8193)}, // just over 64 Mpx
		{"jpeg 65535×65535", "65535×65535", jpegHeaderOnly(65535, 65535)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, _, err := Decode(c.data)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
			for _, s := range []string{c.size, "64 Mpx"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			// Refusal must come from the header alone: a few KiB of reader state, not pixels.
			const maxRefusalAlloc = 1 << 20
			if n := after.TotalAlloc - before.TotalAlloc; n > maxRefusalAlloc {
				t.Errorf("refusing allocated %d bytes, want < %d", n, maxRefusalAlloc)
			}
		})
	}
	// Just under the budget is accepted by the header check (decoding then fails: no pixel data).
	_, _, err := Decode(pngHeaderOnly(8192, 8192))
	if err == nil || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrNotImage) {
		t.Errorf("8192×8192 header-only PNG: err = %v, want a decode error that is not ErrTooLarge/ErrNotImage", err)
	}
}

func TestDecodeNotImage(t *testing.T) {
	cases := []struct {
		name, data, says string
	}{
		{"empty", "", "0 bytes"},
		{"html", "<!DOCTYPE html><html><body>404</body></html>", "HTML"},
		{"svg", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`, "SVG"},
		{"pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"},
		{"zip", "PK\x03\x04\x14\x00\x00\x00", "ZIP"},
		{"heic", "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "HEIC"},
		{"tiff", "II*\x00\x08\x00\x00\x00", "TIFF"},
		{"text", "hello, world\n", "text"},
		{"binary", "\x01\x02\x03\x04\x05\x06\x07\x08\x09", "01 02 03"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Decode([]byte(c.data))
			if !errors.Is(err, ErrNotImage) {
				t.Fatalf("err = %v, want ErrNotImage", err)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q does not say %q", err, c.says)
			}
		})
	}
}

func TestDecodeTruncatedIsAnErrorNotAPanic(t *testing.T) {
	for _, name := range []string{"pattern.png", "pattern.jpg", "pattern.gif", "pattern.bmp", "pattern_lossless.webp", "orient6.jpg"} {
		data := readFixture(t, name)
		for n := 0; n < len(data); n += 1 + n/16 {
			img, _, err := Decode(data[:n])
			if err == nil && img.Bounds().Empty() {
				t.Errorf("%s[:%d]: no error and an empty image", name, n)
			}
		}
	}
}

func TestDecodeAppliesExifOrientation(t *testing.T) {
	img, format, err := Decode(readFixture(t, "orient6.jpg"))
	if err != nil || format != "jpeg" {
		t.Fatalf("Decode: %v, %q", err, format)
	}
	// Stored 32×24; orientation 6 shows it rotated 90° clockwise: 24×32, display (x, y) is
	// stored (y, 23-x). Checked against Pillow's ImageOps.exif_transpose on this same file.
	if b := img.Bounds(); b.Dx() != patternH || b.Dy() != patternW {
		t.Fatalf("size %v, want %d×%d", b.Size(), patternH, patternW)
	}
	rgb := toRGBA(img)
	for by := 0; by < patternW/patternBlock; by++ {
		for bx := 0; bx < patternH/patternBlock; bx++ {
			x, y := bx*patternBlock+patternBlock/2, by*patternBlock+patternBlock/2
			got, want := rgb.RGBAAt(x, y), patternColor(y, patternH-1-x)
			if absDiff(got.R, want.R) > jpegLevelTol || absDiff(got.G, want.G) > jpegLevelTol || absDiff(got.B, want.B) > jpegLevelTol {
				t.Errorf("display (%d,%d) = %v, want stored (%d,%d) = %v", x, y, got, y, patternH-1-x, want)
			}
		}
	}
}

// TestDecodeRealPhotos decodes and loads real photos from the shared data set.
func TestDecodeRealPhotos(t *testing.T) {
	root := sharedData(t)
	if root == "" {
		t.Skip("shared data not found (set GRAFT_SHARED or place ../shared beside the repository)")
	}
	var files []string
	for _, pattern := range []string{
		"imagenet-samples/images/*.JPEG",
		"cats-vs-dogs/train/cats/cat.1*.jpg",
		"kimmeen-test-images/test_images/*.jpg",
		"resnet50-caffe-partial/test/*.jpg",
	} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		sort.Strings(m)
		if len(m) > 12 {
			m = m[:12]
		}
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found only %d photos under %s", len(files), root)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		img, format, err := Decode(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if format != "jpeg" || img.Bounds().Empty() {
			t.Errorf("%s: format %q bounds %v", f, format, img.Bounds())
		}
		for _, mode := range []ResizeMode{Nearest, Crop} {
			x, err := Load(data, mode, InputSize)
			if err != nil {
				t.Fatalf("%s %s: %v", f, mode, err)
			}
			if len(x) != InputSize*InputSize*3 {
				t.Fatalf("%s %s: len %d", f, mode, len(x))
			}
			lo, hi := x[0], x[0]
			for _, v := range x {
				lo, hi = min(lo, v), max(hi, v)
			}
			if lo < -123.68 || hi > 255-103.939 || hi-lo < 20 {
				t.Errorf("%s %s: values in [%g, %g], want inside [-123.68, 151.061] and not flat", f, mode, lo, hi)
			}
		}
	}
}
