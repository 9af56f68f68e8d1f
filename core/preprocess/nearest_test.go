// nearest_test.go checks the PIL nearest mapping against Pillow's own output
// (testdata/pil_nearest_indices.txt, written by testdata/pil_nearest.py) and against the exact
// formula on awkward sizes, and checks that resizeNearest samples exactly those pixels.
package preprocess

import (
	"bufio"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestNearestIndexMatchesPillow(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "pil_nearest_indices.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	pairs := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		var nums []int
		for _, field := range strings.Fields(line) {
			v, err := strconv.Atoi(field)
			if err != nil {
				t.Fatalf("bad line %q", line)
			}
			nums = append(nums, v)
		}
		in, out, want := nums[0], nums[1], nums[2:]
		if len(want) != out {
			t.Fatalf("%d→%d: %d indices in the file", in, out, len(want))
		}
		got := nearestIndex(in, out)
		for x := range want {
			if got[x] != want[x] {
				t.Errorf("%d→%d: output %d samples %d, Pillow samples %d", in, out, x, got[x], want[x])
				break
			}
		}
		pairs++
	}
	if pairs < 10 {
		t.Fatalf("only %d size pairs in the Pillow table", pairs)
	}
}

// TestNearestIndexVsFormula: PIL's running sum equals ⌊(2x+1)·in/(2·out)⌋ except where that
// quotient is exact, where it may be one lower (never anything else).
func TestNearestIndexVsFormula(t *testing.T) {
	outs := []int{1, 2, 3, 7, 17, 31, 33, 63, 65, 127, 129, 224, 255}
	lowered := 0
	for in := 1; in <= 1100; in++ {
		for _, out := range outs {
			got, ref := nearestIndex(in, out), nearestIndexRef(in, out)
			for x := range got {
				if got[x] == ref[x] {
					continue
				}
				exact := (2*x+1)*in%(2*out) == 0
				if !exact || got[x] != ref[x]-1 {
					t.Fatalf("%d→%d x=%d: got %d, formula %d (exact quotient: %v)", in, out, x, got[x], ref[x], exact)
				}
				lowered++
			}
			for x, i := range got {
				if i < 0 || i >= in || (x > 0 && i < got[x-1]) {
					t.Fatalf("%d→%d: index %d at %d out of range or not monotone", in, out, i, x)
				}
			}
		}
	}
	if lowered == 0 {
		t.Errorf("no exact-quotient case was lowered; the test no longer exercises PIL's running sum")
	}
}

// coordImage encodes each pixel's own coordinates: R = x&255, G = y&255, B = x>>8 | (y>>8)<<4.
func coordImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), uint8(x>>8 | (y>>8)<<4), 255})
		}
	}
	return m
}

func TestResizeNearestSamplesPILIndices(t *testing.T) {
	for _, sz := range [][4]int{{500, 375, 224, 224}, {80, 75, 224, 224}, {224, 224, 224, 224}, {225, 223, 224, 224}, {64, 192, 224, 224}, {7, 5, 3, 2}, {1, 1, 5, 3}} {
		w, h, ow, oh := sz[0], sz[1], sz[2], sz[3]
		got := resizeNearest(coordImage(w, h), ow, oh)
		xs, ys := nearestIndex(w, ow), nearestIndex(h, oh)
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				c := got.RGBAAt(x, y)
				sx, sy := int(c.R)|int(c.B&15)<<8, int(c.G)|int(c.B>>4)<<8
				if sx != xs[x] || sy != ys[y] || c.A != 255 {
					t.Fatalf("%v: output (%d,%d) shows source (%d,%d) alpha %d, want (%d,%d)", sz, x, y, sx, sy, c.A, xs[x], ys[y])
				}
			}
		}
	}
}
