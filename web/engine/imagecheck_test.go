// CheckHeader on each kind of file it must refuse from its first and last bytes alone, and on
// the photos it must let through (CMYK JPEG, 16-bit PNG, animated GIF, a JPEG whose frame
// header lies beyond HeaderBytes, a format only the browser knows).
package engine

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// pngHeader is the start of a w×h 8-bit grey PNG: signature and IHDR, nothing decodable after.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 17)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	ihdr[12] = 8
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(ihdr))
	return b.Bytes()
}

func encoded(t *testing.T, enc func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tailOf(b []byte) []byte { return b[max(0, len(b)-TailBytes):] }

func TestCheckHeaderRefuses(t *testing.T) {
	small := image.NewRGBA(image.Rect(0, 0, 32, 24))
	whole := encoded(t, func(b *bytes.Buffer) error { return png.Encode(b, small) })
	cut := whole[:len(whole)-20]
	heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 100)...)
	svg := []byte(`<?xml version="1.0"?>` + "\n" + `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	for _, c := range []struct {
		name, mime string
		size       int64
		head, tail []byte
		want       []string
	}{
		{"bomb.png", "image/png", 100_000, pngHeader(10000, 10000), pngEnd, []string{"“bomb.png”", "10000×10000", "100 Mpx", "64 Mpx"}},
		{"wide.png", "image/png", 100_000, pngHeader(1<<20, 65), pngEnd, []string{"1048576×65", "64 Mpx"}},
		{"empty.jpg", "image/jpeg", 0, nil, nil, []string{"“empty.jpg”", "empty"}},
		{"huge.jpg", "image/jpeg", 500 << 20, nil, nil, []string{"“huge.jpg”", "524 MB", "256 MB"}},
		{"cut.png", "image/png", int64(len(cut)), cut, tailOf(cut), []string{"“cut.png”", "cut short"}},
		{"IMG_1.HEIC", "", 2e6, heic, nil, []string{"“IMG_1.HEIC”", "HEIC", "Convert it to JPEG or PNG"}},
		{"a.svg", "image/svg+xml", int64(len(svg)), svg, tailOf(svg), []string{"“a.svg”", "SVG", "scripts", "Convert it to JPEG or PNG"}},
		{"b.svg", "image/svg+xml", 10, []byte("<!-- x -->"), nil, []string{"SVG", "scripts"}},
		{"zero.png", "image/png", 100, pngHeader(0, 10), pngEnd, []string{"“zero.png”", "damaged"}},
		{"c.svg", "", 5000, []byte("<!-- " + strings.Repeat("a long licence ", 100) + " --><svg>"), nil, []string{"SVG", "scripts"}},
		{"broken.gif", "image/gif", 7, []byte("GIF89a\x01"), nil, []string{"“broken.gif”", "GIF", "damaged or cut short"}},
		{"notes.jpg", "image/jpeg", 12, []byte("hello there\n"), nil, []string{"text file"}},
	} {
		got := CheckHeader(c.name, c.mime, c.size, c.head, c.tail)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q; want it to say %q", c.name, got, w)
			}
		}
	}
}

func TestCheckHeaderAccepts(t *testing.T) {
	rgba := image.NewRGBA(image.Rect(0, 0, 40, 30))
	deep := image.NewRGBA64(image.Rect(0, 0, 40, 30))
	deep.SetRGBA64(3, 4, color.RGBA64{1, 2, 3, 0xffff})
	pal := color.Palette{color.Black, color.White}
	anim := &gif.GIF{Image: []*image.Paletted{image.NewPaletted(image.Rect(0, 0, 8, 8), pal), image.NewPaletted(image.Rect(0, 0, 8, 8), pal)}, Delay: []int{10, 10}}
	files := map[string][]byte{
		"photo.jpg":    encoded(t, func(b *bytes.Buffer) error { return jpeg.Encode(b, rgba, nil) }),
		"deep.png":     encoded(t, func(b *bytes.Buffer) error { return png.Encode(b, deep) }),
		"animated.gif": encoded(t, func(b *bytes.Buffer) error { return gif.EncodeAll(b, anim) }),
		"limit.png":    append(pngHeader(8192, 8192), pngEnd...), // exactly 64 Mpx
	}
	if cmyk, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "src", "image", "testdata", "video-001.cmyk.jpeg")); err == nil {
		files["cmyk.jpg"] = cmyk
	}
	// A JPEG whose frame header lies beyond HeaderBytes (a big APP1 segment first): the
	// header cannot be read from the first bytes, so the browser is left to decode it.
	jpg := files["photo.jpg"]
	app1 := append([]byte{0xff, 0xe1, 0xff, 0xff}, make([]byte, 0xfffd)...)
	files["exif.jpg"] = append(append(append([]byte{}, jpg[:2]...), append(app1, app1...)...), jpg[2:]...)
	for name, data := range files {
		head := data[:min(len(data), HeaderBytes)]
		if got := CheckHeader(name, "", int64(len(data)), head, tailOf(data)); got != "" {
			t.Errorf("%s refused: %q", name, got)
		}
	}
	if got := CheckHeader("photo.avif", "image/avif", 1000, []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"), nil); got != "" {
		t.Errorf("AVIF (the browser decodes it) refused: %q", got)
	}
}
