package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"reflect"
	"testing"
)

// TestAddHashedListsAsAdd: a folder listed from sizes, hashes and first bytes is the folder
// listed from whole files — entries, classes, duplicates and every skip reason — and a JPEG
// whose frame header lies beyond the bytes given is handed back for Add.
func TestAddHashedListsAsAdd(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 9, 7))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	var pngB, jpgB bytes.Buffer
	if err := png.Encode(&pngB, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpgB, img, nil); err != nil {
		t.Fatal(err)
	}
	// A JPEG with 128 KiB of metadata (two APP1 segments) between SOI and its frame header.
	app1 := func() []byte {
		seg := make([]byte, 2+2+65000)
		seg[0], seg[1], seg[2], seg[3] = 0xFF, 0xE1, byte((65002)>>8), byte(65002&0xFF)
		return seg
	}
	bigMeta := append(append(append([]byte{}, jpgB.Bytes()[:2]...), append(app1(), app1()...)...), jpgB.Bytes()[2:]...)
	files := []struct {
		rel  string
		data []byte
	}{
		{"cats/a.png", pngB.Bytes()},
		{"cats/b.jpg", jpgB.Bytes()},
		{"dogs/copy-of-a.png", pngB.Bytes()}, // a duplicate
		{"dogs/meta.jpg", bigMeta},
		{"dogs/notes.txt", []byte("milk, eggs")},
		{"dogs/cut.png", pngB.Bytes()[:20]}, // shorter than its header: undecodable
		{"dogs/empty.jpg", nil},
		{".hidden/x.png", pngB.Bytes()},
		{"loose.png", pngB.Bytes()},
	}
	whole, hashed := NewLister(), NewLister()
	handedBack := 0
	for _, f := range files {
		whole.Add(f.rel, f.data)
		sum := sha256.Sum256(f.data)
		header := f.data[:min(len(f.data), HeaderBytes)]
		if !hashed.AddHashed(f.rel, int64(len(f.data)), hex.EncodeToString(sum[:]), header) {
			handedBack++
			hashed.Add(f.rel, f.data)
		}
	}
	if handedBack != 1 {
		t.Errorf("%d files handed back for Add, want 1 (the JPEG with 128 KiB of metadata)", handedBack)
	}
	got, want := hashed.Listing(), whole.Listing()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listed from hashes:\n%+v\nfrom whole files:\n%+v", got, want)
	}
	if len(want.Entries) != 3 || len(want.Skipped) != 6 {
		t.Errorf("the folder lists %d entries and %d skips, want 3 and 6: %+v", len(want.Entries), len(want.Skipped), want)
	}
}

// A file too large to read is skipped for its size, counted under ReasonTooLarge.
func TestAddTooLarge(t *testing.T) {
	l := NewLister()
	l.AddTooLarge("/cats/huge.jpg", 500<<20, 256<<20)
	got := l.Listing()
	if len(got.Skipped) != 1 || got.Skipped[0].Path != "cats/huge.jpg" || got.Skipped[0].Reason != "too large: 524 MB (photos up to 256 MB)" {
		t.Errorf("skipped %+v", got.Skipped)
	}
	if c := got.SkipCounts(); len(c) != 1 || c[0].Reason != ReasonTooLarge {
		t.Errorf("skip counts %+v, want one under %q", c, ReasonTooLarge)
	}
}
