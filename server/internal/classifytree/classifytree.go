// Package classifytree writes a served tree that /api/classify can run on: the real partial Keras
// weights (internal/shared.PartialH5) converted as `graft convert` does (weights/convert, int8;
// --missing synthetic for a complete labelled network, or truncate: ending at conv4_block6_out)
// into model/, and optionally a small head on conv4_block6_out baked in as build.sh --head does
// (server/internal/bake). The head is trained on seeded
// random features: its answers are arbitrary but deterministic, enough to check that the server
// gives what `graft classify --head` gives. Used by the handler's tests, server/cmd/builddist
// (the Worker's classify fixture) and server/cmd/loadtest.
package classifytree

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/graftml/graft/app"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/internal/shared"
	"github.com/graftml/graft/server/internal/bake"
	"github.com/graftml/graft/weights"
	"github.com/graftml/graft/weights/convert"
	"github.com/graftml/graft/weights/format"
	"github.com/graftml/graft/weights/keras"
)

// Options says what to write.
type Options struct {
	Missing string // convert.MissingSynthetic or convert.MissingTruncate
	Head    bool   // bake in a head
}

// Tree is what Write wrote.
type Tree struct {
	ModelID  string
	HeadFile string // path in the tree; "" without a head
}

// PartialH5 is the shared partial weights file, or an error saying how to find it.
func PartialH5() (string, error) {
	dir := shared.Dir()
	if dir == "" {
		return "", fmt.Errorf("shared data not found (set GRAFT_SHARED)")
	}
	p := filepath.Join(dir, shared.PartialH5)
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// Photo is a test photo of the shared data (kimmeen-test-images), by file name.
func Photo(name string) (string, error) {
	dir := shared.Dir()
	if dir == "" {
		return "", fmt.Errorf("shared data not found (set GRAFT_SHARED)")
	}
	p := filepath.Join(dir, "data/kimmeen-test-images/test_images", name)
	_, err := os.Stat(p)
	return p, err
}

// Write converts the weights into dir/model and bakes in the head.
func Write(dir string, opts Options) (Tree, error) {
	h5, err := PartialH5()
	if err != nil {
		return Tree{}, err
	}
	f, err := keras.ReadFile(h5)
	if err != nil {
		return Tree{}, err
	}
	res, err := convert.Convert(weights.KerasSource(f), convert.Options{Missing: opts.Missing})
	if err != nil {
		return Tree{}, err
	}
	if err := format.WriteDir(filepath.Join(dir, app.ServeModelDir), res.Manifest, res.Chunks); err != nil {
		return Tree{}, err
	}
	t := Tree{ModelID: res.Manifest.Model.ID}
	if opts.Head {
		data, err := TrainHead(t.ModelID)
		if err != nil {
			return t, err
		}
		if t.HeadFile, err = Bake(dir, data, "pets"); err != nil {
			return t, err
		}
	}
	return t, nil
}

// TrainHead trains a linear two-class head ("cats", "dogs") on seeded random conv4_block6_out
// features of modelID, with validation (so it has an open set) and returns its file.
func TrainHead(modelID string) ([]byte, error) {
	const features = 1024
	r := rand.New(rand.NewPCG(3, 4))
	d := &head.Data{Base: head.Base{ModelID: modelID, Layer: "conv4_block6_out", Features: features, Resize: "crop"},
		Classes: []string{"cats", "dogs"}}
	for e := range 60 {
		v := make([]float32, features)
		for i := range v {
			v[i] = float32(r.NormFloat64()) + float32(e%2)
		}
		d.Examples = append(d.Examples, head.Example{Views: [][]float32{v}, Label: e % 2, Name: fmt.Sprint(e)})
	}
	cfg, err := head.DefaultConfig("linear")
	if err != nil {
		return nil, err
	}
	cfg.Epochs, cfg.ValSplit = 3, 0.25
	tr, err := app.TrainHead(context.Background(), cfg, d, nil)
	if err != nil {
		return nil, err
	}
	return tr.File, nil
}

// Bake puts a head into the tree as build.sh --head does (server/internal/bake) and returns
// its path.
func Bake(dir string, data []byte, title string) (string, error) {
	hm, err := bake.Head(dir, data, title)
	if err != nil {
		return "", err
	}
	return hm.File, nil
}
