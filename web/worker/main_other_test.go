//go:build !(js && wasm)

package main

import (
	"context"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
)

// ToPixels gives what a canvas's getImageData gives: straight-alpha RGBA from any image type.
func TestToPixels(t *testing.T) {
	pal := image.NewPaletted(image.Rect(2, 3, 5, 5), color.Palette{
		color.NRGBA{10, 20, 30, 255}, color.NRGBA{200, 100, 50, 128}, color.NRGBA{0, 0, 0, 0}})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(i % 3)
	}
	px := ToPixels(pal)
	if px.Width != 3 || px.Height != 2 || px.Stride != 12 || len(px.RGBA) != 24 {
		t.Fatalf("%d×%d stride %d, %d bytes", px.Width, px.Height, px.Stride, len(px.RGBA))
	}
	for y := range 2 {
		for x := range 3 {
			want := color.NRGBAModel.Convert(pal.At(2+x, 3+y)).(color.NRGBA)
			got := px.RGBA[y*px.Stride+4*x:]
			if got[0] != want.R || got[1] != want.G || got[2] != want.B || got[3] != want.A {
				t.Errorf("pixel (%d,%d) = %v, want %v", x, y, got[:4], want)
			}
		}
	}
}

func TestDirFetcher(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := dirFetcher(dir)
	if got, err := f.Fetch(context.Background(), "manifest.json"); err != nil || string(got) != "{}" {
		t.Errorf("Fetch(manifest.json) = %q, %v", got, err)
	}
	for _, bad := range []string{"../manifest.json", "sub/x.bin", "/etc/passwd"} {
		if _, err := f.Fetch(context.Background(), bad); err == nil {
			t.Errorf("Fetch(%q) succeeded", bad)
		}
	}
}
