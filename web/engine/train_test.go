// The browser's training path (listing fed file by file, Session.Extract into a feature store,
// Trainer.Prepare, Plan.Train) gives the head `graft train`'s path gives (dataset.ListDir,
// Extractor.Features with Go's decoder, head.Train) byte for byte, when both run the same Go
// GEMM; the settings map to head.Config as graft train's flags do; the cache is used.
package engine

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/web/wire"
	"github.com/graftml/graft/weights/format"
)

// classPhoto is a small deterministic image of class c (0: warm stripes, 1: cool checks), i-th
// of its class.
func classPhoto(c, i int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 96+8*i, 80+4*i))
	for y := range img.Rect.Dy() {
		for x := range img.Rect.Dx() {
			v := uint8((x*5 + y*3 + 40*i) % 256)
			px := color.NRGBA{v, 255 - v, uint8(i * 30), 255}
			if c == 0 && (x/6)%2 == 0 || c == 1 && (x/9+y/9)%2 == 0 {
				px = color.NRGBA{uint8(200 - 60*c), uint8(90 + 40*c), uint8(40 + 170*c), 255}
			}
			img.SetNRGBA(x, y, px)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// writeFolder writes perClass photos of two classes, a text file and a duplicate under dir.
func writeFolder(t *testing.T, dir string, perClass int) {
	t.Helper()
	for c, class := range []string{"cats", "dogs"} {
		os.MkdirAll(filepath.Join(dir, class), 0o755)
		for i := range perClass {
			os.WriteFile(filepath.Join(dir, class, string(rune('a'+i))+".png"), classPhoto(c, i), 0o644)
		}
	}
	os.WriteFile(filepath.Join(dir, "cats", "notes.txt"), []byte("not a photo"), 0o644)
	os.WriteFile(filepath.Join(dir, "dogs", "zz.png"), classPhoto(0, 0), 0o644)
}

// goPixels decodes a file with Go's decoder, standing in for the browser's.
func goPixels(data []byte) (Pixels, error) {
	img, _, err := preprocess.Decode(data)
	if err != nil {
		return Pixels{}, err
	}
	b := img.Bounds()
	n := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			n.Set(x, y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return Pixels{RGBA: n.Pix, Width: b.Dx(), Height: b.Dy(), Stride: n.Stride}, nil
}

func TestTrainEqualsGraftTrainPath(t *testing.T) {
	s := loadedSession(t)
	dir := t.TempDir()
	writeFolder(t, dir, 3)
	settings := wire.DefaultSettings()
	settings.Epochs, settings.Seed, settings.Flip, settings.ValSplit = 4, 3, true, 0.34
	cfg, err := app.HeadConfigOf(settings)
	if err != nil {
		t.Fatal(err)
	}
	base, err := app.HeadBase(s.Manifest(), settings.Resize)
	if err != nil {
		t.Fatal(err)
	}
	model, err := s.WaitModel(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// graft train's path (core/cmd/graft/train.go, trainRun).
	listing, err := dataset.ListDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ex := &dataset.Extractor{Model: model, ModelID: base.ModelID, Layer: base.Layer, Resize: preprocess.ResizeMode(base.Resize)}
	examples, err := dataset.ExtractDir(dir, listing, ex, dataset.TrainingViews(cfg.Flip), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := app.TrainHead(context.Background(), cfg, &head.Data{Base: base, Classes: listing.Names(), Examples: examples}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := res.File
	if res.Model.OpenSet == nil {
		t.Error("graft train's head has no open set")
	}

	// The browser's path: files fed in another order, extraction per image into a store.
	tr, data := listReversed(dir)
	store := NewMemFeatures()
	req := wire.Train{Run: 1, Listing: 5, Settings: settings}
	plan, err := tr.Prepare(context.Background(), store, base, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Missing) != 6 || plan.Data != nil {
		t.Fatalf("an empty cache: %d missing (want 6), data %v", len(plan.Missing), plan.Data != nil)
	}
	m := plan.MissingMessage(1)
	if m.Cached != 0 || len(plan.Views) != 2 || plan.Base != base || len(m.Listing.Skipped) != 2 {
		t.Errorf("missing message %+v, plan views %v base %+v", m, plan.Views, plan.Base)
	}
	for _, i := range plan.Missing {
		e := m.Listing.Entries[i]
		got, err := s.Extract(context.Background(), store, base, plan.Views, e.Hash, func() (Pixels, error) { return goPixels(data[e.Path]) })
		if err != nil || got.Hit || got.Computed != 2 {
			t.Fatalf("extract %s: %+v, %v", e.Path, got, err)
		}
	}
	if plan, err = tr.Prepare(context.Background(), store, base, req); err != nil || len(plan.Missing) != 0 {
		t.Fatalf("after extraction: %v missing, %v", plan.Missing, err)
	}
	var epochs []wire.Epoch
	out, err := plan.Train(context.Background(), model, 1, func(e wire.Epoch) { epochs = append(epochs, e) })
	if err != nil {
		t.Fatal(err)
	}
	msg, got := out.Msg, out.File
	if !bytes.Equal(got, want) {
		t.Errorf("the browser's path wrote a head file of %d bytes that differs from graft train's (%d bytes)", len(got), len(want))
	}
	if len(epochs) != len(res.History) || msg.BestEpoch != res.BestEpoch || msg.ValImages != 2 || msg.Validation == nil ||
		len(msg.History) != len(epochs) || msg.Head.Preset != "mlp256" || msg.Head.Layer != base.Layer {
		t.Errorf("trained message %+v", msg)
	}
	// A second extraction of a cached image is a hit and never decodes.
	e := m.Listing.Entries[0]
	hit, err := s.Extract(context.Background(), store, base, plan.Views, e.Hash, func() (Pixels, error) {
		t.Error("a cached image was decoded")
		return Pixels{}, errors.New("no")
	})
	if err != nil || !hit.Hit {
		t.Errorf("second extraction: %+v, %v", hit, err)
	}
}

func TestPrepareDropsFailedAndRefusesStaleListing(t *testing.T) {
	lister := dataset.NewLister()
	for i, class := range []string{"a", "b"} {
		for j := range 3 {
			AddFile(lister, class+"/"+string(rune('p'+j))+".png", classPhoto(i, j))
		}
	}
	AddFile(lister, "empty/readme.txt", []byte("x")) // a class folder without images is still a class
	tr := &Trainer{}
	tr.SetListing(2, lister.Listing())
	base := head.Base{ModelID: "m", Layer: "conv4_block6_out", Features: 1024, Resize: "crop"}
	req := wire.Train{Run: 1, Listing: 1, Settings: wire.DefaultSettings()}
	if _, err := tr.Prepare(context.Background(), NewMemFeatures(), base, req); !errors.Is(err, ErrStaleListing) {
		t.Errorf("a train request for listing 1 when 2 is held: %v", err)
	}
	req.Listing = 2
	req.Failed = []wire.Skip{{Path: "a/p.png", Reason: "undecodable: broken"}, {Path: "gone.png", Reason: "x"}}
	plan, err := tr.Prepare(context.Background(), NewMemFeatures(), base, req)
	if err != nil {
		t.Fatal(err)
	}
	l := plan.Listing
	if len(l.Entries) != 5 || len(plan.Missing) != 5 || l.Classes[0].Images != 2 || len(l.Classes) != 3 || l.Classes[2].Images != 0 {
		t.Errorf("after dropping a/p.png: %d entries, %d missing, classes %+v", len(l.Entries), len(plan.Missing), l.Classes)
	}
	if i := slices.IndexFunc(l.Skipped, func(s wire.Skip) bool { return s.Path == "a/p.png" }); i < 0 || l.Skipped[i].Reason != "undecodable: broken" {
		t.Errorf("skipped %+v", l.Skipped)
	}
	req.Settings.Epochs = 0
	if _, err := tr.Prepare(context.Background(), NewMemFeatures(), base, req); err == nil {
		t.Error("0 epochs accepted")
	}
}

// TestSettingsAreGraftTrainDefaults: the page's defaults and presets are graft train's.
func TestSettingsAreGraftTrainDefaults(t *testing.T) {
	got, err := app.HeadConfigOf(wire.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := head.DefaultConfig(head.DefaultPreset) // graft train with no flags but --seed 1
	want.Seed = 1
	if !equalConfig(got, want) {
		t.Errorf("the page's defaults give %+v, graft train's %+v", got, want)
	}
	if wire.DefaultSettings().Resize != string(preprocess.DefaultResize) {
		t.Errorf("default resize %q, graft's %q", wire.DefaultSettings().Resize, preprocess.DefaultResize)
	}
	var names []string
	for _, p := range wire.Presets {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, head.PresetNames()) {
		t.Errorf("the page offers presets %v, core/head has %v", names, head.PresetNames())
	}
	if _, err := app.HeadConfigOf(wire.Settings{Head: "huge"}); err == nil {
		t.Error("an unknown preset was accepted")
	}
}

func equalConfig(a, b head.Config) bool {
	return slices.Equal(a.Hidden, b.Hidden) && a.Head == b.Head && a.Dropout == b.Dropout && a.Output == b.Output &&
		a.LearningRate == b.LearningRate && a.Beta1 == b.Beta1 && a.Beta2 == b.Beta2 && a.Epsilon == b.Epsilon &&
		a.BatchSize == b.BatchSize && a.Epochs == b.Epochs && a.Seed == b.Seed && a.ValSplit == b.ValSplit &&
		a.Patience == b.Patience && a.Flip == b.Flip
}

func TestHeadBase(t *testing.T) {
	m := &format.Manifest{}
	m.Model.ID, m.Model.LastLayer = "full", "predictions"
	if b, err := app.HeadBase(m, "crop"); err != nil || b.Layer != app.HeadLayerFull || b.Features != 2048 {
		t.Errorf("a complete real model: %+v, %v", b, err)
	}
	m.Model.LastLayer = "conv4_block6_out"
	if b, _ := app.HeadBase(m, "nearest"); b.Layer != app.HeadLayerTruncated || b.Resize != "nearest" || b.Features != 1024 {
		t.Errorf("a model ending at conv4: %+v", b)
	}
	s := loadedSession(t) // synthetic fill: conv4_block6_out, as graft train chooses
	if b, _ := app.HeadBase(s.Manifest(), "crop"); b.Layer != app.HeadLayerTruncated || b.ModelID != s.Manifest().Model.ID {
		t.Errorf("a model with a synthetic fill: %+v", b)
	}
	if _, err := app.HeadBase(m, "stretch"); err == nil {
		t.Error("an unknown resize mode was accepted")
	}
	// The status's bounds for the dynamic strategy: the blocks of the head layer's stage up to it.
	if l, n, in, err := HeadBlocks(m); err != nil || l != app.HeadLayerTruncated || n != 6 || len(in) != 6 ||
		in[0] != 14*14*1024+4*1024 || in[5] != 28*28*512+4*512 {
		t.Errorf("conv4_block6_out: %s, %d blocks, input bytes %v, %v", l, n, in, err)
	}
	m.Model.LastLayer = "predictions"
	if l, n, in, err := HeadBlocks(m); err != nil || l != app.HeadLayerFull || n != 3 || len(in) != 3 ||
		in[0] != 7*7*2048+4*2048 || in[2] != 14*14*1024+4*1024 {
		t.Errorf("conv5_block3_out: %s, %d blocks, input bytes %v, %v", l, n, in, err)
	}
}

func TestExtractUndecodableAndWrongModel(t *testing.T) {
	s := loadedSession(t)
	base, _ := app.HeadBase(s.Manifest(), "crop")
	views := []dataset.View{dataset.ViewOriginal}
	_, err := s.Extract(context.Background(), NewMemFeatures(), base, views, "ab", func() (Pixels, error) { return Pixels{}, errors.New("HEIC") })
	if !IsUndecodable(err) || !strings.Contains(err.Error(), "HEIC") {
		t.Errorf("a decode failure: %v", err)
	}
	other := base
	other.ModelID = "another"
	if _, err := s.Extract(context.Background(), NewMemFeatures(), other, views, "ab", nil); err == nil || IsUndecodable(err) {
		t.Errorf("features of another model: %v", err)
	}
}

// TestTrainingSensitivity measures how far a few epochs of training carry a relative
// perturbation of the features of 1e-4 (the browser's wasm GEMM against native Go, in
// pngFeatureTol) into the weights: web/e2e's parityWeightTol (1e-2) rests on it staying
// well below. Data shaped like the e2e run: 40 images of 1024 features, mlp256, 6 epochs.
func TestTrainingSensitivity(t *testing.T) {
	// bound is web/e2e's parityWeightTol: a perturbation at the features' tolerance must stay inside it.
	const perturb, bound = 1e-4, 1e-2
	base := head.Base{ModelID: "m", Layer: "conv4_block6_out", Features: 1024, Resize: "crop"}
	data := func(noise float64) *head.Data {
		d := &head.Data{Base: base, Classes: []string{"a", "b"}}
		state := uint64(42)
		next := func() float64 {
			state = state*6364136223846793005 + 1442695040888963407
			return float64(state>>11) / (1 << 53)
		}
		for i := range 40 {
			var views [][]float32
			for range 2 {
				f := make([]float32, 1024)
				for j := range f {
					v := 2 * next()
					if i%2 == 1 && j%5 == 0 {
						v += 0.4
					}
					f[j] = float32(v * (1 + noise*(2*next()-1)))
				}
				views = append(views, f)
			}
			d.Examples = append(d.Examples, head.Example{Views: views, Label: i % 2, Name: "x"})
		}
		return d
	}
	cfg, _ := app.HeadConfigOf(wire.Settings{Head: "mlp256", Output: "softmax", Epochs: 6, LearningRate: 1e-3, BatchSize: 32,
		ValSplit: 0.2, Patience: 5, Flip: true, Seed: 7, Resize: "crop"})
	a, err := head.Train(context.Background(), cfg, data(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := head.Train(context.Background(), cfg, data(perturb), nil)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i := range a.Model.Layers {
		for _, pair := range [][2][]float32{{a.Model.Layers[i].Kernel, b.Model.Layers[i].Kernel}, {a.Model.Layers[i].Bias, b.Model.Layers[i].Bias}} {
			var d, m float64
			for k := range pair[0] {
				d = math.Max(d, math.Abs(float64(pair[0][k]-pair[1][k])))
				m = math.Max(m, math.Abs(float64(pair[0][k])))
			}
			worst = math.Max(worst, d/m)
		}
	}
	t.Logf("features perturbed by %g (relative) move the weights by %.3g (max|Δ|/max|w|)", perturb, worst)
	if worst > bound || worst == 0 {
		t.Errorf("a %g feature perturbation moved the weights by %.3g; want 0 < Δ ≤ %g", perturb, worst, bound)
	}
}

// listReversed feeds dir's files to a Trainer as listing 5, in reverse walk order (the page may
// deliver a folder's files in any order), and returns it with the files' bytes by slash path.
func listReversed(dir string) (*Trainer, map[string][]byte) {
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	slices.Reverse(files)
	lister := dataset.NewLister()
	data := map[string][]byte{}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		b, _ := os.ReadFile(f)
		data[filepath.ToSlash(rel)] = b
		AddFile(lister, filepath.ToSlash(rel), b)
	}
	tr := &Trainer{}
	tr.SetListing(5, lister.Listing())
	return tr, data
}
