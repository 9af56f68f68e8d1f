// orient_test.go checks the 8 EXIF orientations on a 2×3 asymmetric image against tables
// written out by hand from the EXIF definitions, for orient and its twin orientRef, and through
// Decode on JPEGs with each orientation spliced in.
package preprocess

import (
	"encoding/binary"
	"image"
	"image/color"
	"testing"
)

func TestOrientTable(t *testing.T) {
	// Stored 2 wide × 3 tall:   a b
	//                           c d
	//                           e f
	stored := []string{"ab", "cd", "ef"}
	want := map[int][]string{
		1: {"ab", "cd", "ef"},
		2: {"ba", "dc", "fe"}, // mirrored left–right
		3: {"fe", "dc", "ba"}, // rotated 180°
		4: {"ef", "cd", "ab"}, // mirrored top–bottom
		5: {"ace", "bdf"},     // transposed (main diagonal)
		6: {"eca", "fdb"},     // rotated 90° clockwise: left column becomes the top row, reversed
		7: {"fdb", "eca"},     // transversed (anti-diagonal)
		8: {"bdf", "ace"},     // rotated 90° counter-clockwise: right column becomes the top row
	}
	img := letterImage(stored)
	for o := 1; o <= 8; o++ {
		for name, f := range map[string]func(image.Image, int) *image.RGBA{"orient": orient, "orientRef": orientRef} {
			got := imageLetters(f(img, o))
			if !equalRows(got, want[o]) {
				t.Errorf("%s orientation %d: got %q, want %q", name, o, got, want[o])
			}
		}
	}
}

// letterImage encodes letters as grey levels: 'a' → 10, 'b' → 20, ...
func letterImage(rows []string) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, len(rows[0]), len(rows)))
	for y, r := range rows {
		for x, ch := range r {
			v := uint8(10 * (ch - 'a' + 1))
			m.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	return m
}

func imageLetters(m *image.RGBA) []string {
	var rows []string
	for y := 0; y < m.Rect.Dy(); y++ {
		var r []byte
		for x := 0; x < m.Rect.Dx(); x++ {
			r = append(r, byte('a'+int(m.RGBAAt(x, y).R)/10-1))
		}
		rows = append(rows, string(r))
	}
	return rows
}

func equalRows(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestOrientMatchesRefAwkward: orient and orientRef agree on awkward sizes and a sub-image
// with a non-zero origin.
func TestOrientMatchesRefAwkward(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {1, 7}, {7, 1}, {2, 3}, {17, 5}, {31, 33}} {
		big := noiseRGBA(sz[0]+3, sz[1]+2, int64(sz[0]*100+sz[1]))
		sub := big.SubImage(image.Rect(2, 1, 2+sz[0], 1+sz[1]))
		for o := 1; o <= 8; o++ {
			a, b := orient(sub, o), orientRef(sub, o)
			if a.Rect != b.Rect || string(a.Pix) != string(b.Pix) {
				t.Fatalf("size %v orientation %d: orient and orientRef differ", sz, o)
			}
		}
	}
}

// TestDecodeOrientationsEndToEnd: a 2×3 grid of flat 8×8 colour blocks, JPEG-encoded with
// each orientation spliced in, decodes to the hand-written arrangement.
func TestDecodeOrientationsEndToEnd(t *testing.T) {
	colours := map[byte]color.RGBA{
		'a': {230, 25, 75, 255}, 'b': {60, 180, 75, 255}, 'c': {255, 225, 25, 255},
		'd': {0, 130, 200, 255}, 'e': {145, 30, 180, 255}, 'f': {0, 0, 0, 255},
	}
	const blk = 8
	stored := []string{"ab", "cd", "ef"}
	m := image.NewRGBA(image.Rect(0, 0, 2*blk, 3*blk))
	for y := 0; y < 3*blk; y++ {
		for x := 0; x < 2*blk; x++ {
			m.SetRGBA(x, y, colours[stored[y/blk][x/blk]])
		}
	}
	jpg := encodeJPEG(t, m, 100)
	want := map[int][]string{
		1: {"ab", "cd", "ef"}, 2: {"ba", "dc", "fe"}, 3: {"fe", "dc", "ba"}, 4: {"ef", "cd", "ab"},
		5: {"ace", "bdf"}, 6: {"eca", "fdb"}, 7: {"fdb", "eca"}, 8: {"bdf", "ace"},
	}
	for o := 1; o <= 8; o++ {
		img, _, err := Decode(spliceAfterSOI(jpg, exifAPP1(binary.LittleEndian, 3, uint32(o))))
		if err != nil {
			t.Fatal(err)
		}
		rgb := toRGBA(img)
		rows := want[o]
		if rgb.Rect.Dx() != len(rows[0])*blk || rgb.Rect.Dy() != len(rows)*blk {
			t.Fatalf("orientation %d: size %v", o, rgb.Rect.Size())
		}
		for by, r := range rows {
			for bx, ch := range []byte(r) {
				got, w := rgb.RGBAAt(bx*blk+blk/2, by*blk+blk/2), colours[ch]
				if absDiff(got.R, w.R) > jpegLevelTol || absDiff(got.G, w.G) > jpegLevelTol || absDiff(got.B, w.B) > jpegLevelTol {
					t.Errorf("orientation %d block (%d,%d) = %v, want %q %v", o, bx, by, got, ch, w)
				}
			}
		}
	}
}
