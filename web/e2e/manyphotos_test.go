// manyphotos_test.go: big folders for the memory measurements, made from the 1,000 shared
// cats-vs-dogs photos: each photo after the first pass over them is a variant (a crop of
// 55–100% of the photo at a random place, mirrored every other time, scaled to one of several
// sizes up to 4000×3000, re-encoded at quality 70–95), so that every file has its own content
// and the decoder meets the sizes users' cameras give. Deterministic: photo i is always the
// same bytes.
package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"golang.org/x/image/draw"
)

// variantSizes are the long sides × short sides the variants are scaled to; one in 25 is the
// largest (12 Mpx, a phone camera's), the others spread below it.
var variantSizes = [][2]int{{640, 480}, {1024, 768}, {1600, 1200}, {2048, 1536}, {500, 375}, {800, 600}}

// makeVariedPhotos writes n JPEGs under dir/cats and dir/dogs: the first copies of them the
// shared photos themselves (at most one pass over them), the rest variants.
func makeVariedPhotos(t *testing.T, src, dir string, n, copies int) {
	t.Helper()
	files := interleavedPhotos(t, src, dir)
	jobs := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := writeVariant(files[i%len(files)], dir, i, i >= min(copies, len(files))); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

// writeVariant writes photo i from the shared photo from: a copy, or with vary a variant.
func writeVariant(from, dir string, i int, vary bool) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	class := filepath.Base(filepath.Dir(from))
	to := filepath.Join(dir, class, fmt.Sprintf("%05d-%s", i, filepath.Base(from)))
	if !vary {
		return os.WriteFile(to, data, 0o644)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: %v", from, err)
	}
	rng := rand.New(rand.NewPCG(uint64(i), 77))
	b := img.Bounds()
	f := 0.55 + 0.45*rng.Float64()
	cw, ch := max(16, int(float64(b.Dx())*f)), max(16, int(float64(b.Dy())*f))
	x0, y0 := b.Min.X+rng.IntN(b.Dx()-cw+1), b.Min.Y+rng.IntN(b.Dy()-ch+1)
	size := variantSizes[rng.IntN(len(variantSizes))]
	if i%25 == 0 {
		size = [2]int{4000, 3000}
	}
	w, h := size[0], size[1]
	if ch > cw { // keep the crop's orientation
		w, h = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, image.Rect(x0, y0, x0+cw, y0+ch), draw.Src, nil)
	if i%2 == 1 { // mirrored
		for y := range h {
			row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for l, r := 0, w-1; l < r; l, r = l+1, r-1 {
				for k := range 4 {
					row[4*l+k], row[4*r+k] = row[4*r+k], row[4*l+k]
				}
			}
		}
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 70 + rng.IntN(26)}); err != nil {
		return err
	}
	return os.WriteFile(to, out.Bytes(), 0o644)
}

// TestVariedPhotos: the variants are distinct, decodable, of the sizes listed, and the same
// on every call.
func TestVariedPhotos(t *testing.T) {
	src := filepath.Join(sharedDir(t, repoRoot(t)), "data", "cats-vs-dogs", "train")
	a, b := t.TempDir(), t.TempDir()
	const n = 30 // all variants; photos 0 and 25 are the largest size
	makeVariedPhotos(t, src, a, n, 0)
	names, _ := filepath.Glob(filepath.Join(a, "*", "*.jpg"))
	if len(names) != n {
		t.Fatalf("%d photos, want %d", len(names), n)
	}
	seen := map[string]string{}
	big := 0
	for _, p := range names {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if other, ok := seen[string(data)]; ok {
			t.Fatalf("%s and %s have the same bytes", p, other)
		}
		seen[string(data)] = p
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if cfg.Width*cfg.Height == 4000*3000 {
			big++
		}
	}
	if big != 2 {
		t.Errorf("%d 4000×3000 variants among %d photos, want 2", big, n)
	}
	makeVariedPhotos(t, src, b, n, 0)
	for _, p := range names[:5] {
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two calls (%v)", rel, err)
		}
	}
}
