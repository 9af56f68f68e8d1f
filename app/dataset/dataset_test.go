package dataset

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// pngBytes encodes a w×h image whose pixels depend on seed (distinct seeds, distinct files).
func pngBytes(t testing.TB, w, h int, seed uint8) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x*7) + seed, uint8(y*5) ^ seed, uint8(x*y) + 3*seed, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeFile(t testing.TB, root, rel string, data []byte) {
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// testFolder is a class folder with one file of every kind the listing must tell apart.
func testFolder(t testing.TB) string {
	root := t.TempDir()
	cat1, cat2 := pngBytes(t, 40, 30, 1), pngBytes(t, 50, 35, 2)
	badCRC := bytes.Clone(cat1)
	badCRC[17] ^= 0xff // inside IHDR: the chunk's CRC no longer matches
	truncated := pngBytes(t, 64, 64, 9)
	truncated = truncated[:len(truncated)/2] // header fine, pixel data cut
	for rel, data := range map[string][]byte{
		"cats/cat1.png":        cat1,
		"cats/cat2.png":        cat2,
		"cats/zz-copy.png":     cat1, // same bytes as cats/cat1.png
		"dogs/puppies/dog.png": pngBytes(t, 33, 44, 3),
		"dogs/cat-again.png":   cat2, // a duplicate in another class
		"dogs/truncated.png":   truncated,
		"cats/notes.txt":       []byte("these are my cats\n"),
		"cats/doc.pdf":         []byte("%PDF-1.4 ..."),
		"cats/empty.jpg":       {},
		"cats/bad-crc.png":     badCRC,
		"cats/.DS_Store":       {0, 0, 0, 1, 'B', 'u', 'd', '1'},
		".git/config":          []byte("[core]"),
		"readme.txt":           []byte("one folder per class"),
	} {
		writeFile(t, root, rel, data)
	}
	if err := os.MkdirAll(filepath.Join(root, "birds"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestListDir(t *testing.T) {
	l, err := ListDir(testFolder(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(l.Classes); got != "[{birds 0} {cats 2} {dogs 2}]" {
		t.Errorf("classes %s", got)
	}
	var paths []string
	for _, e := range l.Entries {
		paths = append(paths, fmt.Sprintf("%s:%d", e.Path, e.Class))
	}
	if want := []string{"cats/cat1.png:1", "cats/cat2.png:1", "dogs/puppies/dog.png:2", "dogs/truncated.png:2"}; !slices.Equal(paths, want) {
		t.Errorf("entries %v, want %v", paths, want)
	}
	want := map[string]string{
		".git/":              ReasonHidden,
		"cats/.DS_Store":     ReasonHidden,
		"cats/bad-crc.png":   ReasonUndecodable,
		"cats/doc.pdf":       ReasonNotImage + ": not a supported image (JPEG, PNG, GIF, WebP or BMP); the data looks like a PDF document",
		"cats/empty.jpg":     ReasonEmpty,
		"cats/notes.txt":     ReasonNotImage,
		"cats/zz-copy.png":   ReasonDuplicate + " cats/cat1.png",
		"dogs/cat-again.png": ReasonDuplicate + " cats/cat2.png",
		"readme.txt":         ReasonNoClass,
	}
	if len(l.Skipped) != len(want) {
		t.Errorf("skipped %v", l.Skipped)
	}
	for _, s := range l.Skipped {
		if !strings.HasPrefix(s.Reason, want[s.Path]) || want[s.Path] == "" {
			t.Errorf("skipped %s: %q, want %q…", s.Path, s.Reason, want[s.Path])
		}
	}
}

// TestListerOrderIndependent: feeding the same files in another order gives the same listing
// (the browser hands files over in whatever order the folder picker yields).
func TestListerOrderIndependent(t *testing.T) {
	a, b := NewLister(), NewLister()
	files := []struct {
		rel  string
		data []byte
	}{{"x/1.png", pngBytes(t, 8, 8, 1)}, {"x/2.png", pngBytes(t, 8, 8, 1)}, {"y/3.png", pngBytes(t, 8, 8, 2)}, {"y/a.txt", []byte("hi")}}
	for i := range files {
		a.Add(files[i].rel, files[i].data)
		b.Add(files[len(files)-1-i].rel, files[len(files)-1-i].data)
	}
	if la, lb := a.Listing(), b.Listing(); fmt.Sprint(la) != fmt.Sprint(lb) {
		t.Errorf("listings differ:\n%v\n%v", la, lb)
	}
}

// conv1Source has only conv1's weights (seeded), so the model ends at pool1_pool (64 channels)
// and a forward pass takes milliseconds.
type conv1Source struct{}

func (conv1Source) Weight(layer, short string) ([]int, []float32, error) {
	if layer != "conv1_conv" && layer != "conv1_bn" {
		return nil, nil, resnet50.ErrMissing
	}
	shape := []int{64}
	if short == "kernel" {
		shape = []int{7, 7, 3, 64}
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(math.Sin(float64(i*7+len(short)))) * 0.05
		if short == "moving_variance" || short == "gamma" {
			data[i] = 1 + data[i]
		}
	}
	return shape, data, nil
}

func testExtractor(t testing.TB, cache Cache) *Extractor {
	m, err := resnet50.New(conv1Source{}, resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.LastLayer() != "pool1_pool" {
		t.Fatalf("model ends at %s", m.LastLayer())
	}
	return &Extractor{Model: m, ModelID: "conv1-test", Layer: "pool1_pool", Resize: preprocess.Crop, Cache: cache}
}

func TestExtractDirWithCache(t *testing.T) {
	root := testFolder(t)
	cacheDir := t.TempDir()
	views := []View{ViewOriginal, ViewFlip}
	l, _ := ListDir(root)
	e := testExtractor(t, DirCache{cacheDir})
	examples, err := ExtractDir(root, l, e, views, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) != 3 || len(l.Entries) != 3 || l.Classes[2].Images != 1 {
		t.Fatalf("%d examples, %d entries, classes %v", len(examples), len(l.Entries), l.Classes)
	}
	i := slices.IndexFunc(l.Skipped, func(s Skip) bool { return s.Path == "dogs/truncated.png" })
	if i < 0 || !strings.HasPrefix(l.Skipped[i].Reason, ReasonUndecodable) || strings.Contains(l.Skipped[i].Reason, "undecodable: undecodable") {
		t.Errorf("truncated image not skipped as undecodable: %v", l.Skipped)
	}
	if e.Computed != 6 || e.Hits != 0 {
		t.Errorf("first run: %d computed, %d cached", e.Computed, e.Hits)
	}
	l2, _ := ListDir(root)
	e2 := testExtractor(t, DirCache{cacheDir})
	again, err := ExtractDir(root, l2, e2, views, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e2.Computed != 0 || e2.Hits != 6 {
		t.Errorf("second run: %d computed, %d cached", e2.Computed, e2.Hits)
	}
	for k := range examples {
		for v := range views {
			if !slices.Equal(examples[k].Views[v], again[k].Views[v]) {
				t.Fatalf("cached features of %s view %s differ", examples[k].Name, views[v])
			}
		}
	}
	// the original view is the network's pooled output; the flip view is the same for a mirrored input
	data, _ := os.ReadFile(filepath.Join(root, "cats", "cat2.png"))
	input, _ := preprocess.Load(data, preprocess.Crop, resnet50.InputSize)
	x, _ := tensor.FromData(input, 1, 224, 224, 3)
	y, err := e.Model.Run(x, "pool1_pool", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ops.GlobalAvgPool(y).Data, examples[1].Views[0]) {
		t.Error("original view differs from the pooled network output")
	}
	flipped, err := testExtractor(t, nil).FeaturesOfInput(flipHorizontal(input, 224, 224), "x", []View{ViewOriginal})
	if err != nil {
		t.Fatal(err)
	}
	// one image alone vs two views batched: the same numbers up to the GEMM's blocking
	for j, v := range flipped[0] {
		if math.Abs(float64(v-examples[1].Views[1][j])) > 1e-4*math.Max(1, math.Abs(float64(v))) {
			t.Fatalf("flip view feature %d: %g, mirrored input gives %g", j, examples[1].Views[1][j], v)
		}
	}
}

func TestFlipHorizontal(t *testing.T) {
	img := make([]float32, 2*3*3) // [2,3,3]
	for i := range img {
		img[i] = float32(i)
	}
	want := []float32{6, 7, 8, 3, 4, 5, 0, 1, 2, 15, 16, 17, 12, 13, 14, 9, 10, 11}
	if got := flipHorizontal(img, 2, 3); !slices.Equal(got, want) {
		t.Errorf("flip %v, want %v", got, want)
	}
}

func TestDirCacheRejectsDamage(t *testing.T) {
	c := DirCache{t.TempDir()}
	k := Key{Content: "ab", Model: "m", Layer: "pool1_pool", View: ViewFlip, Resize: "crop"}
	v := []float32{1, 2, 3.5}
	if err := c.Put(k, v); err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Get(k); !ok || !slices.Equal(got, v) {
		t.Fatalf("get %v %v", got, ok)
	}
	for _, other := range []Key{{"ab", "m2", "pool1_pool", ViewFlip, "crop"}, {"ab", "m", "pool1_pool", ViewOriginal, "crop"}, {"ab", "m", "pool1_pool", ViewFlip, "nearest"}} {
		if _, ok := c.Get(other); ok {
			t.Errorf("key %v found", other)
		}
	}
	p := c.path(k)
	data, _ := os.ReadFile(p)
	for i := range data {
		d := bytes.Clone(data)
		d[i] ^= 1
		if _, err := decodeCacheFile(d, k.String()); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
	os.WriteFile(p, data[:len(data)-5], 0o644)
	if _, ok := c.Get(k); ok {
		t.Error("truncated cache file read")
	}
}
