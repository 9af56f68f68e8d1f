// pil_crosscheck_test.go compares our decode and resize with Pillow's on real photos, from files
// written by testdata/pil_crosscheck.py (Pillow is not needed by the normal test run). It
// checks Nearest is bit-exact (Keras load_img parity) and Crop within one level of Pillow's
// 8-bit fixed-point BILINEAR box resize, and reports how far Go's JPEG decoder is from libjpeg's.
package preprocess

import (
	"bufio"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// pilCropLevelTol: Pillow quantises the horizontal pass to 8 bits and uses 22-bit fixed-point
// weights; we sum in float and round once, so single values may differ by one level.
const pilCropLevelTol = 1

func TestPILCrossCheck(t *testing.T) {
	dir := os.Getenv("GRAFT_PIL_DIR")
	if dir == "" {
		t.Skip("GRAFT_PIL_DIR not set (see testdata/pil_crosscheck.py)")
	}
	f, err := os.Open(filepath.Join(dir, "list.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var i int
		var path string
		if _, err := fmt.Sscanf(sc.Text(), "%d %s", &i, &path); err != nil {
			t.Fatal(err)
		}
		file := func(prefix, ext string) string { return filepath.Join(dir, fmt.Sprintf("%s%d.%s", prefix, i, ext)) }
		src, err := os.ReadFile(file("src", "png"))
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := Decode(src)
		if err != nil {
			t.Fatal(err)
		}
		near, _ := Resize(img, Nearest, InputSize)
		crop, _ := Resize(img, Crop, InputSize)
		nearMax, _, _ := compareRaw(t, rgbBytes(near), file("near", "raw"))
		cropMax, cropMean, _ := compareRaw(t, rgbBytes(crop), file("crop", "raw"))
		if nearMax != 0 {
			t.Errorf("%s: nearest differs from Pillow by up to %d levels, want bit-exact", path, nearMax)
		}
		if cropMax > pilCropLevelTol {
			t.Errorf("%s: crop differs from Pillow by up to %d levels, want ≤ %d", path, cropMax, pilCropLevelTol)
		}
		msg := ""
		if jpg, err := os.ReadFile(path); err == nil {
			if dimg, _, err := Decode(jpg); err == nil {
				decMax, decMean, _ := compareRaw(t, rgbBytes(toRGBA(dimg)), file("dec", "raw"))
				msg = fmt.Sprintf("; Go vs libjpeg decode: max %d, mean %.3f levels", decMax, decMean)
			}
		}
		t.Logf("%s: nearest max %d; crop max %d mean %.3f%s", filepath.Base(path), nearMax, cropMax, cropMean, msg)
	}
}

// compareRaw compares packed RGB bytes with a raw file: max and mean absolute difference,
// fraction of bytes that differ.
func compareRaw(t *testing.T, got []byte, file string) (maxDiff int, mean, frac float64) {
	t.Helper()
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Fatalf("%s: %d bytes, ours %d", file, len(want), len(got))
	}
	sum, n := 0, 0
	for k := range want {
		d := absDiff(got[k], want[k])
		maxDiff, sum = max(maxDiff, d), sum+d
		if d != 0 {
			n++
		}
	}
	return maxDiff, float64(sum) / float64(len(want)), float64(n) / float64(len(want))
}

func rgbBytes(m *image.RGBA) []byte {
	out := make([]byte, 0, m.Rect.Dx()*m.Rect.Dy()*3)
	for y := 0; y < m.Rect.Dy(); y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+4*m.Rect.Dx()]
		for i := 0; i < len(row); i += 4 {
			out = append(out, row[i], row[i+1], row[i+2])
		}
	}
	return out
}
