// features.go: an image's features for the head — the global average pool of one ResNet50
// output layer (Keras: GlobalAveragePooling2D on base_model.get_layer(layer).output), for the
// image as it is and for its horizontal flip (Keras' RandomFlip("horizontal") /
// ImageDataGenerator(horizontal_flip=True), taken here as a fixed second view). Views of one
// image share one decode and run through the network as one batch.
package dataset

import (
	"errors"
	"fmt"
	"slices"

	"github.com/graftml/graft/core/ops"
	"github.com/graftml/graft/core/preprocess"
	"github.com/graftml/graft/core/resnet50"
	"github.com/graftml/graft/core/tensor"
)

// View is one way of showing an image to the network.
type View string

const (
	ViewOriginal View = "original" // the image as preprocess.Load gives it
	ViewFlip     View = "hflip"    // mirrored left–right after resizing ([H,W,C]: column x ↔ W−1−x)
)

// TrainingViews are the views a head trains on: the image, and its flip when flip is set.
func TrainingViews(flip bool) []View {
	if flip {
		return []View{ViewOriginal, ViewFlip}
	}
	return []View{ViewOriginal}
}

// ErrUndecodable wraps the error of an image that does not decode (the image's fault, not the model's).
var ErrUndecodable = errors.New(ReasonUndecodable)

// Extractor computes pooled features of one layer of one model, through an optional cache.
type Extractor struct {
	Model   *resnet50.Model
	ModelID string // the cache key's model part; must change when the weights do
	Layer   string
	Resize  preprocess.ResizeMode
	Cache   Cache // nil: no cache

	Hits, Computed int // vectors read from the cache and computed, so far
}

// Features returns the features [len(views)][C] of an image file's bytes, whose SHA-256 is
// hash (Entry.Hash). Views missing from the cache are computed in one forward pass.
func (e *Extractor) Features(data []byte, hash string, views []View) ([][]float32, error) {
	return e.features(hash, views, func() ([]float32, error) {
		return preprocess.Load(data, e.Resize, resnet50.InputSize)
	})
}

// FeaturesOfInput is Features for an image already prepared by preprocess (resized with
// e.Resize, caffe mode): input is [224,224,3]. The browser decodes images itself and comes in here.
func (e *Extractor) FeaturesOfInput(input []float32, hash string, views []View) ([][]float32, error) {
	if len(input) != resnet50.InputSize*resnet50.InputSize*3 {
		return nil, fmt.Errorf("dataset: input of %d floats, want %d×%d×3", len(input), resnet50.InputSize, resnet50.InputSize)
	}
	return e.features(hash, views, func() ([]float32, error) { return input, nil })
}

func (e *Extractor) features(hash string, views []View, load func() ([]float32, error)) ([][]float32, error) {
	channels := resnet50.OutputChannels(e.Layer)
	out := make([][]float32, len(views))
	var missing []int
	for i, v := range views {
		if v != ViewOriginal && v != ViewFlip {
			return nil, fmt.Errorf("dataset: unknown view %q", v)
		}
		if e.Cache != nil {
			if f, ok := e.Cache.Get(e.key(hash, v)); ok && len(f) == channels {
				out[i] = f
				e.Hits++
				continue
			}
		}
		missing = append(missing, i)
	}
	if len(missing) == 0 {
		return out, nil
	}
	img, err := load()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUndecodable, err)
	}
	const side = resnet50.InputSize
	batch := make([]float32, 0, len(missing)*len(img)) // [V,224,224,3]
	for _, i := range missing {
		batch = append(batch, ViewImage(img, views[i])...)
	}
	x, err := tensor.FromData(batch, len(missing), side, side, 3)
	if err != nil {
		return nil, err
	}
	y, err := e.Model.Run(x, e.Layer, nil)
	if err != nil {
		return nil, err
	}
	if len(y.Shape) == 4 { // [V,H,W,C] → [V,C]
		y = ops.GlobalAvgPool(y)
	}
	if len(y.Data) != len(missing)*channels {
		return nil, fmt.Errorf("dataset: %s gave %d values for %d views of %d channels", e.Layer, len(y.Data), len(missing), channels)
	}
	for k, i := range missing {
		out[i] = slices.Clone(y.Data[k*channels : (k+1)*channels])
		e.Computed++
		if e.Cache != nil {
			if err := e.Cache.Put(e.key(hash, views[i]), out[i]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (e *Extractor) key(hash string, v View) Key {
	return Key{Content: hash, Model: e.ModelID, Layer: e.Layer, View: v, Resize: string(e.Resize)}
}

// ViewImage is view v of a prepared image img [224,224,3]: img itself, or its mirror image.
func ViewImage(img []float32, v View) []float32 {
	const side = resnet50.InputSize
	if v == ViewFlip {
		return flipHorizontal(img, side, side)
	}
	return img
}

// flipHorizontal returns img [H,W,3] mirrored left–right.
func flipHorizontal(img []float32, h, w int) []float32 {
	out := make([]float32, len(img))
	for y := range h {
		for x := range w {
			copy(out[(y*w+x)*3:(y*w+x)*3+3], img[(y*w+w-1-x)*3:])
		}
	}
	return out
}
