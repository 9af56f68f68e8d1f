package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/graftml/graft/app/headfile"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/internal/shared"
)

// colourFolder writes perClass noisy PNGs of two colours, red and blue, under root/<class>.
func colourFolder(t *testing.T, root string, perClass int, seed int) {
	t.Helper()
	for c, base := range map[string]color.RGBA{"red": {200, 40, 40, 255}, "blue": {40, 60, 210, 255}} {
		if err := os.MkdirAll(filepath.Join(root, c), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range perClass {
			img := image.NewRGBA(image.Rect(0, 0, 48, 40))
			for p := range img.Pix {
				n := uint8((p*131 + i*71 + seed*17) % 61)
				switch p % 4 {
				case 0:
					img.Pix[p] = base.R/2 + n
				case 1:
					img.Pix[p] = base.G/2 + n
				case 2:
					img.Pix[p] = base.B/2 + n
				default:
					img.Pix[p] = 255
				}
			}
			var b bytes.Buffer
			png.Encode(&b, img)
			if err := os.WriteFile(filepath.Join(root, c, fmt.Sprintf("%s-%d-%d.png", c, seed, i)), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestTrainEvalColours runs graft train and graft eval end to end on a small generated folder
// with the real partial weights at pool1_pool (milliseconds per image): two runs with one seed
// write the same bytes, the rerun reads every feature from the cache, eval prints the JSON and
// refuses another model.
func TestTrainEvalColours(t *testing.T) {
	h5 := shared.Path(t, shared.PartialH5)
	dir := t.TempDir()
	trainDir, valDir, cache := filepath.Join(dir, "train"), filepath.Join(dir, "val"), filepath.Join(dir, "cache")
	colourFolder(t, trainDir, 10, 1)
	colourFolder(t, valDir, 5, 2)
	os.WriteFile(filepath.Join(trainDir, "red", "notes.txt"), []byte("not a photo"), 0o644)
	args := func(out string) []string {
		return []string{"train", "--h5", h5, "--data", trainDir, "--layer", "pool1_pool", "--head", "linear", "--lr", "0.01",
			"--epochs", "30", "--flip", "--cache", cache, "--out", out}
	}
	stdout, stderr, status := runCLI(args(filepath.Join(dir, "a.head"))...)
	if status != 0 {
		t.Fatalf("train: status %d: %s", status, stderr)
	}
	for _, want := range []string{"red/notes.txt: not an image", "epoch  30/30", "(40 computed, 0 from the cache)", "validation: 4 images"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("train output lacks %q:\n%s", want, stdout)
		}
	}
	stdout, stderr, status = runCLI(args(filepath.Join(dir, "b.head"))...)
	if status != 0 || !strings.Contains(stdout, "(0 computed, 40 from the cache)") {
		t.Fatalf("rerun: status %d, %s\n%s", status, stderr, stdout)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "a.head"))
	b, _ := os.ReadFile(filepath.Join(dir, "b.head"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("two runs with one seed wrote different head files")
	}
	m, err := headfile.Parse(a)
	if err != nil {
		t.Fatal(err)
	}
	if m.Base.Layer != "pool1_pool" || !strings.HasPrefix(m.Base.ModelID, "keras-h5.f32.") || !slices.Equal(m.Classes, []string{"blue", "red"}) || !m.Training.Flip {
		t.Errorf("head file says %+v, classes %v", m.Base, m.Classes)
	}

	stdout, stderr, status = runCLI("eval", "--h5", h5, "--head", filepath.Join(dir, "a.head"), "--data", valDir, "--cache", "off")
	if status != 0 {
		t.Fatalf("eval: status %d: %s", status, stderr)
	}
	var r evalReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v in %q", err, stdout)
	}
	t.Logf("eval: %s", stdout)
	if r.Images != 10 || len(r.PerClass) != 2 || len(r.Confusion) != 2 || r.Accuracy < 0.9 {
		t.Errorf("eval report %+v", r)
	}
	checkClassifyAgreesWithEval(t, h5, filepath.Join(dir, "a.head"), valDir, r)
	_, stderr, status = runCLI("eval", "--h5", h5, "--fill", "synthetic", "--head", filepath.Join(dir, "a.head"), "--data", valDir)
	if status == 0 || !strings.Contains(stderr, "trained on pool1_pool features of model keras-h5.f32.") {
		t.Errorf("eval accepted another base model: status %d, %s", status, stderr)
	}
	os.WriteFile(filepath.Join(dir, "bad.head"), append(a[:len(a)-8:len(a)-8], 1, 2, 3, 4, 5, 6, 7, 8), 0o644)
	if _, stderr, status = runCLI("eval", "--h5", h5, "--head", filepath.Join(dir, "bad.head"), "--data", valDir); status == 0 || !strings.Contains(stderr, "SHA-256") {
		t.Errorf("eval accepted a damaged head: status %d, %s", status, stderr)
	}
}

// Cats vs dogs (../shared/data/cats-vs-dogs): features from the real partial weights at
// conv4_block6_out, graft train on train/ and graft eval on validation/.
//
// The default run uses a subset so that it stays under about two minutes: one forward pass to
// conv4_block6_out costs ~0.4 s on this 2-core machine, and the subset is 250 passes — the first
// catsDogsSubsetTrain images (by name) of each class of train/, without flip views, and the first
// catsDogsSubsetVal of each class of validation/. The full run (1,000 photos with flips and all
// 300 validation photos: 2,300 passes, ~20–25 min) is opt-in:
//
//	GRAFT_LONG=1 go test -run TestTrainEvalCatsVsDogs -timeout 60m -v ./core/cmd/graft
const (
	catsDogsSubsetTrain = 100
	catsDogsSubsetVal   = 25
	// catsDogsSubsetMinAcc is the bar for the subset run. Measured with the default head (mlp256)
	// on these 50 validation photos: 0.98 at seed 1 (the test's), 0.96–1.00 over seeds 1–8
	// (on the first 50 + 50 instead: 0.95–0.97). 0.92 is two mistakes below the worst seed: it
	// passes on rounding-level changes (kernels, engines) and fails a broken head or broken
	// features (chance is 0.5). A logistic-regression probe on 200 + 200 is known to reach about 0.95.
	catsDogsSubsetMinAcc = 0.92
	// catsDogsFullMinAcc is the target for the full run.
	catsDogsFullMinAcc = 0.96
)

func TestTrainEvalCatsVsDogs(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts ResNet50 features of 300 photos")
	}
	h5 := shared.Path(t, shared.PartialH5)
	src := shared.Path(t, "data/cats-vs-dogs")
	long := os.Getenv("GRAFT_LONG") == "1"
	dir := t.TempDir()
	trainDir, valDir := filepath.Join(src, "train"), filepath.Join(src, "validation")
	flags := []string{"--h5", h5, "--cache", filepath.Join(dir, "cache")}
	minAcc := catsDogsFullMinAcc
	train := append([]string{"train", "--layer", "conv4_block6_out", "--data", trainDir, "--out", filepath.Join(dir, "cd.head"), "--flip"}, flags...)
	if !long {
		trainDir, valDir = filepath.Join(dir, "train"), filepath.Join(dir, "validation")
		copySubset(t, filepath.Join(src, "train"), trainDir, catsDogsSubsetTrain)
		copySubset(t, filepath.Join(src, "validation"), valDir, catsDogsSubsetVal)
		train = append([]string{"train", "--layer", "conv4_block6_out", "--data", trainDir, "--out", filepath.Join(dir, "cd.head")}, flags...)
		minAcc = catsDogsSubsetMinAcc
	}
	stdout, stderr, status := runCLI(train...)
	if status != 0 {
		t.Fatalf("train: status %d: %s\n%s", status, stderr, stdout)
	}
	t.Logf("graft train:\n%s", tail(stdout, 30))
	stdout, stderr, status = runCLI(append([]string{"eval", "--head", filepath.Join(dir, "cd.head"), "--data", valDir}, flags...)...)
	if status != 0 {
		t.Fatalf("eval: status %d: %s", status, stderr)
	}
	var r evalReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	t.Logf("graft eval: accuracy %.4f, per class %v, confusion %v, %d images", r.Accuracy, r.PerClass, r.Confusion, r.Images)
	if r.Accuracy < minAcc {
		t.Errorf("validation accuracy %.4f, below %.2f", r.Accuracy, minAcc)
	}
	checkCatOnCanvas(t, h5, filepath.Join(dir, "cd.head"), valDir)
}

// checkCatOnCanvas: a validation cat pasted on the left (then the right) half of a blank
// canvas; graft explain's map of the head's class has most of its mass on that half.
func checkCatOnCanvas(t *testing.T, h5, head, valDir string) {
	t.Helper()
	cats, _ := os.ReadDir(filepath.Join(valDir, "cats"))
	data, err := os.ReadFile(filepath.Join(valDir, "cats", cats[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := preprocess.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := preprocess.Resize(img, preprocess.Crop, 224)
	if err != nil {
		t.Fatal(err)
	}
	for _, left := range []bool{true, false} {
		canvas := image.NewRGBA(image.Rect(0, 0, 448, 448)) // square: the crop keeps all of it
		draw.Draw(canvas, canvas.Bounds(), image.NewUniform(color.RGBA{235, 235, 235, 255}), image.Point{}, draw.Src)
		x := 0
		if !left {
			x = 224
		}
		draw.Draw(canvas, image.Rect(x, 112, x+224, 336), cat, image.Point{}, draw.Src)
		path := filepath.Join(t.TempDir(), "canvas.png")
		var b bytes.Buffer
		png.Encode(&b, canvas)
		os.WriteFile(path, b.Bytes(), 0o644)
		stdout, stderr, status := runCLI("explain", "--h5", h5, "--head", head, "--class", "cats", "--json", path)
		if status != 0 {
			t.Fatalf("explain: status %d: %s", status, stderr)
		}
		var e explanation
		if err := json.Unmarshal([]byte(stdout), &e); err != nil {
			t.Fatalf("%v in %q", err, stdout)
		}
		var near, all float64
		for _, row := range e.Map {
			for j, v := range row {
				all += float64(v)
				if (j < len(row)/2) == left {
					near += float64(v)
				}
			}
		}
		t.Logf("cat on the %s: p(cats) %.3f, %.0f%% of the map's mass on its half", map[bool]string{true: "left", false: "right"}[left], e.Prob, 100*near/all)
		if !(near > 0.6*all) { // measured: 75% (left), 72% (right)
			t.Errorf("cat on the left %v: %.0f%% of the map's mass on its half, want most of it", left, 100*near/all)
		}
	}
}

// copySubset copies the first n files (by name) of each class folder of src into dst.
func copySubset(t *testing.T, src, dst string, n int) {
	t.Helper()
	classes, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range classes {
		files, err := os.ReadDir(filepath.Join(src, c.Name()))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dst, c.Name()), 0o755)
		for _, f := range files[:min(n, len(files))] {
			in, err := os.Open(filepath.Join(src, c.Name(), f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out, err := os.Create(filepath.Join(dst, c.Name(), f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.Copy(out, in)
			in.Close()
			if cerr := out.Close(); err != nil || cerr != nil {
				t.Fatal(err, cerr)
			}
		}
	}
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(l[max(0, len(l)-lines):], "\n")
}
