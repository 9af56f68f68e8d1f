// explain_test.go: graft explain on photos whose evidence is in one place — a red or a blue
// square on grey — with the real partial weights at pool1_pool: the map's peak lies on the
// square, --out draws a 224×224 PNG, --class and bad arguments.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graftml/graft/internal/shared"
)

// side is the squares' side in pixels.
const side = 36

// squarePhoto is a 96×96 grey photo with a side×side square of colour c at (x, y).
func squarePhoto(t *testing.T, path string, c color.RGBA, x, y int, r *rand.Rand) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 96, 96))
	for py := range 96 {
		for px := range 96 {
			g := uint8(120 + r.IntN(16))
			p := color.RGBA{g, g, g, 255}
			if px >= x && px < x+side && py >= y && py < y+side {
				p = c
			}
			img.SetRGBA(px, py, p)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExplainFindsTheSquare(t *testing.T) {
	h5 := shared.Path(t, shared.PartialH5)
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	colours := map[string]color.RGBA{"red": {210, 30, 30, 255}, "blue": {30, 40, 220, 255}}
	for name, c := range colours {
		os.MkdirAll(filepath.Join(dir, "train", name), 0o755)
		for i := range 12 {
			squarePhoto(t, filepath.Join(dir, "train", name, fmt.Sprintf("%d.png", i)), c, r.IntN(96-side), r.IntN(96-side), r)
		}
	}
	headFile := filepath.Join(dir, "h.head")
	if _, stderr, status := runCLI("train", "--h5", h5, "--data", filepath.Join(dir, "train"), "--layer", "pool1_pool", "--head", "linear",
		"--lr", "0.01", "--epochs", "40", "--cache", "off", "--out", headFile); status != 0 {
		t.Fatalf("train: %d %s", status, stderr)
	}
	topLeft, bottomRight := filepath.Join(dir, "tl.png"), filepath.Join(dir, "br.png")
	squarePhoto(t, topLeft, colours["red"], 8, 12, r)
	squarePhoto(t, bottomRight, colours["blue"], 54, 50, r)
	stdout, stderr, status := runCLI("explain", "--h5", h5, "--head", headFile, "--json", "--out", filepath.Join(dir, "maps"), topLeft, bottomRight)
	if status != 0 {
		t.Fatalf("explain: %d %s", status, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	want := map[string]struct {
		class string
		x, y  int
	}{topLeft: {"red", 8, 12}, bottomRight: {"blue", 54, 50}}
	for _, line := range lines {
		var e explanation
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%v in %q", err, line)
		}
		w := want[e.Path]
		// pool1_pool is 56×56 over the 224×224 crop of the 96×96 photo: a map cell is 96/56 photo pixels.
		lo := func(v int) int { return v*56/96 - 1 }
		hi := func(v int) int { return (v+side)*56/96 + 1 }
		if e.Class != w.class || len(e.Map) != 56 || len(e.Map[0]) != 56 ||
			e.Peak[0] < lo(w.y) || e.Peak[0] > hi(w.y) || e.Peak[1] < lo(w.x) || e.Peak[1] > hi(w.x) {
			t.Errorf("%s: %s, peak %v of %d×%d; want %s with its peak on the square (rows %d–%d, columns %d–%d)",
				filepath.Base(e.Path), e.Class, e.Peak, len(e.Map), len(e.Map[0]), w.class, lo(w.y), hi(w.y), lo(w.x), hi(w.x))
		}
		f, err := os.Open(e.Overlay)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() != 224 || img.Bounds().Dy() != 224 {
			t.Errorf("%s: overlay %v, %v", e.Path, img.Bounds(), err)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines for 2 photos", len(lines))
	}
	stdout, _, status = runCLI("explain", "--h5", h5, "--head", headFile, "--class", "blue", topLeft)
	if status != 0 || !strings.Contains(stdout, ": blue (") {
		t.Errorf("--class blue: status %d, %s", status, stdout)
	}
	// Without --head: ImageNet's top-1 at conv5_block3_out, which the partial weights lack.
	if _, stderr, status := runCLI("explain", "--h5", h5, topLeft); status != 1 || !strings.Contains(stderr, "full network") {
		t.Errorf("ImageNet without its classifier: status %d, %s", status, stderr)
	}
	stdout, stderr, status = runCLI("explain", "--h5", h5, "--fill", "synthetic", "--class", "tabby", "--json", topLeft)
	var e explanation
	if status != 0 || json.Unmarshal([]byte(stdout), &e) != nil || e.Class != "tabby" || !e.Synthetic || len(e.Map) != 7 || len(e.Map[0]) != 7 {
		t.Errorf("ImageNet explanation with synthetic weights: status %d, %s %s", status, stdout, stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"explain", "--h5", h5, "--head", headFile, "--class", "green", topLeft}, "no class"},
		{[]string{"explain", "--h5", h5, "--class", "no-such-class", topLeft}, "not an ImageNet class"},
		{[]string{"explain", "--h5", h5, "--head", headFile, "--out", "x.png", topLeft, bottomRight}, "several photos"},
	} {
		if _, stderr, status := runCLI(c.args...); status != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: status %d, %s", c.args[3:], status, stderr)
		}
	}
}
