package engine

import (
	"math"
	"strings"
	"testing"
)

func TestLimitsFit(t *testing.T) {
	for _, l := range []Limits{PhotoLimits, FolderLimits, {100, 5000}} {
		for _, tc := range []struct{ w, h int }{
			{1, 1}, {224, 224}, {4032, 3024}, {4096, 4096}, {4097, 10}, {8064, 6048}, {6048, 8064},
			{20000, 3}, {3, 20000}, {5000, 4000}, {4096, 4097}, {100000, 100000}, {2048, 1536}, {2049, 1536},
		} {
			fw, fh, scaled := l.Fit(tc.w, tc.h)
			within := tc.w <= l.Side && tc.h <= l.Side && tc.w*tc.h <= l.Pixels
			if within {
				if scaled || fw != tc.w || fh != tc.h {
					t.Errorf("%v.Fit(%d, %d) = %d, %d, %v; want it unchanged", l, tc.w, tc.h, fw, fh, scaled)
				}
				continue
			}
			if !scaled || fw < 1 || fh < 1 || fw > l.Side || fh > l.Side || fw*fh > l.Pixels {
				t.Errorf("%v.Fit(%d, %d) = %d, %d, %v; want a size within %d px and %d pixels", l, tc.w, tc.h, fw, fh, scaled, l.Side, l.Pixels)
				continue
			}
			// Aspect kept to within a pixel, and not needlessly small (one more pixel on the long
			// side would break a limit, or the long side is at the limit).
			if r0, r1 := float64(tc.w)/float64(tc.h), float64(fw)/float64(fh); min(fw, fh) > 1 && math.Abs(r0-r1) > r1/float64(min(fw, fh)) { // (a short side of 1 px cannot shrink)
				t.Errorf("%v.Fit(%d, %d) = %d, %d: aspect %.4f became %.4f", l, tc.w, tc.h, fw, fh, r0, r1)
			}
			if max(fw, fh) < l.Side && (fw+1)*(fh+1) <= l.Pixels/2 {
				t.Errorf("%v.Fit(%d, %d) = %d, %d is far below the limits", l, tc.w, tc.h, fw, fh)
			}
		}
	}
	if w, h, _ := FolderLimits.Fit(4000, 3000); w != 2048 || h != 1536 {
		t.Errorf("a 4000×3000 folder photo reaches Go at %d×%d, want 2048×1536", w, h)
	}
}

func TestKind(t *testing.T) {
	ftyp := func(major string, compat ...string) []byte {
		b := []byte{0, 0, 0, byte(16 + 4*len(compat)), 'f', 't', 'y', 'p'}
		b = append(b, major...)
		b = append(b, 0, 0, 0, 0)
		for _, c := range compat {
			b = append(b, c...)
		}
		return append(b, "....mdat"...)
	}
	for _, tc := range []struct {
		head []byte
		want string
	}{
		{[]byte("\xff\xd8\xff\xe0\x00\x10JFIF"), "JPEG"},
		{[]byte("\x89PNG\r\n\x1a\n\x00\x00"), "PNG"},
		{[]byte("GIF89a\x01\x00"), "GIF"},
		{[]byte("RIFF\x24\x00\x00\x00WEBPVP8 "), "WebP"},
		{[]byte("BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00"), "BMP"},
		{[]byte("II*\x00\x08\x00\x00\x00"), "TIFF"},
		{[]byte("%PDF-1.7\n"), "PDF"},
		{[]byte("PK\x03\x04\x14\x00"), "ZIP"},
		{ftyp("heic", "mif1", "heic"), "HEIC"},
		{ftyp("mif1", "heic"), "HEIC"},
		{ftyp("avif", "mif1", "miaf"), "AVIF"},
		{ftyp("mif1", "avif"), "AVIF"},
		{ftyp("isom", "iso2", "mp41"), "video"},
		{[]byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">`), "SVG"},
		{[]byte("  <svg viewBox='0 0 1 1'>"), "SVG"},
		{[]byte("Shopping list: milk, eggs.\n"), "text"},
		{[]byte("naïve café — ok"), "text"},
		{[]byte("text cut in a rune: caf\xc3"), "text"},
		{[]byte("\x00\x01\x02\x03binary"), ""},
		{[]byte{}, ""},
	} {
		if got := Kind(tc.head); got != tc.want {
			t.Errorf("Kind(%q) = %q, want %q", tc.head, got, tc.want)
		}
	}
}

func TestUndecodable(t *testing.T) {
	heic := []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
	for _, tc := range []struct {
		name, mime string
		size       int64
		head       []byte
		want       []string
	}{
		{"IMG_0042.HEIC", "image/heic", 2e6, heic, []string{"IMG_0042.HEIC", "HEIC", "cannot decode", "JPEG"}},
		{"notes.txt", "text/plain", 40, []byte("Shopping list\n"), []string{"notes.txt", "text file, not an image"}},
		{"scan.pdf", "application/pdf", 9e5, []byte("%PDF-1.4"), []string{"scan.pdf", "PDF file, not a photo"}},
		{"cut.jpg", "image/jpeg", 100, []byte("\xff\xd8\xff\xdb"), []string{"cut.jpg", "JPEG", "truncated or damaged"}},
		{"empty.png", "image/png", 0, nil, []string{"empty.png", "is empty"}},
		{"blob.bin", "application/octet-stream", 10, []byte("\x00\x01\x02"), []string{"blob.bin", "application/octet-stream", "not an image"}},
		{"mystery", "", 10, []byte("\x00\x01\x02"), []string{"mystery", "not an image"}},
	} {
		got := Undecodable(tc.name, tc.mime, tc.size, tc.head)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("Undecodable(%q) = %q; want it to contain %q", tc.name, got, w)
			}
		}
	}
	if got := TooLarge("huge.tif", 3e8); !strings.Contains(got, "huge.tif") || !strings.Contains(got, "256 MB") {
		t.Errorf("TooLarge: %q", got)
	}
}
