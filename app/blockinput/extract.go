// extract.go: one trunk pass per image gives what a dynamic run needs — the pooled features of
// the head's layer (the conservative phase) and the input of the first unfrozen block (the
// fine-tuning phase), observed on the way (resnet50.Model.Run's observer). Views are
// app/dataset's (the image and its horizontal flip), run as one batch.
package blockinput

import (
	"context"
	"errors"
	"fmt"
	"github.com/graftml/graft/core/finetune"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/graftml/graft/app/dataset"
	"github.com/graftml/graft/core/head"
	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// Extractor runs the frozen trunk for a dynamic run.
type Extractor struct {
	Model  *resnet50.Model
	Layer  string // the head's layer, "conv4_block6_out"
	Input  string // the first unfrozen block's input layer, "conv4_block5_out"
	Resize preprocess.ResizeMode
	Blocks []resnet50.BlockInfo // the unfrozen blocks (NewExtractor sets them)
	Cache  *Cache               // nil: nothing kept between runs (ExtractDir)
}

// NewExtractor is the extractor for unfreeze blocks ending at layer.
func NewExtractor(m *resnet50.Model, layer string, unfreeze int, resize preprocess.ResizeMode) (*Extractor, error) {
	blocks, err := resnet50.TopBlocks(layer, unfreeze)
	if err != nil {
		return nil, err
	}
	if err := m.CheckLayer(layer); err != nil {
		return nil, err
	}
	return &Extractor{Model: m, Layer: layer, Input: blocks[0].Input, Resize: resize, Blocks: blocks}, nil
}

// InputShape is the block input's [H,W,C] at the network's input size.
func (e *Extractor) InputShape() (h, w, c int) { return InputShape(e.Input) }

// InputShape is the [H,W,C] of output layer's activations at the network's input size
// (0s for a layer without a spatial output).
func InputShape(layer string) (h, w, c int) {
	side := resnet50.OutputSide(layer)
	return side, side, resnet50.OutputChannels(layer)
}

// Run computes, for img [224,224,3] (prepared by preprocess with e.Resize) and each view, the
// pooled features [C] of e.Layer and the block input [H,W,C'] of e.Input.
func (e *Extractor) Run(img []float32, views []dataset.View) (features, inputs [][]float32, err error) {
	const side = resnet50.InputSize
	if len(img) != side*side*3 {
		return nil, nil, fmt.Errorf("finetune: image of %d floats, want %d×%d×3", len(img), side, side)
	}
	batch := make([]float32, 0, len(views)*len(img))
	for _, v := range views {
		batch = append(batch, dataset.ViewImage(img, v)...)
	}
	x, err := tensor.FromData(batch, len(views), side, side, 3)
	if err != nil {
		return nil, nil, err
	}
	var in *tensor.Tensor
	y, err := e.Model.Run(x, e.Layer, func(layer string, t *tensor.Tensor) {
		if layer == e.Input { // an observed tensor is only valid during the call: copy it
			in = tensor.New(t.Shape...)
			copy(in.Data, t.Data)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	if in == nil {
		return nil, nil, fmt.Errorf("finetune: the pass to %s did not go through %s", e.Layer, e.Input)
	}
	pooled := ops.GlobalAvgPool(y)
	f, per := pooled.Shape[1], len(in.Data)/len(views)
	for i := range views {
		features = append(features, slices.Clone(pooled.Data[i*f:(i+1)*f]))
		inputs = append(inputs, slices.Clone(in.Data[i*per:(i+1)*per]))
	}
	return features, inputs, nil
}

// InputOf recomputes one view's block input (a Store's Recompute).
func (e *Extractor) InputOf(img []float32, view dataset.View) ([]float32, error) {
	x, err := tensor.FromData(slices.Clone(dataset.ViewImage(img, view)), 1, resnet50.InputSize, resnet50.InputSize, 3)
	if err != nil {
		return nil, err
	}
	y, err := e.Model.Run(x, e.Input, nil)
	if err != nil {
		return nil, err
	}
	return y.Data, nil
}

// ExtractDir runs the trunk over every entry of l (files below root), puts each view's block
// input into store and returns the examples with their pooled features, in l's order. With
// e.Cache, an image whose features and block inputs are all cached is read instead of run, and
// what is run is cached. An image that does not decode moves to l.Skipped, as
// dataset.ExtractDir does. The store's Recompute is set to read the input from the cache, else
// the file again. progress sees the count done after each image.
func (e *Extractor) ExtractDir(ctx context.Context, root string, l *dataset.Listing, views []dataset.View, store *finetune.Store, progress func(done, total int)) ([]head.Example, error) {
	var examples []head.Example
	var paths, hashes []string
	total := len(l.Entries)
	read := func(path string) ([]byte, error) { return os.ReadFile(filepath.Join(root, filepath.FromSlash(path))) }
	for i, done := 0, 0; i < len(l.Entries); done++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ent := l.Entries[i]
		feats, inputs, err := e.extract(func() ([]byte, error) { return read(ent.Path) }, ent.Hash, views)
		switch {
		case errors.Is(err, dataset.ErrUndecodable):
			l.Drop(i, dataset.ReasonUndecodable+": "+strings.TrimPrefix(strings.TrimPrefix(err.Error(), dataset.ReasonUndecodable+": "), "preprocess: "))
		case err != nil:
			return nil, err
		default:
			for v, q := range inputs {
				if _, err := store.PutCompact(len(examples), v, q); err != nil {
					return nil, err
				}
			}
			examples = append(examples, head.Example{Views: feats, Label: ent.Class, Name: ent.Path})
			paths, hashes = append(paths, ent.Path), append(hashes, ent.Hash)
			i++
		}
		if progress != nil {
			progress(done+1, total)
		}
	}
	store.Recompute = func(ctx context.Context, example, view int) ([]float32, error) {
		if c := e.Cache; c != nil && hashes[example] != "" {
			if q, ok := c.input(e, hashes[example], views[view]); ok {
				return q.Values(), nil
			}
		}
		data, err := read(paths[example])
		if err != nil {
			return nil, err
		}
		img, err := preprocess.Load(data, e.Resize, resnet50.InputSize)
		if err != nil {
			return nil, err
		}
		return e.InputOf(img, views[view])
	}
	return examples, nil
}

// extract gives one image file's pooled features and compressed block inputs per view: from
// e.Cache when it holds them all (the file is then not read), else from a trunk pass over the
// bytes read gives (then cached). An image that does not decode is dataset.ErrUndecodable; a
// read error is returned as it is.
func (e *Extractor) extract(read func() ([]byte, error), hash string, views []dataset.View) ([][]float32, []finetune.Compact, error) {
	if e.Cache != nil {
		if feats, inputs, ok := e.Cache.get(e, hash, views); ok {
			e.Cache.Hits++
			return feats, inputs, nil
		}
	}
	data, err := read()
	if err != nil {
		return nil, nil, err
	}
	img, err := preprocess.Load(data, e.Resize, resnet50.InputSize)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", dataset.ErrUndecodable, err)
	}
	feats, xs, err := e.Run(img, views)
	if err != nil {
		return nil, nil, err
	}
	h, w, c := e.InputShape()
	inputs := make([]finetune.Compact, len(xs))
	for v, x := range xs {
		if inputs[v], err = finetune.Compress(x, h, w, c); err != nil {
			return nil, nil, err
		}
	}
	if e.Cache != nil {
		e.Cache.Computed++
		e.Cache.put(e, hash, views, feats, inputs)
	}
	return feats, inputs, nil
}
